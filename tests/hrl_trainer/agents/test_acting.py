"""Sampling in NumPy (`acting.ActorSnapshot`) against the agent's own PyTorch modules."""

import numpy as np
import pytest
import torch
from torch.distributions import Normal

from hrl_trainer.agents.acting import ActorSnapshot
from hrl_trainer.agents.networks import Executor, RunningNorm, Strategist, gaussian_logprob


def trained_looking(agent):
    """An agent whose weights, log std and normaliser are all away from their initial values."""
    torch.manual_seed(3)
    with torch.no_grad():
        for p in agent.parameters():
            p.add_(0.3 * torch.randn_like(p))
    agent.norm.update(np.random.default_rng(4).normal(2.0, 3.0, (50, agent.obs_dim)))
    return agent


def test_the_snapshot_normalises_and_acts_as_the_agent_does():
    for agent in (trained_looking(Executor(7, hidden=16)), trained_looking(Strategist(7, hidden=16))):
        obs = np.random.default_rng(5).normal(1.0, 4.0, (9, 7)).astype(np.float32)
        obs[0] = 1000.0  # far out: clipped
        snapshot = ActorSnapshot(agent)
        with torch.no_grad():
            raw = torch.from_numpy(obs)
            x = torch.clamp((raw - agent.norm.mean) / torch.sqrt(agent.norm.var + 1e-8), -10.0, 10.0)
            mean = agent.actor(x)
        assert agent.norm.normalise(obs).dtype == np.float32
        np.testing.assert_allclose(agent.norm.normalise(obs), x.numpy(), rtol=1e-5, atol=1e-6)
        assert x.abs().max() == 10.0  # some inputs are clipped
        np.testing.assert_allclose(snapshot.mean(x.numpy()), mean.numpy(), rtol=1e-4, atol=1e-5)
        assert snapshot.mean(x.numpy()).shape == (9, agent.action_dim)
        np.testing.assert_allclose(snapshot.raw_mean(obs), mean.numpy(), rtol=1e-4, atol=1e-5)
        if isinstance(agent, Strategist):  # an Executor's action becomes a split by goal_rule.executor_split
            with torch.no_grad():
                action = agent.to_env(mean)
            np.testing.assert_allclose(snapshot.mean_action(obs), action.numpy(), rtol=1e-4, atol=1e-6)


def test_samples_spread_around_the_mean_with_the_agents_standard_deviation():
    agent = trained_looking(Executor(5, hidden=8))
    x = np.zeros((20_000, 5), dtype=np.float32)
    logits = ActorSnapshot(agent).sample(x, np.random.default_rng(6))
    mean = ActorSnapshot(agent).mean(x)
    assert logits.dtype == np.float32 and logits.shape == (20_000, 3)
    np.testing.assert_allclose((logits - mean).mean(0), 0.0, atol=0.03)
    np.testing.assert_allclose((logits - mean).std(0), agent.actor_logstd.detach().exp().numpy(), rtol=0.03)


def test_the_gaussian_log_density_is_torchs():
    mean, logstd, value = torch.randn(6, 3), torch.randn(3), torch.randn(6, 3)
    expected = Normal(mean, logstd.exp()).log_prob(value).sum(-1)
    torch.testing.assert_close(gaussian_logprob(mean, logstd, value), expected)


def test_the_running_normaliser_matches_the_statistics_of_everything_it_took_in():
    rng = np.random.default_rng(7)
    chunks = [rng.normal(5.0, 2.0, (n, 4)) for n in (25, 3, 1, 40)]
    norm = RunningNorm(4)
    for chunk in chunks:
        norm.update(chunk.astype(np.float32))
    seen = np.concatenate(chunks)
    np.testing.assert_allclose(norm.mean.numpy(), seen.mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm.var.numpy(), seen.var(0), rtol=1e-4)
    assert float(norm.count) == pytest.approx(69 + 1e-4)
