"""The Executor's designs (issue 23): how each turns its action into the month's split (`goal_rule.executor_split`),
what a saved Executor records (design, observation and action layouts), and which saved Executors load."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from hrl_trainer.agents.acting import ActorSnapshot
from hrl_trainer.agents.goal_rule import CLOSE_START, GATE_START, executor_split, prior_gate, prior_logits
from hrl_trainer.agents.networks import EXECUTOR_ACTIONS, GOAL_DIM, Executor, Strategist, UnknownDesign
from hrl_trainer.agents.policy import HierarchicalPolicy
from hrl_trainer.baselines.rules import TargetLiquidity
from hrl_trainer.common.config import EXECUTOR_DESIGNS, TrainConfig
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.scenarios import load_scenario
from hrl_trainer.env.simulation import OBS_DIM, OBS_FEATURES, HouseholdBatch
from hrl_trainer.learn.flat import train_flat
from hrl_trainer.store.checkpoints import IncompatibleModel, agent_bytes, agent_from_bytes
from hrl_trainer.use.advice import advise, household_at

GOAL_LOGITS = [0.3, 0.0, -1.2, 0.2]
"""The constant goal of `constant_agents`: spend share e^-1.2 / (e^0.3 + 1 + e^-1.2), buffer fraction sigmoid(0.2)."""
GOAL_SPEND = np.exp(-1.2) / (np.exp(0.3) + 1.0 + np.exp(-1.2))
GOAL_BUFFER = 1.0 / (1.0 + np.exp(-0.2))


def constant_agents(design: str, action: list[float]) -> tuple[Strategist, Executor]:
    """Agents whose last actor layers output constants: the goal GOAL_LOGITS and the Executor's `action`."""
    torch.manual_seed(0)
    strategist, executor = Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM, design=design)
    with torch.no_grad():
        for agent, bias in ((strategist, GOAL_LOGITS), (executor, action)):
            agent.actor[-1].weight.zero_()
            agent.actor[-1].bias.copy_(torch.tensor(bias))
    return strategist, executor


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


@pytest.fixture(scope="module")
def torino():
    return load_scenario("torino_single")


def months_into(scenario, policy, households: int = 6, months: int = 8) -> HouseholdBatch:
    """A batch `months` into its lives under `policy`, with savings spread under and over any target."""
    batch = HouseholdBatch(scenario, fixed_households(scenario, households, "held_out"))
    policy.reset(batch)
    for _ in range(months):
        batch.step(policy.act(batch))
    batch.savings[:] = np.linspace(0.0, 8.0 * scenario.safety_buffer, households)
    return batch


@pytest.mark.parametrize("design", EXECUTOR_DESIGNS)
def test_every_design_gives_a_split_on_the_simplex(torino, design):
    executor = Executor(OBS_DIM + GOAL_DIM, design=design)
    batch = months_into(torino, HierarchicalPolicy(*constant_agents("rule_prior", [0.0] * 3), deterministic=True))
    rng = np.random.default_rng(1)
    goal = np.column_stack([rng.dirichlet(np.ones(3), batch.size), rng.uniform(0, 1, batch.size)]).astype(np.float32)
    for scale in (0.1, 3.0, 30.0):  # near the start, far out, and saturated
        action = (scale * rng.standard_normal((batch.size, executor.action_dim))).astype(np.float32)
        split = executor_split(executor, batch, None if design == "softmax" else goal, action)
        assert split.shape == (batch.size, 3)
        assert np.all(split >= 0.0) and np.all(np.isfinite(split))
        np.testing.assert_allclose(split.sum(axis=1), 1.0, atol=1e-6)


def test_a_constant_rule_params_executor_is_exactly_a_four_number_rule(torino):
    action = [0.4, -0.7, 1.1, -2.5]
    policy = HierarchicalPolicy(*constant_agents("rule_params", action), deterministic=True)
    batch = months_into(torino, policy)  # goal set in month 6, still in force
    k = 6.0 * sigmoid(logit(GOAL_BUFFER) + 0.4)
    below, above = sigmoid(logit(GOAL_SPEND) - 0.7), sigmoid(logit(GOAL_SPEND) + 1.1)
    close = sigmoid(CLOSE_START - 2.5)
    rule = TargetLiquidity(k, below, above, close)
    rule.reset(batch)
    expected = rule.act(batch)
    np.testing.assert_allclose(policy.act(batch), expected, rtol=1e-6, atol=1e-7)
    gap = k * torino.safety_buffer > batch.savings
    assert gap.any() and (~gap).any()  # both sides of the target were checked
    assert 0.0 < below < above < 1.0 and 0.0 < close < 1.0


def test_the_gate_starts_near_one_and_the_gated_prior_near_todays_prior(torino):
    torch.manual_seed(5)
    gated, today = Executor(OBS_DIM + GOAL_DIM, design="gated_prior"), Executor(OBS_DIM + GOAL_DIM, design="rule_prior")
    batch = months_into(torino, HierarchicalPolicy(*constant_agents("rule_prior", [0.0] * 3), deterministic=True))
    obs = np.concatenate([batch.observe(), np.tile([0.3, 0.5, 0.2, 0.6], (batch.size, 1)).astype(np.float32)], 1)
    action = ActorSnapshot(gated).raw_mean(obs)
    gate = prior_gate(action)
    assert np.all(gate > 0.9) and np.all(gate < 1.0)
    assert gate == pytest.approx(sigmoid(GATE_START), abs=0.03)
    goal = obs[:, OBS_DIM:]
    with_gate = executor_split(gated, batch, goal, action)
    full_prior = executor_split(today, batch, goal, action[:, :3])
    np.testing.assert_allclose(with_gate, full_prior, atol=0.1)  # a weight near 1: near the rule's split
    logits = action[:, :3] + gate[:, None] * prior_logits(batch, goal)  # the prior's logits times the gate
    np.testing.assert_allclose(with_gate, np.exp(logits) / np.exp(logits).sum(1, keepdims=True), rtol=1e-5)


