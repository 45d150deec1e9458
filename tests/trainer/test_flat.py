"""The flat PPO baseline: the Executor alone, trained by the project's own loop, writing nothing."""
import torch

from hrl_trainer import TrainConfig
from hrl_trainer.evaluation import fixed_households, score
from hrl_trainer.flat import train_flat
from hrl_trainer.rollout import FlatPolicy
from hrl_trainer.simulation import OBS_DIM


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
