"""The Gymnasium vector environment over the batched simulator, scoring any policy, and the SB3 example."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hrl_trainer import load_scenario
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch, LifeEvents
from hrl_trainer.env.vector_env import HouseholdVectorEnv
from hrl_trainer.evaluation.scoring import score_policy

SAVE_ALL = np.array([0.0, 1.0, 0.0])


def test_steps_exactly_like_the_batched_simulator_on_the_same_lives(bologna):
    env = HouseholdVectorEnv(bologna, num_envs=6, siblings=3)
    obs, infos = env.reset(seed=11)
    assert obs.shape == (6, OBS_DIM) and obs.dtype == np.float32
    np.testing.assert_array_equal(infos["life"], [0, 0, 0, 1, 1, 1])
    batch = HouseholdBatch(bologna, LifeEvents.draw(bologna, 2, np.random.default_rng(11)), rows=[0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(obs, batch.observe())
    rng = np.random.default_rng(0)
    for month in range(bologna.months):
        actions = rng.dirichlet(np.ones(3), size=6)
        obs, rewards, terminated, truncated, infos = env.step(actions)
        result = batch.step(actions)
        np.testing.assert_array_equal(rewards, result.reward)
        if month < bologna.months - 1:
            np.testing.assert_array_equal(obs, batch.observe())
            assert not truncated.any()
        else:  # the horizon: every slot is truncated and starts a new household in the same step
            assert truncated.all() and not terminated.any()
            np.testing.assert_array_equal(infos["final_obs"], batch.observe())
            np.testing.assert_array_equal(infos["month"], 0)
            np.testing.assert_array_equal(infos["life"], [2, 2, 2, 3, 3, 3])


def test_siblings_live_the_same_life_and_the_same_seed_gives_the_same_lives(bologna):
    def rollout(seed):
        env = HouseholdVectorEnv(bologna, num_envs=4, siblings=2)
        env.reset(seed=seed)
        return np.array([env.step(np.tile(SAVE_ALL, (4, 1)))[1] for _ in range(24)])

    rewards = rollout(3)
    np.testing.assert_array_equal(rewards[:, 0], rewards[:, 1])  # same life, same actions: same rewards
    assert not np.array_equal(rewards[:, 0], rewards[:, 2])
    np.testing.assert_array_equal(rewards, rollout(3))
    assert not np.array_equal(rewards, rollout(4))


def test_a_broke_household_is_replaced_in_the_same_step_and_the_others_go_on():
    roma = load_scenario("roma_famiglia")
    env = HouseholdVectorEnv(roma, num_envs=8, siblings=1)
    env.reset(seed=1)
    spend_all, ended_early = np.array([0.0, 0.0, 1.0]), 0
    for _ in range(roma.months * 2):
        obs, rewards, terminated, truncated, infos = env.step(np.tile(spend_all, (8, 1)))
        assert not (terminated & truncated).any()
        if terminated.any():
            ended_early += terminated.sum()
            assert (rewards[terminated] < -20).all()  # the broke penalty
            np.testing.assert_array_equal(infos["month"][terminated], 0)
            assert infos["_final_obs"][terminated].all()
            fresh = obs[terminated]
            np.testing.assert_allclose(fresh[:, 0], roma.initial_cash / roma.safety_buffer, rtol=1e-6)
        assert len(set(infos["life"])) == 8  # every slot lives its own life
    assert ended_early >= 8


def test_any_function_of_the_observations_is_scored_against_the_baselines_paired(bologna):
    report = score_policy(bologna, lambda obs: np.tile(SAVE_ALL, (len(obs), 1)), episodes=40, tuning_episodes=20)
    assert set(report["paired"]) == {"random", "best_fixed", "buffer_first", "target_liquidity_2", "target_liquidity_4"}
    save_all = report["policies"]["policy"]["avg_reward"]
    for name, paired in report["paired"].items():
        assert paired["diff"] == pytest.approx(save_all - report["policies"][name]["avg_reward"])
    best = np.array(report["policies"]["best_fixed"]["split"])
    same = score_policy(bologna, lambda obs: np.tile(best, (len(obs), 1)), episodes=40, tuning_episodes=20)
    tie = same["paired"]["best_fixed"]  # same lives, same splits
    assert (tie["diff"], tie["stderr"], tie["verdict"], tie["households"]) == (0.0, 0.0, "level", 40)


def test_a_policy_with_the_wrong_shape_is_refused(bologna):
    with pytest.raises(ValueError, match=r"expected \(5, 3\)"):
        score_policy(bologna, lambda obs: np.ones((len(obs), 2)), episodes=5, tuning_episodes=5)


@pytest.mark.server  # the example script end to end: SB3 trains in a process of its own (seconds)
def test_the_stable_baselines3_example_trains_and_is_scored():
    out = subprocess.run(
        [
            sys.executable,
            "examples/sb3_households.py",
            "--scenario",
            "torino_single",
            "--timesteps",
            "3000",
            "--episodes",
            "30",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[3],
    ).stdout
    report = json.loads(out)
    assert {"random", "best_fixed", "target_liquidity_2", "target_liquidity_4"} <= set(report["paired"])
    assert np.isfinite(report["policy"]["avg_reward"])
    assert report["paired"]["random"]["stderr"] > 0
