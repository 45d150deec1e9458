"""The training loop: progress records, determinism, stopping, NaN guard, learning."""

import json
import math

import numpy as np
import pytest
import torch

from hrl_trainer import TrainConfig, TrainingError, load_history, train
from hrl_trainer.env.simulation import HouseholdBatch
from hrl_trainer.evaluation.euros import heldout_summary
from hrl_trainer.evaluation.scoring import compare_with_baselines
from hrl_trainer.learn.trainer import Trainer
from hrl_trainer.store.checkpoints import model_paths
from tests.hrl_trainer.helpers import METRICS, small

SPEC_FIELDS = {
    "episode": int,
    "total_episodes": int,
    "avg_reward": float,
    "avg_duration": float,
    "avg_cash": float,
    "avg_invested": float,
    "stability": float,
    "goal_adherence": float,
    "elapsed_time": float,
}


def run(models_dir, episodes=12, seed=3, **kwargs):
    records = []
    result = train(
        TrainConfig(
            "torino_single",
            num_episodes=episodes,
            save_interval=kwargs.pop("save_interval", 6),
            eval_episodes=2,
            seed=seed,
            models_dir=str(models_dir),
            **kwargs,
        ),
        on_progress=records.append,
    )
    return result, records


def test_one_progress_record_per_episode_with_the_spec_fields(models_dir):
    result, records = run(models_dir, num_envs=5)
    assert [r["episode"] for r in records] == list(range(1, 13))
    for record in records:
        assert {k: type(v) for k, v in record.items()} == SPEC_FIELDS
        assert record["total_episodes"] == 12
        assert all(math.isfinite(v) for v in record.values())
        assert 0 <= record["stability"] <= 1 and 0 <= record["goal_adherence"] <= 1
        assert 1 <= record["avg_duration"] <= 120
    assert [r["elapsed_time"] for r in records] == sorted(r["elapsed_time"] for r in records)
    assert result.episodes_completed == 12 and not result.stopped
    assert result.final_metrics == {k: records[-1][k] for k in result.final_metrics}


