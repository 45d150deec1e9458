"""The flat PPO baseline: the Executor alone, trained by the project's own loop, writing nothing."""

import torch

from hrl_trainer import TrainConfig
from hrl_trainer.agents.policy import FlatPolicy
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.evaluation.scoring import score
from hrl_trainer.learn.flat import train_flat
from tests.hrl_trainer.helpers import small


def test_the_flat_executor_learns_from_the_observation_alone_and_writes_nothing(tmp_path, bologna):
    config = TrainConfig("bologna_coppia", num_episodes=100, seed=5, models_dir=str(tmp_path / "models"))
    executor = train_flat(config)
    assert executor.obs_dim == OBS_DIM
    assert not (tmp_path / "models").exists()
    for a, b in zip(executor.state_dict().values(), train_flat(config).state_dict().values()):
        assert torch.equal(a, b)  # same seed, same agent

    held_out = fixed_households(bologna, 50, "held_out")
    barely = train_flat(TrainConfig("bologna_coppia", num_episodes=1, seed=5, models_dir=str(tmp_path / "models")))
    trained = score(bologna, held_out, FlatPolicy(executor, deterministic=True))
    assert trained.goal_adherence is None
    assert trained.reward.mean() > score(bologna, held_out, FlatPolicy(barely, deterministic=True)).reward.mean() + 1.0


def test_a_models_flat_ppo_is_trained_on_its_budget_once_then_read_from_its_file(tmp_path, monkeypatch):
    """flat_store: trained on the run's own budget, settings and seed, saved under models/baselines/flat_ppo/
    (never in the run folder), read back on the next call; a damaged file is trained again."""
    import pytest

    from hrl_trainer import train
    from hrl_trainer.learn import flat
    from hrl_trainer.store.runs import published_run_id
    from hrl_trainer.use.flat_store import FlatUnavailable, flat_baseline

    models = tmp_path / "models"
    train(small(models, "bologna_coppia", num_episodes=10, save_interval=5, seed=7, held_out_episodes=5))
    run_id = published_run_id("bologna_coppia", models)
    first = flat_baseline("bologna_coppia", None, models)
    assert first.trained == {"scenario_name": "bologna_coppia", "episodes": 10, "seed": 7}
    (path,) = (models / "baselines" / "flat_ppo").iterdir()
    assert path.name.startswith(f"{run_id}-") and path.suffix == ".pt"
    expected = train_flat(small(None, "bologna_coppia", num_episodes=10, save_interval=5, seed=7, held_out_episodes=5))
    for a, b in zip(first.executor.state_dict().values(), expected.state_dict().values()):
        assert torch.equal(a, b)  # the model's own budget, settings and seed
    stamp = (path.stat().st_ino, path.stat().st_mtime_ns)

    def refuse(config):
        raise AssertionError("trained again instead of reading the file")

    monkeypatch.setattr(flat, "train_flat", refuse)
    again = flat_baseline("bologna_coppia", run_id, models)  # the run's id names the same model: the same file
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp
    for a, b in zip(again.executor.state_dict().values(), expected.state_dict().values()):
        assert torch.equal(a, b)
    assert not list((models / "runs" / run_id).rglob("*flat*"))

    path.write_bytes(path.read_bytes()[:100])  # damaged: trained again and rewritten
    monkeypatch.undo()
    repaired = flat_baseline("bologna_coppia", run_id, models)
    for a, b in zip(repaired.executor.state_dict().values(), expected.state_dict().values()):
        assert torch.equal(a, b)
    assert flat_baseline("bologna_coppia", run_id, models).trained["episodes"] == 10
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left

    with pytest.raises(FlatUnavailable):
        flat_baseline("torino_single", None, models)  # no published model: no history


def test_two_simulations_asking_for_a_new_flat_ppo_together_train_it_once(tmp_path, monkeypatch):
    """Two callers that find no flat PPO file at the same time: one trains, the other waits and reads its file."""
    import threading

    from hrl_trainer import train
    from hrl_trainer.learn import flat
    from hrl_trainer.use.flat_store import flat_baseline

    models = tmp_path / "models"
    train(small(models, "bologna_coppia", num_episodes=10, save_interval=5, held_out_episodes=5))
    calls, results, start = [], [], threading.Barrier(2)
    real_train_flat = flat.train_flat

    def counted(config):
        calls.append(config.seed)
        return real_train_flat(config)

    monkeypatch.setattr(flat, "train_flat", counted)

    def caller():
        start.wait()
        results.append(flat_baseline("bologna_coppia", None, models))

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert calls == [3] and len(results) == 2
    for a, b in zip(results[0].executor.state_dict().values(), results[1].executor.state_dict().values()):
        assert torch.equal(a, b)
    assert len(list((models / "baselines" / "flat_ppo").glob("*.pt"))) == 1
