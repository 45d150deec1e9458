"""One blueprint per feature; ``API_BLUEPRINTS`` lists those documented in the OpenAPI file."""

from hrl_api.web.docs import docs_bp
from hrl_api.web.models import models_bp
from hrl_api.web.runs import runs_bp
from hrl_api.web.scenarios import scenarios_bp
from hrl_api.web.simulations import simulations_bp
from hrl_api.web.system import system_bp
from hrl_api.web.training import training_bp

API_BLUEPRINTS = (training_bp, scenarios_bp, models_bp, runs_bp, simulations_bp, system_bp, docs_bp)

__all__ = ["API_BLUEPRINTS"]