def test_same_seed_same_run(tmp_path):
    (_, a), (_, b) = run(tmp_path / "a", seed=9), run(tmp_path / "b", seed=9)

    def strip(records):
        return [{k: v for k, v in r.items() if k != "elapsed_time"} for r in records]

    assert strip(a) == strip(b)
    ta = torch.load(tmp_path / "a" / "torino_single_low_agent.pt", weights_only=True)["state_dict"]
    tb = torch.load(tmp_path / "b" / "torino_single_low_agent.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(ta[k], tb[k]) for k in ta)
    (_, c) = run(tmp_path / "c", seed=10)
    assert strip(a) != strip(c)


def test_a_stop_mid_batch_counts_exactly_the_episodes_the_saved_agents_learned_from(tmp_path):
    records = []
    stopped = train(
        TrainConfig("torino_single", num_episodes=500, save_interval=100, seed=1, models_dir=str(tmp_path / "stopped")),
        on_progress=records.append,
        should_stop=lambda: len(records) >= 7,
    )
    # batches of 25 (save_interval 100 / num_envs 25): the first batch is finished and reported
    assert stopped.stopped and stopped.episodes_completed == 25
    assert [r["episode"] for r in records] == list(range(1, 26))
    history = load_history("torino_single", tmp_path / "stopped")
    assert history["stopped"] is True and history["episodes_completed"] == 25 and len(history["progress"]) == 25
    final = tmp_path / "stopped" / "checkpoints" / "torino_single" / "checkpoint_final"
    assert json.loads((final / "metadata.json").read_text())["episodes_completed"] == 25
    assert all(p.is_file() for p in model_paths("torino_single", tmp_path / "stopped").values())
    # the same seed trained on exactly 25 episodes, unstopped, gives the very same agents
    train(TrainConfig("torino_single", num_episodes=25, save_interval=100, seed=1, models_dir=str(tmp_path / "full")))
    for agent in ("high_agent", "low_agent"):
        a, b = (
            torch.load(model_paths("torino_single", tmp_path / run)[agent], weights_only=True)["state_dict"]
            for run in ("stopped", "full")
        )
        assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_stop_in_a_later_batch_ends_at_that_batch(models_dir):
    records = []
    result = train(
        TrainConfig("torino_single", num_episodes=500, save_interval=100, seed=1, models_dir=str(models_dir)),
        on_progress=records.append,
        should_stop=lambda: len(records) >= 51,
    )
    assert result.episodes_completed == len(records) == 75 and result.stopped


def test_stop_before_the_first_episode_keeps_the_previous_model(models_dir):
    run(models_dir)
    before = {k: p.read_bytes() for k, p in model_paths("torino_single", models_dir).items()}
    result = train(TrainConfig("torino_single", num_episodes=50, models_dir=str(models_dir)), should_stop=lambda: True)
    assert result.episodes_completed == 0 and result.stopped and result.final_metrics == {}
    assert {k: p.read_bytes() for k, p in model_paths("torino_single", models_dir).items()} == before


def test_history_is_strict_json(models_dir):
    run(models_dir)
    text = (models_dir / "torino_single_history.json").read_text()

    def refuse(constant):
        raise AssertionError(f"{constant} in history")

    history = json.loads(text, parse_constant=refuse)
    assert history["seed"] == 3 and history["config"]["num_episodes"] == 12
    assert len(history["progress"]) == 12


def test_nan_fails_the_run_clearly_and_writes_nothing(models_dir, monkeypatch):
    monkeypatch.setattr(HouseholdBatch, "_reward", lambda self, *args: np.full(self.size, np.nan))
    with pytest.raises(TrainingError, match="nan"):
        run(models_dir)
    assert not models_dir.exists() or not list(models_dir.rglob("*.pt"))


def test_invalid_config_is_refused():
    with pytest.raises(ValueError, match="num_episodes"):
        TrainConfig("torino_single", num_episodes=0)
    with pytest.raises(ValueError, match="save_interval"):
        TrainConfig("torino_single", save_interval=True)


def test_a_short_run_learns(models_dir):
    trainer = Trainer(
        TrainConfig(
            "bologna_coppia", num_episodes=320, save_interval=160, eval_episodes=20, seed=0, models_dir=str(models_dir)
        )
    )
    untrained = trainer.evaluate(trainer.strategist, trainer.executor, "untrained")["avg_reward"]
    trainer.run()
    report = compare_with_baselines(
        trainer.scenario, trainer.strategist, trainer.executor, episodes=300, tuning_episodes=60
    )
    vs_random = report["paired"]["random"]
    assert vs_random["diff"] > 3 * vs_random["stderr"] and vs_random["diff"] > 5
    # the untrained agents already follow a (poorly chosen) rule: learning must improve on it
    assert trainer.evaluations[-1]["avg_reward"] > untrained + 0.1


def test_the_first_minibatch_ratio_is_exactly_one_against_the_behaviour_policy(models_dir):
    """The old log-probabilities are those recorded while collecting, the agents learn from the normalised
    inputs they acted on, and nothing changes them between collecting and learning (the normalisers take
    in each observation while collecting, as cleanrl's do), so the first ratio of every update is exactly 1."""
    trainer = Trainer(TrainConfig("torino_single", num_episodes=75, seed=2, models_dir=str(models_dir)))
    agents = {"Strategist": trainer.strategist, "Executor": trainer.executor}
    for _ in range(3):
        means = {name: agent.norm.mean.clone() for name, agent in agents.items()}
        trajectory, _ = trainer.collect(25)
        collected = {name: agent.norm.mean.clone() for name, agent in agents.items()}
        trainer.learn(trajectory)
        for name, agent in agents.items():
            assert trainer.update_stats[name]["first_ratio_change"] == 0.0
            assert trainer.update_stats[name]["ratio_change"] > 0  # later minibatches do move
            assert not torch.equal(collected[name], means[name]) and torch.equal(agent.norm.mean, collected[name])


def test_the_run_ends_with_a_held_out_evaluation_of_the_final_agents(models_dir):
    trainer = Trainer(small(models_dir, held_out_episodes=30))
    result = trainer.run()
    report = compare_with_baselines(
        trainer.scenario, trainer.strategist, trainer.executor, episodes=30, tuning_episodes=5
    )
    in_euros = heldout_summary(trainer.scenario, trainer.strategist, trainer.executor, 30)
    assert result.held_out == {"households": 30, **report["policies"]["hrl"], **in_euros}  # what `evaluate` reports
    history = load_history("torino_single", models_dir)
    assert history["held_out"] == result.held_out == result.to_dict()["held_out"]
    assert set(result.held_out) == {
        "households",
        *METRICS,
        "median_real_net_worth",
        "p5_real_net_worth",
        "share_broke",
    }


def test_the_held_out_evaluation_compares_with_the_target_liquidity_rules_saved_for_the_household(models_dir):
    """With the household's tunings on disk (left by a simulation), the run's held-out result holds each rule's
    numbers and the model minus the rule on the same held-out households, paired, as a re-computation says."""
    import statistics

    from hrl_trainer.baselines.cache import cached_tunings
    from hrl_trainer.baselines.rules import rule_from
    from hrl_trainer.baselines.tuning import figures_key
    from hrl_trainer.common.config import TUNING_HOUSEHOLDS
    from hrl_trainer.env.lives import fixed_households
    from hrl_trainer.evaluation.scoring import hrl_policy, score

    rules = {
        "target_liquidity_2": {"k": 1.5, "spend": 0.2},
        "target_liquidity_4": {"k": 3.0, "spend_below": 0.05, "spend_above": 0.4, "close": 0.25},
    }
    saved = {"best_fixed": np.array([0.2, 0.5, 0.3]), "buffer_first": np.array([0.4, 0.3, 0.3]), **rules}
    trainer = Trainer(small(models_dir, held_out_episodes=30))
    cached_tunings(figures_key(trainer.scenario), TUNING_HOUSEHOLDS, models_dir, lambda figures: saved)
    result = trainer.run()
    events = fixed_households(trainer.scenario, 30, "held_out")
    model = score(trainer.scenario, events, hrl_policy(trainer.strategist, trainer.executor)).reward
    assert set(result.held_out["rules"]) == set(rules)
    for name, numbers in rules.items():
        shown = result.held_out["rules"][name]
        assert shown["tuned"] == numbers
        diffs = [float(m - r) for m, r in zip(model, score(trainer.scenario, events, rule_from(numbers)).reward)]
        assert shown["paired"]["reward"]["diff"] == pytest.approx(statistics.fmean(diffs), rel=1e-9)
        assert shown["paired"]["reward"]["stderr"] == pytest.approx(statistics.stdev(diffs) / math.sqrt(30), rel=1e-9)
    assert load_history("torino_single", models_dir)["held_out"] == json.loads(json.dumps(result.held_out))


def test_run_settings_outside_their_bounds_are_refused():
    for name, value in [
        ("num_episodes", 100_001),
        ("eval_episodes", 1001),
        ("seed", -1),
        ("seed", 2**32),
        ("save_interval", 0),
    ]:
        with pytest.raises(ValueError, match=name):
            TrainConfig("torino_single", **{name: value})
    assert TrainConfig("torino_single", num_episodes=100_000, seed=2**32 - 1, eval_episodes=1000).seed == 2**32 - 1


def test_the_strategist_learns_over_its_first_episodes_then_its_goals_stay_while_the_executor_learns(models_dir):
    """With `strategist_episodes` 50 of 100: the Strategist's learning rate falls linearly to 0 at episode 50
    (the Executor's at 100), after which the Strategist is not updated at all; the Executor keeps learning."""
    trainer = Trainer(
        TrainConfig("torino_single", num_episodes=100, strategist_episodes=50, seed=4, models_dir=str(models_dir))
    )
    lr = {agent: [] for agent in (trainer.strategist, trainer.executor)}
    weights = {}
    done = 0
    while done < 100:
        trainer.anneal(done)
        for agent in lr:
            lr[agent].append(trainer.optimizers[agent].lr)
        if done == 50:
            weights = {agent: [p.detach().clone() for p in agent.parameters()] for agent in lr}
        trainer.learn(trainer.collect(25)[0])
        done += 25
    assert lr[trainer.strategist] == pytest.approx([1e-3, 0.5e-3, 0.0, 0.0])
    assert lr[trainer.executor] == pytest.approx([1e-3, 0.75e-3, 0.5e-3, 0.25e-3])
    assert all(torch.equal(a, b) for a, b in zip(weights[trainer.strategist], trainer.strategist.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(weights[trainer.executor], trainer.executor.parameters()))


def test_a_run_no_longer_than_strategist_episodes_anneals_both_agents_over_the_run(models_dir):
    trainer = Trainer(TrainConfig("torino_single", num_episodes=40, seed=4, models_dir=str(models_dir)))
    trainer.anneal(10)
    assert (
        trainer.optimizers[trainer.strategist].lr == trainer.optimizers[trainer.executor].lr == pytest.approx(0.75e-3)
    )
    with pytest.raises(ValueError, match="strategist_episodes must be a positive integer"):
        TrainConfig("torino_single", strategist_episodes=0)
