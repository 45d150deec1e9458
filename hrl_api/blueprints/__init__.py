"""One blueprint per feature; ``API_BLUEPRINTS`` lists those documented in the OpenAPI file."""
from hrl_api.blueprints.docs import docs_bp
from hrl_api.blueprints.models import models_bp
from hrl_api.blueprints.runs import runs_bp
from hrl_api.blueprints.scenarios import scenarios_bp
from hrl_api.blueprints.simulations import simulations_bp
from hrl_api.blueprints.system import system_bp
from hrl_api.blueprints.training import training_bp

API_BLUEPRINTS = (training_bp, scenarios_bp, models_bp, runs_bp, simulations_bp, system_bp, docs_bp)

__all__ = ["API_BLUEPRINTS"]
