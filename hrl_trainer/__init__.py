"""hrl_trainer: hierarchical reinforcement learning for household finances (plain PyTorch + NumPy)."""
__version__ = "0.1.0"

from .checkpoints import list_trained_models, load_history
from .config import TrainConfig
from .evaluation import score_policy
from .metrics import TrainingError
from .paths import resolve_models_dir, resolve_scenarios_dir, validate_name
from .scenarios import Scenario, ScenarioError, ScenarioNotFound, list_scenarios, load_scenario
from .trainer import TrainResult, train

__all__ = [
    "Scenario", "ScenarioError", "ScenarioNotFound", "TrainConfig", "TrainResult", "TrainingError",
    "list_scenarios", "list_trained_models", "load_history", "load_scenario", "resolve_models_dir",
    "resolve_scenarios_dir", "score_policy", "train", "validate_name",
]
