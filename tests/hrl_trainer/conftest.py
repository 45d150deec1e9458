"""Fixtures for the trainer tests: the bundled scenarios and a throwaway models folder."""

import pytest
import torch

from hrl_trainer import load_scenario

torch.set_num_threads(1)


@pytest.fixture
def bologna():
    return load_scenario("bologna_coppia")


@pytest.fixture
def models_dir(tmp_path):
    return tmp_path / "models"
