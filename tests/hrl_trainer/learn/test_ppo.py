"""PPO: GAE, the sibling baseline (households living the same life), the loss and the update, on
hand-computed numbers."""

import math

import numpy as np
import pytest
import torch

from hrl_trainer.agents.acting import ActorSnapshot
from hrl_trainer.agents.networks import Executor
from hrl_trainer.learn.optim import Adam
from hrl_trainer.learn.ppo import PPOSettings, center_on_siblings, compute_gae, ppo_loss, ppo_update

SETTINGS = PPOSettings(clip_coef=0.2, ent_coef=0.01, vf_coef=0.5, update_epochs=1, num_minibatches=1, max_grad_norm=0.5)


def test_each_household_is_measured_against_the_mean_of_its_siblings():
    advantages = torch.tensor([[1.0, 3.0, 8.0, 5.0, 7.0]])
    life = torch.tensor([0, 0, 1, 1, 1])
    centred = center_on_siblings(advantages, torch.ones_like(advantages, dtype=torch.bool), life)
    assert torch.allclose(centred, torch.tensor([[-2.0, 2.0, 2.0, -2.5, 0.5]]))


def test_a_household_without_valid_siblings_keeps_its_advantage_and_invalid_steps_are_zero():
    advantages = torch.tensor([[1.0, 3.0, 4.0], [2.0, 9.0, 4.0]])
    valid = torch.tensor([[True, True, True], [True, False, True]])  # household 1 went broke after step 0
    life = torch.tensor([0, 0, 1])
    centred = center_on_siblings(advantages, valid, life)
    assert torch.allclose(centred, torch.tensor([[-2.0, 2.0, 4.0], [2.0, 0.0, 4.0]]))


def test_the_luck_of_a_life_cancels_out():
    generator = torch.Generator().manual_seed(0)
    advantages = torch.randn(12, 10, generator=generator)
    valid = torch.rand(12, 10, generator=generator) > 0.2
    life = torch.arange(10) // 5
    luck = torch.randn(12, 2, generator=generator)[:, life]  # the same for every sibling at each step
    assert torch.allclose(
        center_on_siblings(advantages + luck, valid, life), center_on_siblings(advantages, valid, life), atol=1e-5
    )


def test_gae_bootstraps_only_within_an_episode():
    rewards = torch.tensor([[1.0], [2.0], [4.0]])
    values = torch.tensor([[0.5], [1.0], [9.0]])
    valid = torch.tensor([[1.0], [1.0], [0.0]])  # the household went broke at step 1
    advantages, returns = compute_gae(rewards, values, valid, gamma=0.5, lam=0.5)
    delta0, delta1 = 1.0 + 0.5 * 1.0 - 0.5, 2.0 - 1.0  # step 1 is terminal: nothing after it counts
    assert torch.allclose(advantages, torch.tensor([[delta0 + 0.25 * delta1], [delta1], [0.0]]))
    assert torch.allclose(returns[:2], advantages[:2] + values[:2])


# --- the loss of one minibatch ----------------------------------------------------------------------------
def test_ppo_loss_on_hand_computed_numbers():
    ratio = torch.tensor([1.5, 0.5, 1.1, 0.5], dtype=torch.float64)
    advantages = torch.tensor([1.0, 1.0, -1.0, -1.0], dtype=torch.float64)
    loss, parts = ppo_loss(
        torch.log(ratio),
        torch.zeros(4, dtype=torch.float64),
        advantages,
        entropy=torch.tensor([2.0, 1.0, 3.0, 2.0], dtype=torch.float64),
        value=torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64),
        returns=torch.tensor([1.0, 0.0, 3.0, 6.0], dtype=torch.float64),
        settings=SETTINGS,
    )
    # max(-A r, -A clip(r, 0.8, 1.2)) per sample: max(-1.5, -1.2), max(-0.5, -0.8), max(1.1, 1.1), max(0.5, 0.8)
    policy = (-1.2 - 0.5 + 1.1 + 0.8) / 4  # 0.05; without the clip it would be (-1.5 - 0.5 + 1.1 + 0.5) / 4
    value = 0.5 * (0 + 4 + 0 + 4) / 4  # 1.0
    entropy = 2.0
    assert parts["policy_loss"] == pytest.approx(policy)
    assert parts["value_loss"] == pytest.approx(value)
    assert parts["entropy"] == pytest.approx(entropy)
    assert loss.item() == pytest.approx(policy - 0.01 * entropy + 0.5 * value)  # 0.53
    assert parts["clip_fraction"] == pytest.approx(0.75) and parts["ratio_change"] == pytest.approx(0.5)


