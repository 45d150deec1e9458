"""Resuming a run continues its learning curve: networks, observation normalisers and optimiser state
come back, episode numbers continue the parent's count, and the new run records its parent."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hrl_trainer import TrainConfig
from hrl_trainer.learn.trainer import Trainer
from hrl_trainer.store import runs
from tests.hrl_trainer.helpers import SCENARIO, train

PARENT_EPISODES, FIRST = 200, 25


def rewards(trainer: Trainer, window: slice) -> float:
    return float(np.mean([record["avg_reward"] for record in trainer.progress[window]]))


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    # Without the rule prior, an untrained Executor splits evenly, so where the agents start shows plainly in
    # their first episodes (with it, a fresh start is already near the rule and the gap is within noise).
    parent = train(models, episodes=PARENT_EPISODES, save_interval=100, seed=1, executor_design="softmax")
    # the same seed for both: the same households' lives, so only where the agents start differs
    resumed = train(
        models, episodes=FIRST, save_interval=FIRST, seed=2, resume_from=parent.run_id, executor_design="softmax"
    )
    fresh = train(models, episodes=FIRST, save_interval=FIRST, seed=2, executor_design="softmax")
    return models, parent, resumed, fresh


def test_the_resumed_run_scores_like_the_parents_last_episodes_not_like_a_fresh_start(family):
    _, parent, resumed, fresh = family
    parent_last, resumed_first, fresh_first = (
        rewards(parent, slice(-FIRST, None)),
        rewards(resumed, slice(None)),
        rewards(fresh, slice(None)),
    )
    assert resumed_first > fresh_first + 5, (parent_last, resumed_first, fresh_first)
    assert abs(resumed_first - parent_last) < abs(fresh_first - parent_last), (parent_last, resumed_first, fresh_first)


def test_episodes_continue_the_parents_count_and_the_parent_is_recorded(family):
    models, parent, resumed, _ = family
    assert [r["episode"] for r in resumed.progress] == list(range(PARENT_EPISODES + 1, PARENT_EPISODES + FIRST + 1))
    assert {r["total_episodes"] for r in resumed.progress} == {PARENT_EPISODES + FIRST}
    summary = runs.read_run(resumed.run_id, models)
    assert summary["parent"] == parent.run_id and summary["episode_offset"] == PARENT_EPISODES
    assert summary["episodes_completed"] == PARENT_EPISODES + FIRST
    assert runs.read_run_history(resumed.run_id, models)["parent"] == parent.run_id
    folders = sorted(p.name for p in (models / "runs" / resumed.run_id / "checkpoints").iterdir())
    assert f"checkpoint_episode_{PARENT_EPISODES + FIRST}" in folders


def test_resuming_restores_networks_normalisers_and_optimiser_state(family):
    models, parent, _, _ = family
    child = Trainer(TrainConfig(SCENARIO, num_episodes=1, models_dir=str(models), resume_from=parent.run_id))
    child.resume(parent.run_id)
    for mine, theirs in ((child.strategist, parent.strategist), (child.executor, parent.executor)):
        for key, value in theirs.state_dict().items():  # includes norm.mean / var / count
            assert torch.equal(mine.state_dict()[key], value), key
        assert mine.norm.count.item() > 1000
        ours, original = child.optimizers[mine], parent.optimizers[theirs]
        assert ours.steps == original.steps > 0
        assert all(torch.equal(a, b) for a, b in zip(ours.exp_avg_sq, original.exp_avg_sq))


def test_resuming_needs_a_finished_run_of_the_same_scenario(family):
    models, parent, _, _ = family
    with pytest.raises(ValueError, match="torino_single"):
        runs.resume_point(parent.run_id, "milano_junior", models)
    with pytest.raises(runs.RunNotFound):
        runs.resume_point(f"{SCENARIO}-20000101-000000-0000", SCENARIO, models)
    assert runs.resume_point(parent.run_id, SCENARIO, models) == PARENT_EPISODES
