"""The baselines, tuned once per household's figures: one search (`tune`), one get-or-tune call (`tunings`,
remembered in memory and, with a models folder, on disk through `cache`), one builder (`baseline_policies`).

The splits and the rules' numbers are tuned on the `tuning` households, never on the held-out ones.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from hrl_trainer.baselines.cache import Tunings, cache_path, cached_tunings, read_tunings
from hrl_trainer.baselines.fixed import BufferFirst, FixedSplit, RandomSplit, tune_split
from hrl_trainer.baselines.rule_of_thumb import EmergencyFundFirst
from hrl_trainer.baselines.rules import rule_from, rule_scores, tune_2, tune_4
from hrl_trainer.common.config import TUNING_HOUSEHOLDS
from hrl_trainer.common.paths import resolve_models_dir
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.scenarios import Scenario

__all__ = ["TUNING_HOUSEHOLDS", "Tunings", "baseline_policies", "figures_key", "saved_tunings", "tune", "tunings"]


def figures_key(scenario: Scenario) -> Scenario:
    """The scenario without its name and description: households with the same figures share tunings."""
    return dataclasses.replace(scenario, name="", description="")


def tune(figures: Scenario, tuning_households: int = TUNING_HOUSEHOLDS) -> Tunings:
    """The best fixed split, the buffer-first rule's split and the two target-liquidity rules' numbers, tuned on
    `tuning_households` tuning households (the slow part: seconds)."""
    tuning = fixed_households(figures, tuning_households, "tuning")
    scores = rule_scores(figures, tuning)  # the four-number search meets two-number rules again
    rule_2 = tune_2(figures, tuning, scores)
    return {
        "best_fixed": tune_split(figures, tuning, FixedSplit),
        "buffer_first": tune_split(figures, tuning, BufferFirst),
        "target_liquidity_2": dict(rule_2),
        "target_liquidity_4": dict(tune_4(figures, tuning, start=rule_2, scores=scores)),
    }


@lru_cache(maxsize=128)
def _remembered(figures: Scenario, tuning_households: int, models_dir: str | None) -> Tunings:
    if models_dir is None:
        return tune(figures, tuning_households)
    return cached_tunings(figures, tuning_households, models_dir, lambda key: tune(key, tuning_households))


def tunings(
    scenario: Scenario, models_dir: str | Path | None = None, tuning_households: int = TUNING_HOUSEHOLDS
) -> Tunings:
    """The tuned baselines of the scenario's figures: remembered in memory, and kept on disk under `models_dir`
    when given, so that a restarted server does not tune again; tuned (once) when neither has them."""
    folder = None if models_dir is None else str(resolve_models_dir(models_dir))
    return _remembered(figures_key(scenario), tuning_households, folder)


tunings.cache_clear = _remembered.cache_clear  # type: ignore[attr-defined]


def saved_tunings(scenario: Scenario, models_dir: str | Path | None) -> Tunings | None:
    """The tunings a simulation or an earlier run left on disk for these figures; None if there are none
    (reading them takes a millisecond; tuning them takes seconds, too long for the end of a run)."""
    figures = figures_key(scenario)
    return read_tunings(cache_path(figures, TUNING_HOUSEHOLDS, models_dir), figures, TUNING_HOUSEHOLDS)


def baseline_policies(tuned: Tunings, seed: int) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Every baseline with what describes it (its split, its rule's tuned numbers); `random` draws from `seed`."""
    rule = EmergencyFundFirst()
    as_list = lambda split: [round(float(x), 2) for x in split]  # noqa: E731
    return {
        "best_fixed": (FixedSplit(tuned["best_fixed"]), {"split": as_list(tuned["best_fixed"])}),
        "buffer_first": (BufferFirst(tuned["buffer_first"]), {"split": as_list(tuned["buffer_first"])}),
        "target_liquidity_2": (rule_from(tuned["target_liquidity_2"]), {"tuned": dict(tuned["target_liquidity_2"])}),
        "target_liquidity_4": (rule_from(tuned["target_liquidity_4"]), {"tuned": dict(tuned["target_liquidity_4"])}),
        "rule_of_thumb": (
            rule,
            {
                "description": rule.describe(),
                "emergency_fund_months": rule.months_of_expenses,
                "split": as_list(rule.after),
            },
        ),
        "random": (RandomSplit(np.random.default_rng([seed, 1])), {}),
    }