def test_advice_splits_by_the_design_of_the_executor(torino):
    agents = constant_agents("rule_params", [0.0, 0.5, 0.5, 0.0])
    advice = advise(torino, *agents, month=30, savings=100.0, invested=5000.0)
    batch = household_at(torino, 30, 100.0, 5000.0, 0.0, 0)
    spend = sigmoid(logit(GOAL_SPEND) + 0.5)
    rule = TargetLiquidity(6.0 * GOAL_BUFFER, spend, spend, sigmoid(CLOSE_START))
    rule.reset(batch)
    np.testing.assert_allclose(list(advice["split"].values()), rule.act(batch)[0], atol=1e-6)


@pytest.mark.parametrize("design", EXECUTOR_DESIGNS)
def test_a_saved_executor_keeps_its_design_and_records_both_layouts(torino, design):
    torch.manual_seed(2)
    executor = Executor(OBS_DIM + GOAL_DIM, hidden=16, design=design)
    payload = torch.load(io.BytesIO(agent_bytes(executor)), weights_only=True)
    assert payload["architecture"]["design"] == design
    assert payload["observation"] == [*OBS_FEATURES, "goal_invest", "goal_save", "goal_spend", "goal_buffer"]
    assert payload["action"] == list(EXECUTOR_ACTIONS[design]) and len(payload["action"]) == executor.action_dim
    loaded = agent_from_bytes(agent_bytes(executor))
    assert isinstance(loaded, Executor) and loaded.design == design and loaded.action_dim == executor.action_dim
    for name, tensor in executor.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], tensor)
    strategist = torch.load(io.BytesIO(agent_bytes(Strategist(OBS_DIM))), weights_only=True)
    assert strategist["action"] == ["goal_invest_logit", "goal_save_logit", "goal_spend_logit", "goal_buffer_logit"]


def saved_as(payload: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def old_payload(executor: Executor, architecture: dict) -> dict:
    """`executor` as a version before designs and action layouts saved it."""
    return {
        "kind": "executor",
        "architecture": architecture,
        "observation": [*OBS_FEATURES, "goal_invest", "goal_save", "goal_spend", "goal_buffer"],
        "state_dict": executor.state_dict(),
    }


def test_executors_saved_before_designs_load_and_act_as_trained(torino):
    strategist, executor = constant_agents("rule_prior", [0.2, -0.1, 0.3])
    policy = HierarchicalPolicy(strategist, executor, deterministic=True)
    batch = months_into(torino, policy)
    expected = policy.act(batch)
    old = old_payload(executor, {"obs_dim": OBS_DIM + GOAL_DIM, "hidden": 64, "rule_prior": True})
    loaded = agent_from_bytes(saved_as(old))
    assert loaded.design == "rule_prior"
    again = HierarchicalPolicy(strategist, loaded, deterministic=True)
    again.reset(batch)
    again.goal = policy.goal
    np.testing.assert_array_equal(again.act(batch), expected)
    older = old_payload(executor, {"obs_dim": OBS_DIM + GOAL_DIM, "hidden": 64})  # before the rule prior
    assert agent_from_bytes(saved_as(older)).design == "softmax"


def test_a_design_this_version_cannot_build_is_refused_clearly():
    payload = torch.load(io.BytesIO(agent_bytes(Executor(OBS_DIM + GOAL_DIM, design="rule_params"))), weights_only=True)
    payload["architecture"]["design"] = "transformer_v9"
    with pytest.raises(IncompatibleModel, match="design 'transformer_v9' is not one this version builds"):
        agent_from_bytes(saved_as(payload))
    payload["architecture"]["design"] = "rule_params"
    payload["action"] = ["k_correction", "spend_correction", "close_logit", "gate_logit"]
    with pytest.raises(IncompatibleModel, match="its actions are"):
        agent_from_bytes(saved_as(payload))
    with pytest.raises(UnknownDesign):
        Executor(OBS_DIM + GOAL_DIM, design="transformer_v9")
    with pytest.raises(ValueError, match="executor_design must be one of"):
        TrainConfig(scenario_name="torino_single", executor_design="transformer_v9")


def test_the_flat_ppo_is_the_same_whatever_the_design_of_the_run():
    trained = [
        train_flat(TrainConfig("torino_single", num_episodes=10, save_interval=10, seed=3, executor_design=design))
        for design in ("rule_prior", "rule_params")
    ]
    assert trained[0].design == trained[1].design == "softmax"
    for name, tensor in trained[0].state_dict().items():
        torch.testing.assert_close(trained[1].state_dict()[name], tensor, rtol=0, atol=0)


def test_params_prior_corrects_the_logits_of_the_rule_its_action_names(torino):
    numbers = [0.4, -0.7, 1.1, -2.5]
    policy = HierarchicalPolicy(*constant_agents("params_prior", [0.0, 0.0, 0.0, *numbers]), deterministic=True)
    rule_params = HierarchicalPolicy(*constant_agents("rule_params", numbers), deterministic=True)
    batch = months_into(torino, policy)
    rule_params.reset(batch)
    rule_params.goal = policy.goal
    shares = np.maximum(rule_params.act(batch), 0.01)  # the rule's split, floored as the prior floors it
    np.testing.assert_allclose(policy.act(batch), shares / shares.sum(axis=1, keepdims=True), atol=1e-6)
