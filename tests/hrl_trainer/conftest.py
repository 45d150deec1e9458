"""Fixtures for the trainer tests: the bundled scenarios, a throwaway models folder and a household's baselines
tuned afresh."""

import pytest
import torch

from hrl_trainer import load_scenario
from hrl_trainer.baselines.tuning import Tunings, figures_key, tune

torch.set_num_threads(1)


@pytest.fixture
def bologna():
    return load_scenario("bologna_coppia")


@pytest.fixture
def models_dir(tmp_path):
    return tmp_path / "models"


@pytest.fixture(scope="session")
def torino_tuned_afresh() -> Tunings:
    """torino_single's baselines tuned by `tune` itself (never read from memory or a file), once per session: what
    is remembered, saved or reported of them must equal."""
    return tune(figures_key(load_scenario("torino_single")))
