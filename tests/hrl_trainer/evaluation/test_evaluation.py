"""Scoring policies on fixed households: the streams, the baselines, the grid search and the paired report."""

import json

import numpy as np
import pytest
import torch

from hrl_trainer.agents.networks import Executor, Strategist
from hrl_trainer.baselines.cache import cache_path
from hrl_trainer.baselines.fixed import SAVE_ONLY, BufferFirst, FixedSplit, RandomSplit, split_grid, tune_split
from hrl_trainer.baselines.tuning import figures_key, tunings
from hrl_trainer.common.config import TUNING_HOUSEHOLDS
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.rollout import run_episodes
from hrl_trainer.env.scenarios import scenario_from_dict
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch
from hrl_trainer.evaluation.paired import comparison, paired_difference
from hrl_trainer.evaluation.scoring import compare_with_baselines, hrl_policy, score

SMALL = scenario_from_dict(
    {
        "name": "small",
        "monthly_income": 2000.0,
        "fixed_expenses": 1200.0,
        "variable_expenses_mean": 400.0,
        "variable_expenses_std": 100.0,
        "safety_buffer": 2000.0,
        "months": 24,
        "initial_cash": 2000.0,
        "risk_tolerance": 0.5,
    }
)


def test_each_purpose_has_its_own_fixed_households():
    streams = {purpose: fixed_households(SMALL, 5, purpose) for purpose in ("checkpoint", "tuning", "held_out")}
    again = fixed_households(SMALL, 5, "held_out")
    np.testing.assert_array_equal(streams["held_out"].market_return, again.market_return)
    assert streams["held_out"].households == 5 and streams["held_out"].market_return.shape == (5, 24)
    firsts = {purpose: events.market_return[0, 0] for purpose, events in streams.items()}
    assert len(set(firsts.values())) == 3
    with pytest.raises(KeyError):
        fixed_households(SMALL, 5, "training")


def test_the_split_grid_covers_the_simplex_in_even_steps():
    grid = split_grid()
    assert grid.shape == (231, 3) and len({tuple(row) for row in grid}) == 231
    np.testing.assert_allclose(grid.sum(axis=1), 1.0)
    assert grid.min() == 0.0 and grid.max() == 1.0
    np.testing.assert_allclose(
        split_grid(0.5), [[0, 0, 1], [0, 0.5, 0.5], [0, 1, 0], [0.5, 0, 0.5], [0.5, 0.5, 0], [1, 0, 0]]
    )


def test_a_fixed_split_gives_every_household_the_same_split():
    batch = HouseholdBatch(SMALL, fixed_households(SMALL, 4, "tuning"))
    policy = FixedSplit([0.2, 0.3, 0.5])
    policy.reset(batch)
    np.testing.assert_array_equal(policy.act(batch), np.tile([0.2, 0.3, 0.5], (4, 1)))


def test_buffer_first_saves_everything_strictly_below_the_buffer():
    batch = HouseholdBatch(SMALL, fixed_households(SMALL, 3, "tuning"))
    batch.savings = np.array([0.0, -1.0, -0.01])  # liquid 2000, 1999, 1999.99 against a buffer of 2000
    policy = BufferFirst([0.6, 0.1, 0.3])
    policy.reset(batch)
    np.testing.assert_array_equal(policy.act(batch), [[0.6, 0.1, 0.3], SAVE_ONLY, SAVE_ONLY])
    np.testing.assert_array_equal(SAVE_ONLY, [0.0, 1.0, 0.0])


def test_random_splits_are_points_of_the_simplex_that_change_every_month():
    batch = HouseholdBatch(SMALL, fixed_households(SMALL, 50, "tuning"))
    policy = RandomSplit(np.random.default_rng(0))
    policy.reset(batch)
    first, second = policy.act(batch), policy.act(batch)
    assert first.shape == (50, 3) and np.all(first >= 0)
    np.testing.assert_allclose(first.sum(axis=1), 1.0)
    assert not np.array_equal(first, second)
    assert first.std(axis=0).min() > 0.1  # uniform on the simplex: each share varies widely


def test_the_hrl_policy_acts_deterministically():
    torch.manual_seed(0)
    policy = hrl_policy(Strategist(OBS_DIM), Executor(OBS_DIM + 4))
    assert policy.deterministic
    events = fixed_households(SMALL, 6, "held_out")
    np.testing.assert_array_equal(score(SMALL, events, policy).reward, score(SMALL, events, policy).reward)


def test_score_lives_every_household_of_the_events():
    events = fixed_households(SMALL, 7, "held_out")
    result = score(SMALL, events, FixedSplit([0.3, 0.6, 0.1]))
    expected = run_episodes(HouseholdBatch(SMALL, events), FixedSplit([0.3, 0.6, 0.1]))
    assert result.reward.shape == (7,)
    np.testing.assert_array_equal(result.reward, expected.reward)