def test_ppo_loss_at_ratio_one_is_minus_the_mean_advantage():
    advantages = torch.tensor([0.5, -1.5, 2.0])
    loss, parts = ppo_loss(
        torch.zeros(3), torch.zeros(3), advantages, torch.zeros(3), torch.zeros(3), torch.zeros(3), SETTINGS
    )
    assert parts["policy_loss"] == pytest.approx(-1.0 / 3) and loss.item() == pytest.approx(-1.0 / 3)
    assert parts["clip_fraction"] == 0.0 and parts["ratio_change"] == 0.0


# --- the update -------------------------------------------------------------------------------------------
def sampled_logits(agent, obs: torch.Tensor) -> torch.Tensor:
    """Logits (N, A) drawn by `agent` for normalised observations `obs` (N, D), as a rollout draws them."""
    return torch.from_numpy(ActorSnapshot(agent).sample(obs.numpy(), np.random.default_rng(0)))


def agent_and_batch(n: int = 6, seed: int = 0):
    torch.manual_seed(seed)
    agent = Executor(obs_dim=3, hidden=8)
    obs = torch.randn(n, 3, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        actions = sampled_logits(agent, obs)
        logprob, _, value = agent.score(obs, actions)
    return agent, obs, actions, logprob, value


def parameters(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def update(agent, obs, actions, old_logprob, advantages, returns, **settings):
    lr = 1e-3
    stats = ppo_update(
        agent,
        Adam(agent.parameters(), lr=lr, eps=1e-5),
        obs,
        actions,
        old_logprob,
        advantages,
        returns,
        PPOSettings(**{**SETTINGS.__dict__, **settings}),
        torch.Generator().manual_seed(0),
    )
    return lr, stats


def test_the_entropy_bonus_widens_the_policy_by_one_adam_step():
    agent, obs, actions, logprob, value = agent_and_batch()
    before = agent.actor_logstd.detach().clone()
    # no advantage, no value loss: the entropy bonus is the only force on the log std (d entropy / d log std = 1)
    lr, _ = update(agent, obs, actions, logprob, torch.zeros(6), value, ent_coef=0.1, vf_coef=0.0)
    torch.testing.assert_close(agent.actor_logstd.detach(), before + lr, rtol=0, atol=lr * 0.02)


def test_the_value_loss_moves_the_critic_towards_the_returns_by_one_adam_step():
    agent, obs, actions, logprob, value = agent_and_batch()
    actor_before, bias_before = parameters(agent.actor), agent.critic[-1].bias.detach().clone()
    # returns above every value: the critic's output bias rises by one Adam step; no advantage, no entropy bonus
    lr, stats = update(agent, obs, actions, logprob, torch.zeros(6), value + 1.0, ent_coef=0.0)
    torch.testing.assert_close(agent.critic[-1].bias.detach(), bias_before + lr, rtol=0, atol=lr * 0.02)
    assert stats["value_loss"] == pytest.approx(0.5)  # 0.5 * mean((value - returns) ** 2) before the step
    assert all(torch.equal(a, b) for a, b in zip(parameters(agent.actor), actor_before))


def test_a_ratio_beyond_the_clip_gives_the_policy_no_gradient():
    agent, obs, actions, logprob, value = agent_and_batch()
    advantages = torch.tensor([1.0, -1.0, 2.0, -2.0, 1.0, -1.0])
    # ratio e where the advantage is positive, 1/e where it is negative: both outside [0.8, 1.2], both clipped
    old_logprob = logprob - torch.sign(advantages)
    before = [*parameters(agent.actor), agent.actor_logstd.detach().clone()]
    _, stats = update(agent, obs, actions, old_logprob, advantages, value, ent_coef=0.0, vf_coef=0.0)
    assert stats["clip_fraction"] == 1.0 and stats["ratio_change"] == pytest.approx(math.e - 1, rel=1e-5)
    assert all(torch.equal(a, b) for a, b in zip([*parameters(agent.actor), agent.actor_logstd.detach()], before))
    # inside the clip the same advantages do move the policy
    _, stats = update(agent, obs, actions, logprob, advantages, value, ent_coef=0.0, vf_coef=0.0)
    assert stats["first_ratio_change"] == 0.0
    assert not all(torch.equal(a, b) for a, b in zip(parameters(agent.actor), before))


class CountingExecutor(Executor):
    """An Executor that records the size of every minibatch it scores."""

    sizes: list[int]

    def score(self, obs, logits):
        self.sizes.append(obs.shape[0])
        return super().score(obs, logits)


@pytest.mark.parametrize(
    "samples, minibatches, sizes", [(5, 2, [3, 2]), (7, 3, [3, 2, 2]), (8, 2, [4, 4]), (1, 2, [1]), (2, 4, [1, 1])]
)
def test_minibatches_are_split_evenly(samples, minibatches, sizes):
    agent = CountingExecutor(obs_dim=3, hidden=8)
    obs = torch.randn(samples, 3)
    with torch.no_grad():
        actions = sampled_logits(agent, obs)
        logprob = Executor.score(agent, obs, actions)[0]
    agent.sizes = []
    update(
        agent,
        obs,
        actions,
        logprob,
        torch.randn(samples),
        torch.zeros(samples),
        update_epochs=2,
        num_minibatches=minibatches,
    )
    assert agent.sizes == sizes * 2


def test_gae_of_a_single_step_is_its_td_error():
    advantages, returns = compute_gae(
        torch.tensor([[2.0, 1.0]]), torch.tensor([[0.5, 3.0]]), torch.tensor([[1.0, 1.0]]), gamma=0.9, lam=0.9
    )
    assert torch.allclose(advantages, torch.tensor([[1.5, -2.0]])) and torch.allclose(
        returns, torch.tensor([[2.0, 1.0]])
    )


def test_the_first_ratio_is_reported_before_any_step_and_later_ones_move():
    agent, obs, actions, logprob, value = agent_and_batch(n=8)
    _, stats = update(
        agent,
        obs,
        actions,
        logprob,
        torch.randn(8, generator=torch.Generator().manual_seed(1)),
        value,
        update_epochs=3,
        num_minibatches=2,
    )
    assert stats["first_ratio_change"] == 0.0 and stats["ratio_change"] > 0.0


def test_advantages_are_normalised_in_each_minibatch():
    """Shifting and scaling every advantage changes nothing: each minibatch's advantages are centred and
    scaled to unit standard deviation before the loss."""
    advantages = torch.tensor([0.3, -1.2, 2.0, 0.1, -0.4, 0.9])
    results = []
    for scaled in (advantages, 100.0 * advantages + 7.0):
        agent, obs, actions, logprob, value = agent_and_batch()
        update(
            agent, obs, actions, logprob, scaled, value, ent_coef=0.0, vf_coef=0.0, update_epochs=2, num_minibatches=2
        )
        results.append(parameters(agent.actor))
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(*results))
    assert not all(torch.equal(a, b) for a, b in zip(results[0], parameters(agent_and_batch()[0].actor)))


def test_a_minibatch_of_two_is_normalised_and_one_of_one_is_left_alone():
    # one minibatch, before any step (ratio 1): the policy loss is minus the mean (normalised) advantage
    for samples, expected in ((2, 0.0), (1, -5.0)):  # advantages 5, 6 become -1/sqrt(2), +1/sqrt(2); a lone 5 stays
        agent, obs, actions, logprob, value = agent_and_batch(n=samples)
        before = parameters(agent.actor)
        _, stats = update(
            agent, obs, actions, logprob, torch.tensor([5.0, 6.0])[:samples], value, ent_coef=0.0, vf_coef=0.0
        )
        assert stats["policy_loss"] == pytest.approx(expected, abs=1e-6)
        assert all(torch.isfinite(p).all() for p in parameters(agent.actor))
        assert not all(torch.equal(a, b) for a, b in zip(parameters(agent.actor), before))


def test_the_minibatch_order_comes_from_the_given_generator_only():
    results = []
    for global_seed in (1, 2):
        agent, obs, actions, logprob, value = agent_and_batch()
        torch.manual_seed(global_seed)  # the global random state must not matter
        update(agent, obs, actions, logprob, torch.arange(6.0), value, update_epochs=2, num_minibatches=3)
        results.append(parameters(agent))
    assert all(torch.equal(a, b) for a, b in zip(*results))


def test_advantage_normalisation_on_hand_computed_numbers():
    agent, obs, actions, logprob, value = agent_and_batch(n=2)
    old = logprob - torch.tensor([math.log(1.5), 0.0])  # ratios 1.5 and 1
    _, stats = update(agent, obs, actions, old, torch.tensor([5.0, 6.0]), value, ent_coef=0.0, vf_coef=0.0)
    a = 1 / math.sqrt(2)  # 5 and 6 become -a and +a (sample standard deviation)
    assert stats["policy_loss"] == pytest.approx((max(a * 1.5, a * 1.2) - a) / 2, rel=1e-5)
