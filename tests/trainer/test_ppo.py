"""Advantages: GAE and the sibling baseline (households living the same life)."""
import torch

from hrl_trainer.ppo import center_on_siblings, compute_gae


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
    assert torch.allclose(center_on_siblings(advantages + luck, valid, life),
                          center_on_siblings(advantages, valid, life), atol=1e-5)


def test_gae_bootstraps_only_within_an_episode():
    rewards = torch.tensor([[1.0], [2.0], [4.0]])
    values = torch.tensor([[0.5], [1.0], [9.0]])
    valid = torch.tensor([[1.0], [1.0], [0.0]])  # the household went broke at step 1
    advantages, returns = compute_gae(rewards, values, valid, gamma=0.5, lam=0.5)
    delta0, delta1 = 1.0 + 0.5 * 1.0 - 0.5, 2.0 - 1.0  # step 1 is terminal: nothing after it counts
    assert torch.allclose(advantages, torch.tensor([[delta0 + 0.25 * delta1], [delta1], [0.0]]))
    assert torch.allclose(returns[:2], advantages[:2] + values[:2])
