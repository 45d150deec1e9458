"""Training run settings: one dataclass, a docstring per field (cleanrl style)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class TrainConfig:
    """Everything that defines a training run; `TrainConfig(**config.to_dict())` rebuilds it."""

    scenario_name: str
    """Scenario file name under the scenarios folder, without `.yaml`."""
    num_episodes: int = 1000
    """Households (episodes) to train on."""
    save_interval: int = 100
    """Evaluate and write `checkpoint_episode_{N}/` every this many episodes."""
    eval_episodes: int = 10
    """Fixed-seed households used by each periodic evaluation."""
    seed: int | None = None
    """Seed of every random draw; None picks one and records it in the history."""
    models_dir: str | None = None
    """Models folder; None means $HRL_MODELS_DIR or `<project>/models`."""
    scenarios_dir: str | None = None
    """Scenarios folder; None means $HRL_SCENARIOS_DIR or `<project>/scenarios`."""

    num_envs: int = 25
    """Households simulated side by side per rollout (and per PPO update)."""
    rollouts_per_life: int = 5
    """Households of a rollout that live the same life (same markets, expenses and shocks); each
    one's advantages are measured against the mean of its siblings', which removes the luck of the
    life from the learning signal."""
    high_period: int = 6
    """Months between two goals of the Strategist."""
    hidden: int = 64
    """Width of the two hidden layers of every network."""
    learning_rate: float = 1e-3
    """Adam learning rate of both agents at the start of the run."""
    anneal_lr: bool = True
    """Lower the learning rate linearly to 0 over the run (as cleanrl's PPO does)."""
    gamma: float = 0.99
    """Monthly discount; the Strategist uses gamma ** high_period."""
    gae_lambda: float = 0.95
    """GAE lambda of both agents."""
    clip_coef: float = 0.2
    """PPO ratio clip."""
    ent_coef: float = 0.003
    """Entropy bonus."""
    vf_coef: float = 0.5
    """Value loss weight."""
    update_epochs: int = 4
    """Passes over each rollout."""
    num_minibatches: int = 2
    """Minibatches per pass."""
    max_grad_norm: float = 0.5
    """Gradient clipping norm."""
    reward_scale: float = 0.1
    """Rewards are multiplied by this before learning, so returns are of order one."""
    intrinsic_coef: float = 0.0
    """Weight of the Executor's intrinsic reward for following the goal (0: the goal is only an input to
    the Executor; see the README's Learning section for the measurements)."""
    metrics_window: int = 10
    """Episodes averaged into each progress metric."""

    def __post_init__(self) -> None:
        for name in ("num_episodes", "save_interval", "eval_episodes", "num_envs", "rollouts_per_life", "high_period", "hidden",
                     "update_epochs", "num_minibatches", "metrics_window"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    def to_dict(self) -> dict:
        """A JSON-safe, picklable copy."""
        return dataclasses.asdict(self)
