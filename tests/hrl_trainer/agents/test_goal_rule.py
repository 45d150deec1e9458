"""The Executor's rule prior: an untrained Executor follows the two-number rule its goal names, and
saved Executors keep the prior they were trained with."""

import io

import numpy as np
import pytest
import torch

from hrl_trainer.agents.goal_rule import PRIOR_FLOOR
from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.agents.policy import HierarchicalPolicy
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.scenarios import load_scenario
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch
from hrl_trainer.store.checkpoints import agent_bytes, agent_from_bytes
from hrl_trainer.use.advice import advise, household_at
from tests.hrl_trainer.baselines.test_rules import rule_split

GOAL_LOGITS = [0.0, 0.0, -1.0, 0.4]
"""A goal whose mean is spend share e^-1 / (2 + e^-1) and buffer fraction sigmoid(0.4)."""


def untrained_agents(rule_prior: bool = True) -> tuple[Strategist, Executor]:
    """Agents whose last actor layers output constants: the goal GOAL_LOGITS, corrections 0."""
    torch.manual_seed(0)
    strategist, executor = Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM, rule_prior=rule_prior)
    with torch.no_grad():
        for agent, bias in ((strategist, GOAL_LOGITS), (executor, [0.0, 0.0, 0.0])):
            agent.actor[-1].weight.zero_()
            agent.actor[-1].bias.copy_(torch.tensor(bias))
    return strategist, executor


def expected_split(money: float, savings: float, safety_buffer: float) -> np.ndarray:
    """The goal's rule by hand, with shares under PRIOR_FLOOR raised to it and the split renormalised."""
    spend = np.exp(-1.0) / (2.0 + np.exp(-1.0))
    k = 6.0 / (1.0 + np.exp(-0.4))
    shares = np.maximum(rule_split(money, savings, k * safety_buffer, spend, spend, 1.0), PRIOR_FLOOR)
    return shares / shares.sum()


@pytest.fixture(scope="module")
def torino():
    return load_scenario("torino_single")


def test_an_untrained_executor_follows_the_rule_of_its_goal(torino):
    batch = HouseholdBatch(torino, fixed_households(torino, 4, "held_out"))
    policy = HierarchicalPolicy(*untrained_agents(), deterministic=True)
    policy.reset(batch)
    for _ in range(7):  # into the second goal period, with some savings
        batch.step(policy.act(batch))
    batch.savings[:] = [0.0, 2000.0, 9000.0, 30000.0]  # under, near and over the target (about 3.6 buffers)
    split = policy.act(batch)
    income = batch.base_income * np.where(batch.loss_left > 0, torino.income_loss_factor, 1.0)
    for i in range(4):
        money = max(batch.cash[i] + income[i] - batch.last_expenses[i], 0.0)
        np.testing.assert_allclose(split[i], expected_split(money, batch.savings[i], torino.safety_buffer), atol=1e-5)
    assert split[3, 1] < 0.02 and split[0, 1] > 0.5  # over the target nothing is saved; far under, most of it


def test_without_the_prior_the_same_weights_give_the_uniform_split(torino):
    batch = HouseholdBatch(torino, fixed_households(torino, 2, "held_out"))
    policy = HierarchicalPolicy(*untrained_agents(rule_prior=False), deterministic=True)
    policy.reset(batch)
    np.testing.assert_allclose(policy.act(batch), np.full((2, 3), 1 / 3), atol=1e-6)


def test_advice_follows_the_rule_of_the_goal(torino):
    advice = advise(torino, *untrained_agents(), month=30, savings=1000.0, invested=5000.0)
    batch = household_at(torino, 30, 1000.0, 5000.0, 0.0, 0)
    money = float(batch.base_income[0] - batch.last_expenses[0])
    np.testing.assert_allclose(
        list(advice["split"].values()), expected_split(money, 1000.0, torino.safety_buffer), atol=1e-5
    )
    assert advice["goal"]["buffer"] == pytest.approx(6.0 / (1.0 + np.exp(-0.4)) * torino.safety_buffer, abs=0.01)


def test_a_saved_executor_keeps_its_prior_and_an_older_one_loads_without():
    _, executor = untrained_agents()
    assert agent_from_bytes(agent_bytes(executor)).rule_prior is True
    payload = torch.load(io.BytesIO(agent_bytes(Executor(OBS_DIM + GOAL_DIM))), weights_only=True)
    del payload["architecture"]["design"], payload["action"]  # as saved before the prior existed
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    assert agent_from_bytes(buffer.getvalue()).rule_prior is False
