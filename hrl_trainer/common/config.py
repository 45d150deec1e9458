"""Training run settings: one dataclass, a docstring per field (cleanrl style)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# The run settings a person picks (API, CLI, dashboard): defaults and inclusive bounds, defined here only.
DEFAULT_EPISODES = 1000
MAX_EPISODES = 100_000
DEFAULT_SAVE_INTERVAL = 100
DEFAULT_EVAL_EPISODES = 10
MAX_EVAL_EPISODES = 1000
MAX_SEED = 2**32 - 1
DEFAULT_HOUSEHOLDS = 1000
"""Households of a simulation, unless the request says otherwise."""
MAX_HOUSEHOLDS = 10_000
TUNING_HOUSEHOLDS = 200
"""Tuning households on which the baselines' splits and rules are tuned (evaluate, simulations, the end of a run)."""
HELD_OUT_HOUSEHOLDS = 1000
"""Held-out households on which `evaluate`, `score_policy`, `compare_policy` and a search trial's final score
compare a policy with the baselines."""
RUN_HELD_OUT_HOUSEHOLDS = 200
"""Held-out households of the evaluation at the end of a run (`TrainConfig.held_out_episodes`), in rewards and euros:
fewer than `HELD_OUT_HOUSEHOLDS`, so that the run's end stays short."""
MAX_HOUSEHOLD_MONTHS = 1_200_000
"""households x months of one simulation (10 000 households of 120 months): bounds its memory."""
MONTHS_BOUNDS = (12, 600)
"""Horizon of a simulation and of a household a person creates: one year to fifty."""
SIMULATION_BOUNDS: dict[str, tuple[int, int]] = {
    "households": (1, MAX_HOUSEHOLDS),
    "months": MONTHS_BOUNDS,
    "seed": (0, MAX_SEED),
}
"""(lowest, highest) of each simulation option (API and CLI `simulate`; `households` also bounds `evaluate`)."""
MAX_SCENARIO_MONTHS = 1200
"""Longest horizon of a scenario file (the loader's bound, wider than `MONTHS_BOUNDS`)."""
MAX_INCOME_LOSS_MONTHS = 120
"""Longest income loss a scenario file may set."""
MAX_BALANCE = 1e9
"""Largest balance (savings, investments, cash) advice is asked about, euros."""
ADVICE_BOUNDS: dict[str, tuple[int, int]] = {
    "month": (0, MAX_SCENARIO_MONTHS - 1),
    "income_loss_months_left": (0, MAX_INCOME_LOSS_MONTHS),
}
"""(lowest, highest) of the integer advice options (API and CLI `advise`); the scenario narrows both."""


def simulation_size_error(households: int, months: int) -> str | None:
    """Why `households` x `months` is too large for one simulation's memory, or None."""
    if households * months > MAX_HOUSEHOLD_MONTHS:
        return f"households x months must be at most {MAX_HOUSEHOLD_MONTHS} (here {households} x {months})."
    return None


SETTING_BOUNDS: dict[str, tuple[int, int]] = {
    "num_episodes": (1, MAX_EPISODES),
    "save_interval": (1, MAX_EPISODES),
    "eval_episodes": (1, MAX_EVAL_EPISODES),
    "seed": (0, MAX_SEED),
}
"""(lowest, highest) accepted value of each run setting; `seed` may also be None."""


EXECUTOR_DESIGNS = ("softmax", "rule_prior", "rule_params", "gated_prior", "params_prior")
"""How an Executor's action becomes the month's split (`agents.goal_rule.executor_split`; docs/agents.md): the
softmax of its logits (the flat PPO), logits added to the log of the goal's rule split, the four-number rule's
numbers as corrections around the goal, the prior's logits weighted by a learned gate, or logits added to the log
of the four-number rule the action names around the goal."""
DEFAULT_EXECUTOR_DESIGN = "rule_prior"
"""The design every household's Executor is trained with (docs/learning.md, "The Executor's action")."""

MAX_KEEP_CHECKPOINTS = 1000
"""Upper bound of `keep_checkpoints` accepted from the API and the CLI."""

RUN_NAME_MAX_LENGTH = 80
"""Longest name of a run (characters, once trimmed); "" clears it."""
RUN_NOTES_MAX_LENGTH = 2000
"""Longest notes of a run (characters)."""
RUN_TAGS_MAX = 12
"""Most tags on one run (distinct)."""
RUN_TAG_LENGTH = (1, 32)
"""(shortest, longest) tag, characters once trimmed."""
RUN_TAG_CHARACTERS = "A-Za-z0-9 _-"
"""What a tag is made of: letters, digits, space, '-' and '_' (a regular expression's character class)."""
PUBLISH_POLICIES = ("on_finish", "if_better", "manual")
"""When a run publishes itself as its scenario's model: at its end (finished or stopped, the spec's behaviour), only
when its held-out score beats the published run's (or none is published), or never (by hand only)."""
DEFAULT_PUBLISH = "on_finish"


