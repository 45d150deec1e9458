"""Files on disk: the promised layout, reload round trips and atomic writes."""
import json
import pickle

import numpy as np
import pytest
import torch

from hrl_trainer import TrainConfig, list_trained_models, load_history
from hrl_trainer.checkpoints import (checkpoint_dir, load_agent, load_checkpoint, load_trained_models, model_paths,
                                     save_agent, write_json)
from hrl_trainer.evaluation import fixed_households, hrl_policy, score
from hrl_trainer.trainer import Trainer


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    trainer = Trainer(TrainConfig("bologna_coppia", num_episodes=40, save_interval=20, eval_episodes=3, seed=5,
                                  models_dir=str(models)))
    trainer.run()
    return trainer, models


def test_layout_matches_the_spec(trained):
    _, models = trained
    assert sorted(p.name for p in models.iterdir()) == [
        "bologna_coppia_high_agent.pt", "bologna_coppia_history.json", "bologna_coppia_low_agent.pt", "checkpoints"]
    folders = sorted(p.name for p in (models / "checkpoints" / "bologna_coppia").iterdir())
    assert folders == ["checkpoint_best", "checkpoint_episode_20", "checkpoint_episode_40", "checkpoint_final"]
    for folder in folders:
        files = sorted(p.name for p in (models / "checkpoints" / "bologna_coppia" / folder).iterdir())
        assert files == ["high_agent.pt", "low_agent.pt", "metadata.json"]
    assert not list(models.rglob("*.tmp"))
    meta = json.loads((checkpoint_dir("bologna_coppia", "episode_20", models) / "metadata.json").read_text())
    assert meta["episodes_completed"] == 20 and meta["evaluation"]["episode"] == 20 and meta["seed"] == 5


def test_reloaded_models_act_exactly_like_the_trained_ones(trained):
    trainer, models = trained
    strategist, executor = load_trained_models("bologna_coppia", models)
    assert strategist.period == trainer.config.high_period
    events = fixed_households(trainer.scenario, 20, "held_out")
    original = score(trainer.scenario, events, hrl_policy(trainer.strategist, trainer.executor))
    reloaded = score(trainer.scenario, events, hrl_policy(strategist, executor))
    np.testing.assert_array_equal(original.reward, reloaded.reward)
    final = load_checkpoint(checkpoint_dir("bologna_coppia", "final", models))
    for a, b in zip(final, (strategist, executor)):
        for key, value in a.state_dict().items():
            assert torch.equal(value, b.state_dict()[key])


def test_history_and_model_listing(trained):
    _, models = trained
    history = load_history("bologna_coppia", models)
    assert history["episodes_completed"] == 40 and history["stopped"] is False
    assert [r["episode"] for r in history["progress"]] == list(range(1, 41))
    assert [e["episode"] for e in history["evaluations"]] == [20, 40]
    assert set(history["versions"]) == {"hrl_trainer", "python", "numpy", "torch"}
    listing = list_trained_models(models)
    assert [m["scenario_name"] for m in listing] == ["bologna_coppia"]
    assert listing[0]["files"]["high_agent"] == "bologna_coppia_high_agent.pt"
    assert listing[0]["final_metrics"] == history["final_metrics"]
    with pytest.raises(ValueError):
        load_history("../bologna_coppia", models)
    with pytest.raises(FileNotFoundError):
        load_history("never_trained", models)


def test_interrupted_save_keeps_the_previous_file(trained, tmp_path, monkeypatch):
    trainer, _ = trained
    path = tmp_path / "agent.pt"
    save_agent(path, trainer.executor)
    before = path.read_bytes()

    def crash_midway(obj, handle):
        handle.write(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        save_agent(path, trainer.executor)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent.pt"]
    assert load_agent(path).hidden == trainer.executor.hidden


def test_json_with_nan_is_refused_and_the_old_file_stays(tmp_path):
    path = tmp_path / "h.json"
    write_json(path, {"ok": 1.0})
    with pytest.raises(ValueError):
        write_json(path, {"bad": float("nan")})
    assert json.loads(path.read_text()) == {"ok": 1.0}


def test_loading_refuses_pickled_code(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"kind": "executor", "hook": print}, protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        load_agent(path)


def test_model_paths_refuse_unsafe_names(tmp_path):
    with pytest.raises(ValueError):
        model_paths("../../etc", tmp_path)