@pytest.mark.parametrize("policy_class", [FixedSplit, BufferFirst])
def test_tune_split_picks_the_grid_split_with_the_best_mean_reward(policy_class):
    events = fixed_households(SMALL, 4, "tuning")
    means = [score(SMALL, events, policy_class(split)).reward.mean() for split in split_grid()]
    np.testing.assert_array_equal(tune_split(SMALL, events, policy_class), split_grid()[int(np.argmax(means))])


def test_paired_difference_and_standard_error_on_hand_computed_numbers():
    assert paired_difference(np.array([3.0, 5.0, 10.0]), np.array([2.0, 3.0, 7.0])) == pytest.approx(
        {"diff": 2.0, "stderr": 1.0 / np.sqrt(3)}
    )  # differences 1, 2, 3: sample sd 1
    assert paired_difference(np.array([4.0]), np.array([1.5])) == {"diff": 2.5, "stderr": 0.0}
    assert paired_difference(np.array([1.0, 3.0]), np.array([0.0, 0.0])) == pytest.approx({"diff": 2.0, "stderr": 1.0})


def test_evaluate_defaults_to_1000_held_out_and_200_tuning_households():
    torch.manual_seed(2)
    agents = Strategist(OBS_DIM), Executor(OBS_DIM + 4)
    report = compare_with_baselines(SMALL, *agents)
    assert report["episodes"] == 1000
    assert report == compare_with_baselines(SMALL, *agents, episodes=1000, tuning_episodes=200)


def test_evaluate_keeps_its_tunings_in_the_models_folder_as_simulations_do(tmp_path):
    """With a models folder the tunings are saved there (the file a simulation writes) and read back, also by a
    new process (memory cleared); another number of tuning households is tuned, never read from the file."""
    torch.manual_seed(2)
    agents = Strategist(OBS_DIM), Executor(OBS_DIM + 4)
    plain = compare_with_baselines(SMALL, *agents, episodes=12)
    assert compare_with_baselines(SMALL, *agents, episodes=12, models_dir=tmp_path) == plain
    (saved,) = (tmp_path / "baselines").glob("*.json")
    assert saved == cache_path(figures_key(SMALL), TUNING_HOUSEHOLDS, tmp_path)
    record = json.loads(saved.read_text())
    assert record["splits"]["best_fixed"] == plain["policies"]["best_fixed"]["split"]
    assert record["rules"]["target_liquidity_4"] == plain["policies"]["target_liquidity_4"]["tuned"]
    record["splits"]["best_fixed"] = [0.11, 0.22, 0.67]  # no grid split: only the file can say it
    saved.write_text(json.dumps(record))
    tunings.cache_clear()
    assert compare_with_baselines(SMALL, *agents, episodes=12, models_dir=tmp_path)["policies"]["best_fixed"][
        "split"
    ] == [0.11, 0.22, 0.67]
    assert compare_with_baselines(SMALL, *agents, episodes=12, tuning_episodes=3, models_dir=tmp_path)["policies"][
        "best_fixed"
    ]["split"] != [0.11, 0.22, 0.67]
    tunings.cache_clear()


def test_compare_with_baselines_scores_everyone_on_the_same_held_out_households():
    torch.manual_seed(1)
    strategist, executor = Strategist(OBS_DIM), Executor(OBS_DIM + 4)
    report = compare_with_baselines(SMALL, strategist, executor, episodes=12, tuning_episodes=3)
    assert report["scenario_name"] == "small" and report["episodes"] == 12
    held_out, tuning = fixed_households(SMALL, 12, "held_out"), fixed_households(SMALL, 3, "tuning")
    best = tune_split(SMALL, tuning, FixedSplit)
    buffer_split = tune_split(SMALL, tuning, BufferFirst)
    expected = {
        "hrl": score(SMALL, held_out, hrl_policy(strategist, executor)),
        "best_fixed": score(SMALL, held_out, FixedSplit(best)),
        "buffer_first": score(SMALL, held_out, BufferFirst(buffer_split)),
    }
    for name, result in expected.items():
        assert {k: v for k, v in report["policies"][name].items() if k != "split"} == result.metrics()
    assert report["policies"]["best_fixed"]["split"] == [round(float(x), 2) for x in best]
    assert report["policies"]["buffer_first"]["split"] == [round(float(x), 2) for x in buffer_split]
    assert "split" not in report["policies"]["hrl"] and "split" not in report["policies"]["random"]
    # the one paired difference, with what it measures and its verdict (issue 22)
    assert report["paired"]["best_fixed"] == comparison(expected["hrl"].reward, expected["best_fixed"].reward, "reward")
    assert report["paired"]["buffer_first"] == comparison(
        expected["hrl"].reward, expected["buffer_first"].reward, "reward"
    )
    random_again = compare_with_baselines(SMALL, strategist, executor, episodes=12, tuning_episodes=3)
    assert random_again["policies"]["random"] == report["policies"]["random"]  # its own fixed random stream
    random_reward = report["policies"]["random"]["avg_reward"]
    assert report["paired"]["random"]["diff"] == pytest.approx(report["policies"]["hrl"]["avg_reward"] - random_reward)
