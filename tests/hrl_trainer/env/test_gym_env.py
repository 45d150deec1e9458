"""The single-household Gymnasium environment."""

import numpy as np
from gymnasium.utils.env_checker import check_env

from hrl_trainer.env.gym_env import HouseholdEnv


def test_passes_gymnasium_env_checker():
    check_env(HouseholdEnv("bologna_coppia"), skip_render_check=True)


def test_reset_with_a_seed_is_deterministic():
    env = HouseholdEnv("torino_single")
    runs = []
    for _ in range(2):
        _obs, info = env.reset(seed=11)
        rewards = []
        for _ in range(24):
            _obs, reward, _terminated, _truncated, info = env.step(np.array([0.2, 0.7, 0.1], dtype=np.float32))
            rewards.append(reward)
        runs.append((rewards, info))
    assert runs[0] == runs[1]


def test_horizon_is_truncation_and_broke_is_termination():
    env = HouseholdEnv("bologna_coppia")
    env.reset(seed=0)
    steps, truncated, terminated = 0, False, False
    while not (terminated or truncated):
        _, _, terminated, truncated, info = env.step(np.array([0.3, 0.6, 0.1]))
        steps += 1
    assert truncated and not terminated and steps == 120 and info["month"] == 120

    env.reset(seed=0)
    terminated = truncated = False
    while not (terminated or truncated):
        _, reward, terminated, truncated, info = env.step(np.array([0.0, 0.0, 1.0]))
    assert terminated and not truncated and reward < -20 and info["liquid"] < 0
