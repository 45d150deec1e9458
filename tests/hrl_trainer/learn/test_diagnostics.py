"""PPO diagnostics (issue 22): cleanrl's approximate KL and SB3's explained variance on hand-computed numbers, the
update's means over every minibatch of every epoch, one record per agent per update in the history (thinned with
max_points) and through `train`'s `on_event`, with the trainer's phases in the order a relay needs them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hrl_trainer import TrainConfig, train
from hrl_trainer.learn import ppo as ppo_module
from hrl_trainer.learn.flat import FlatTrainer
from hrl_trainer.learn.metrics import DIAGNOSTIC_NAMES, METRIC_NAMES
from hrl_trainer.learn.optim import Adam
from hrl_trainer.learn.ppo import PPOSettings, explained_variance, ppo_loss, ppo_update
from hrl_trainer.learn.trainer import Trainer
from hrl_trainer.store.runs import read_run_history, thin_history
from tests.hrl_trainer.helpers import small

SETTINGS = PPOSettings(clip_coef=0.2, ent_coef=0.01, vf_coef=0.5, update_epochs=1, num_minibatches=1, max_grad_norm=0.5)
COLUMNS = ["update", "episode", *DIAGNOSTIC_NAMES]
SPEC_RECORD = {"episode", "total_episodes", *METRIC_NAMES, "elapsed_time"}


def test_approx_kl_is_cleanrls_estimate_on_hand_computed_numbers():
    ratio = torch.tensor([1.5, 0.5, 1.0, 2.0], dtype=torch.float64)
    _, parts = ppo_loss(
        torch.log(ratio),
        torch.zeros(4, dtype=torch.float64),
        torch.ones(4, dtype=torch.float64),
        torch.ones(4, dtype=torch.float64),
        torch.zeros(4, dtype=torch.float64),
        torch.zeros(4, dtype=torch.float64),
        SETTINGS,
    )
    expected = np.mean([(r - 1) - math.log(r) for r in (1.5, 0.5, 1.0, 2.0)])  # 0.5 - log(1.5) ... each >= 0
    assert parts["approx_kl"] == pytest.approx(expected) and parts["approx_kl"] > 0
    assert parts["clip_fraction"] == pytest.approx(0.75)  # |r - 1| > 0.2 for three of four


def test_approx_kl_is_zero_when_nothing_changed():
    _, parts = ppo_loss(
        torch.zeros(3), torch.zeros(3), torch.ones(3), torch.ones(3), torch.zeros(3), torch.zeros(3), SETTINGS
    )
    assert parts["approx_kl"] == 0.0 and parts["clip_fraction"] == 0.0


def test_explained_variance_as_stable_baselines3_computes_it():
    returns = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert explained_variance(returns, returns) == pytest.approx(1.0)
    assert explained_variance(torch.full((4,), 2.5), returns) == pytest.approx(0.0)  # a constant explains nothing
    predicted = torch.tensor([1.0, 1.0, 4.0, 4.0])  # errors 0, 1, -1, 0: variance 0.5 of the returns' 1.25
    assert explained_variance(predicted, returns) == pytest.approx(1 - 0.5 / 1.25)
    assert explained_variance(-returns, returns) < 0
    assert explained_variance(predicted, torch.full((4,), 3.0)) is None  # returns that do not vary: undefined
    assert explained_variance(torch.tensor([1.0]), torch.tensor([2.0])) is None


def test_the_update_reports_the_mean_over_every_minibatch_of_every_epoch(monkeypatch):
    from hrl_trainer.agents.acting import ActorSnapshot
    from hrl_trainer.agents.networks import Executor

    seen = []
    original = ppo_module.ppo_loss

    def recording(*args, **kwargs):
        loss, parts = original(*args, **kwargs)
        seen.append(parts)
        return loss, parts

    monkeypatch.setattr(ppo_module, "ppo_loss", recording)
    torch.manual_seed(0)
    agent = Executor(obs_dim=3, hidden=8)
    obs = torch.randn(9, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        actions = torch.from_numpy(ActorSnapshot(agent).sample(obs.numpy(), np.random.default_rng(0)))
        logprob, _, value = agent.score(obs, actions)
    returns = value + torch.linspace(-1, 1, 9)
    optimizer = Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    settings = PPOSettings(0.2, 0.01, 0.5, update_epochs=3, num_minibatches=2, max_grad_norm=0.5)
    stats = ppo_update(
        agent,
        optimizer,
        obs,
        actions,
        logprob,
        torch.randn(9, generator=torch.Generator().manual_seed(2)),
        returns,
        settings,
        torch.Generator().manual_seed(0),
        old_values=value,
    )
    assert len(seen) == 6  # 3 epochs of 2 minibatches
    for name in ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction"):
        assert stats[name] == pytest.approx(np.mean([parts[name] for parts in seen])), name
    assert seen[0]["approx_kl"] == pytest.approx(0.0, abs=1e-6) and stats["approx_kl"] > 0  # later ones moved
    assert stats["learning_rate"] == 2.5e-4
    assert stats["explained_variance"] == pytest.approx(explained_variance(value, returns))
    assert stats["ratio_change"] == seen[-1]["ratio_change"] and stats["first_ratio_change"] == seen[0]["ratio_change"]


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory):
    """A 50-episode run (two updates of 25 households, a save every 25), its Strategist learning for 25 episodes;
    what `on_progress` and `on_event` heard, in order."""
    models = tmp_path_factory.mktemp("diagnostics")
    heard = []
    result = train(
        small(models, num_episodes=50, save_interval=25, held_out_episodes=10, strategist_episodes=25, seed=5),
        on_progress=lambda record: heard.append(("progress", record)),
        on_event=lambda kind, payload: heard.append((kind, payload)),
    )
    return models, result, heard


def test_the_history_keeps_each_agents_diagnostics_as_columns(recorded_run):
    models, result, _ = recorded_run
    history = read_run_history(result.publication["run_id"], models)
    diagnostics = history["diagnostics"]
    assert set(diagnostics) == {"strategist", "executor"}
    executor = diagnostics["executor"]
    assert list(executor) == COLUMNS and all(len(values) == 2 for values in executor.values())
    assert executor["update"] == [1, 2] and executor["episode"] == [25, 50]
    # the Strategist is done learning after 25 episodes: its learning rate is 0 by the second update, which skips it
    assert diagnostics["strategist"]["update"] == [1] and diagnostics["strategist"]["episode"] == [25]
    assert executor["learning_rate"] == [pytest.approx(1e-3), pytest.approx(1e-3 * 0.5)]  # annealed over the run
    for agent in diagnostics.values():
        assert all(value > 0 for value in agent["entropy"] + agent["value_loss"] + agent["learning_rate"])
        assert all(0 <= value <= 1 for value in agent["clip_fraction"])
        assert all(value >= -1e-6 for value in agent["approx_kl"])  # cleanrl's estimate is never negative
        assert all(value is None or value <= 1 for value in agent["explained_variance"])


def test_max_points_thins_the_diagnostics_rows_with_the_progress():
    columns = {name: list(range(10)) for name in COLUMNS}
    history = {"progress": [{"episode": e} for e in range(1, 11)], "diagnostics": {"executor": columns}}
    thinned = thin_history(history, 4)
    assert [p["episode"] for p in thinned["progress"]] == [1, 4, 7, 10]
    assert thinned["diagnostics"]["executor"] == {name: [0, 3, 6, 9] for name in COLUMNS}
    assert thin_history(history, None) == history
    assert "diagnostics" not in thin_history({"progress": []}, 4)  # a history from before diagnostics


def test_on_event_hears_each_update_and_every_phase_in_order(recorded_run):
    _, _, heard = recorded_run
    kinds = [(kind, payload["episode"] if kind == "progress" else None) for kind, payload in heard]
    progress = [payload for kind, payload in heard if kind == "progress"]
    assert [record["episode"] for record in progress] == list(range(1, 51))
    assert all(set(record) == SPEC_RECORD for record in progress)  # on_progress's records are as before
    diagnostics = [payload for kind, payload in heard if kind == "diagnostics"]
    assert [(d["agent"], d["update"], d["episode"]) for d in diagnostics] == [
        ("strategist", 1, 25),
        ("executor", 1, 25),
        ("executor", 2, 50),
    ]
    assert all(set(d) == {"agent", "update", "episode", *DIAGNOSTIC_NAMES} for d in diagnostics)
    phases = [(payload["phase"], payload["phase_detail"]) for kind, payload in heard if kind == "phase"]
    checkpoint = {"households": 2, "purpose": "checkpoint"}
    assert phases == [
        ("evaluating", checkpoint),
        ("training", None),
        ("evaluating", checkpoint),
        ("evaluating", {"households": 10, "purpose": "held_out"}),
        ("saving", None),
    ]
    # an update's diagnostics come before its households; the evaluation after a rollout is announced before the
    # rollout's last record, so that a relay can say the trainer evaluates after it
    first_phase = kinds.index(("phase", None))
    assert kinds[first_phase - 1] == ("progress", 24) and kinds[first_phase + 1] == ("progress", 25)
    assert kinds.index(("diagnostics", None)) < kinds.index(("progress", 1))


def test_without_on_event_every_record_comes_at_once(tmp_path):
    heard = []

    def on_progress(record):
        heard.append((record["episode"], trainer.episodes_done))

    trainer = Trainer(
        TrainConfig(
            "torino_single", num_episodes=10, save_interval=5, eval_episodes=2, seed=1, models_dir=str(tmp_path)
        ),
        on_progress,
    )
    trainer.run()
    assert heard == [(episode, episode) for episode in range(1, 11)]  # each household's record as it is reported


def test_the_flat_ppo_reports_its_one_agent_as_the_executor():
    trainer = FlatTrainer(TrainConfig("torino_single", num_episodes=10, save_interval=10, seed=2))
    trainer.run()
    (record,) = trainer.diagnostics_records()
    assert record["agent"] == "executor" and record["update"] == 1 and record["episode"] == 10
    assert all(isinstance(record[name], float) for name in DIAGNOSTIC_NAMES if name != "explained_variance")