@dataclass
class TrainConfig:
    """Everything that defines a training run; `TrainConfig(**config.to_dict())` rebuilds it."""

    scenario_name: str
    """Scenario file name under the scenarios folder, without `.yaml`."""
    num_episodes: int = DEFAULT_EPISODES
    """Households (episodes) to train on."""
    save_interval: int = DEFAULT_SAVE_INTERVAL
    """Evaluate and write `checkpoint_episode_{N}/` every this many episodes."""
    eval_episodes: int = DEFAULT_EVAL_EPISODES
    """Fixed-seed households used by each periodic evaluation."""
    seed: int | None = None
    """Seed of every random draw; None picks one and records it in the history."""
    models_dir: str | None = None
    """Models folder; None means $HRL_MODELS_DIR or `<project>/models`."""
    scenarios_dir: str | None = None
    """Scenarios folder; None means $HRL_SCENARIOS_DIR or `<project>/scenarios`."""
    run_id: str | None = None
    """Id of this run (`runs.new_run_id`); None makes a new one."""
    resume_from: str | None = None
    """Id of a finished or stopped run of the same scenario to continue: its networks, observation
    normalisers and optimiser state; episode numbers continue its count."""
    keep_checkpoints: int = 5
    """Periodic `checkpoint_episode_N/` folders a run keeps (the newest); `best` and `final` always stay."""

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
    """Lower the learning rates linearly to 0 (as cleanrl's PPO does): the Executor's over the run, the
    Strategist's over its first `strategist_episodes` episodes (or the run, if shorter)."""
    strategist_episodes: int = 1000
    """With `anneal_lr`, the episodes over which the Strategist learns; after them its goals stay as learned
    while the Executor keeps learning under them (a long run otherwise lets the goals drift, and the Executor,
    which starts from the rule the goal names, with them: see docs/learning.md)."""
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
    executor_design: str = DEFAULT_EXECUTOR_DESIGN
    """How the Executor's action becomes the month's split, one of `EXECUTOR_DESIGNS` (`goal_rule.py`):
    "rule_prior" starts at the two-number target-liquidity rule the Strategist's goal names and learns
    corrections of its logits; "softmax" learns the split's logits from nothing; "rule_params" outputs the
    four-number rule's numbers around the goal's; "gated_prior" is "rule_prior" with a learned weight on the
    prior."""
    intrinsic_coef: float = 0.0
    """Weight of the Executor's intrinsic reward for following the goal (0: the goal is only an input to
    the Executor; see docs/learning.md, "What was tried", for the measurements)."""
    metrics_window: int = 10
    """Episodes averaged into each progress metric."""
    held_out_episodes: int = RUN_HELD_OUT_HOUSEHOLDS
    """Held-out households on which the final agents are scored when the run ends (`history["held_out"]`)."""
    publish: str = DEFAULT_PUBLISH
    """When the run becomes its scenario's published model (`PUBLISH_POLICIES`): "on_finish" at its end,
    "if_better" only when its held-out score beats the published run's, "manual" never by itself."""

    def __post_init__(self) -> None:
        if (
            not isinstance(self.keep_checkpoints, int)
            or isinstance(self.keep_checkpoints, bool)
            or self.keep_checkpoints < 0
        ):
            raise ValueError(f"keep_checkpoints must be a non-negative integer, got {self.keep_checkpoints!r}")
        for name in (
            "num_episodes",
            "save_interval",
            "eval_episodes",
            "num_envs",
            "rollouts_per_life",
            "high_period",
            "hidden",
            "update_epochs",
            "num_minibatches",
            "metrics_window",
            "held_out_episodes",
            "strategist_episodes",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.executor_design not in EXECUTOR_DESIGNS:
            raise ValueError(
                f"executor_design must be one of {', '.join(EXECUTOR_DESIGNS)}, got {self.executor_design!r}"
            )
        for name, (low, high) in SETTING_BOUNDS.items():
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
            ):
                raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")

        if self.publish not in PUBLISH_POLICIES:
            raise ValueError(f"publish must be one of {', '.join(PUBLISH_POLICIES)}, got {self.publish!r}")

    def to_dict(self) -> dict:
        """A JSON-safe, picklable copy."""
        return dataclasses.asdict(self)
