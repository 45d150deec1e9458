"""How a policy splits the money year by year (`yearly_split`, a simulation's `policies.{name}.yearly`), checked
against a plain loop, and the public `baseline_policy`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hrl_trainer import baseline_policy, compare_policy, fixed_households, load_scenario, score, yearly_split
from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch, to_split
from hrl_trainer.use.simulations import simulate


class Alternating:
    """Odd months one split, even months another; rows deliberately not on the simplex."""

    def reset(self, batch: HouseholdBatch) -> None:
        pass

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        row = [2.0, 1.0, 1.0] if batch.month % 2 else [0.1, 0.1, 0.8]
        return np.tile(row, (batch.size, 1))


@pytest.fixture(scope="module")
def roma():
    return load_scenario("roma_famiglia")  # a fragile household: some go broke, so the alive mask matters


def by_hand(scenario, events, policy) -> dict[str, list[float]]:
    batch = HouseholdBatch(scenario, events)
    batch.reset()
    policy.reset(batch)
    sums = {name: [0.0] * (scenario.months // 12) for name in ("invest", "save", "spend", "liquid")}
    counts = [0] * (scenario.months // 12)
    while not batch.done:
        year, split = batch.month // 12, to_split(policy.act(batch))
        result = batch.step(split)
        for i in np.flatnonzero(result.active):
            for j, name in enumerate(("invest", "save", "spend")):
                sums[name][year] += split[i, j]
            sums["liquid"][year] += batch.liquid[i]
            counts[year] += 1
    return {name: [total / max(n, 1) for total, n in zip(values, counts)] for name, values in sums.items()}


def test_the_yearly_split_is_the_mean_over_the_households_alive_each_month(roma):
    events = fixed_households(roma, 40, "held_out")
    yearly = yearly_split(roma, events, Alternating())
    expected = by_hand(roma, events, Alternating())
    assert len(yearly["invest"]) == roma.months // 12 == 10
    for name in ("invest", "save", "spend"):
        np.testing.assert_allclose(yearly[name], expected[name], atol=1e-4)
    np.testing.assert_allclose(yearly["liquid"], expected["liquid"], atol=0.01)
    np.testing.assert_allclose(yearly["liquid_buffers"], np.array(expected["liquid"]) / roma.safety_buffer, atol=1e-3)
    np.testing.assert_allclose(yearly["invest"], (0.5 + 0.1) / 2, atol=0.005)  # about half the months each split
    assert score(roma, events, Alternating()).duration.min() < roma.months  # some went broke: the mask mattered


def test_a_simulation_holds_every_policys_yearly_split(roma):
    torch.manual_seed(0)
    result = simulate(roma, Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM), households=9, seed=3, months=30)
    for name, policy in result["policies"].items():
        yearly = policy["yearly"]
        assert set(yearly) == {"invest", "save", "spend", "liquid", "liquid_buffers"}, name
        assert all(len(values) == 3 for values in yearly.values()), name  # 30 months: years 1, 2 and a half
        shares = np.array([yearly["invest"], yearly["save"], yearly["spend"]])
        np.testing.assert_allclose(shares.sum(axis=0), 1.0, atol=1e-3)
    np.testing.assert_allclose(
        result["policies"]["best_fixed"]["yearly"]["invest"], result["policies"]["best_fixed"]["split"][0], atol=1e-3
    )


def test_the_public_baseline_policy_is_the_one_compare_policy_scores(roma):
    report = compare_policy(roma, Alternating(), episodes=50, tuning_episodes=200)
    events = fixed_households(roma, 50, "held_out")
    rule = baseline_policy(roma, "target_liquidity_4")
    assert score(roma, events, rule).metrics()["avg_reward"] == pytest.approx(
        report["policies"]["target_liquidity_4"]["avg_reward"], abs=1e-12
    )
    with pytest.raises(ValueError, match="no baseline 'flat_ppo'"):
        baseline_policy(roma, "flat_ppo")
