"""Tuned baseline splits survive a restart: kept on disk under the models folder, keyed by the household's
figures, written atomically, tuned again when the file is missing, damaged or another household's."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from hrl_trainer import load_scenario
from hrl_trainer import simulations
from hrl_trainer.baseline_cache import FOLDER, cache_path
from hrl_trainer.simulations import TUNING_HOUSEHOLDS, figures_key, tune_splits, tuned_splits

SAVED = {"best_fixed": np.array([0.1, 0.7, 0.2]), "buffer_first": np.array([0.3, 0.3, 0.4])}


@pytest.fixture
def torino():
    return figures_key(load_scenario("torino_single"))


@pytest.fixture
def no_tuning(monkeypatch):
    """A fresh process's memory (empty), and tuning that fails the test if it runs."""
    tuned_splits.cache_clear()

    def refuse(_figures):
        raise AssertionError("tuned again instead of reading the disk cache")

    monkeypatch.setattr(simulations, "tune_splits", refuse)
    yield
    tuned_splits.cache_clear()


def test_tuned_splits_are_saved_and_read_back_after_a_restart(tmp_path, torino, monkeypatch):
    tuned_splits.cache_clear()
    calls = []
    monkeypatch.setattr(simulations, "tune_splits", lambda figures: calls.append(figures) or SAVED)
    first = tuned_splits(torino, str(tmp_path))
    assert len(calls) == 1 and all(np.array_equal(first[k], SAVED[k]) for k in SAVED)
    (path,) = (tmp_path / FOLDER).iterdir()
    assert path == cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    saved = json.loads(path.read_text())
    assert saved["splits"] == {k: v.tolist() for k, v in SAVED.items()}
    assert saved["figures"]["monthly_income"] == torino.monthly_income and saved["tuning_households"] == TUNING_HOUSEHOLDS
    assert not [p for p in (tmp_path / FOLDER).iterdir() if p.name.startswith(".")]  # no temp file left

    tuned_splits.cache_clear()  # the restart: memory gone, the file stays
    monkeypatch.setattr(simulations, "tune_splits", lambda figures: pytest.fail("tuned again"))
    again = tuned_splits(torino, str(tmp_path))
    assert all(np.array_equal(again[k], SAVED[k]) for k in SAVED)
    tuned_splits.cache_clear()


def test_the_key_is_the_figures_not_the_name(tmp_path, torino):
    renamed = figures_key(dataclasses.replace(load_scenario("torino_single"), name="my_copy", description="mine"))
    assert cache_path(renamed, TUNING_HOUSEHOLDS, tmp_path) == cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    richer = dataclasses.replace(torino, monthly_income=torino.monthly_income + 1)
    assert cache_path(richer, TUNING_HOUSEHOLDS, tmp_path) != cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    assert cache_path(torino, TUNING_HOUSEHOLDS + 1, tmp_path) != cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)


@pytest.mark.parametrize("content", ["{not json", json.dumps({"splits": {}}), "[]", ""])
def test_a_damaged_file_is_tuned_again_and_rewritten(tmp_path, torino, monkeypatch, content):
    path = cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    tuned_splits.cache_clear()
    monkeypatch.setattr(simulations, "tune_splits", lambda figures: SAVED)
    assert np.array_equal(tuned_splits(torino, str(tmp_path))["best_fixed"], SAVED["best_fixed"])
    assert json.loads(path.read_text())["splits"]["buffer_first"] == SAVED["buffer_first"].tolist()
    tuned_splits.cache_clear()


def test_another_households_file_under_the_same_name_is_not_used(tmp_path, torino, monkeypatch):
    richer = dataclasses.replace(torino, monthly_income=torino.monthly_income * 2)
    tuned_splits.cache_clear()
    monkeypatch.setattr(simulations, "tune_splits", lambda figures: SAVED)
    tuned_splits(richer, str(tmp_path))
    path = cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    cache_path(richer, TUNING_HOUSEHOLDS, tmp_path).rename(path)  # a file that does not match its name
    other = {k: v[::-1].copy() for k, v in SAVED.items()}
    monkeypatch.setattr(simulations, "tune_splits", lambda figures: other)
    assert np.array_equal(tuned_splits(torino, str(tmp_path))["best_fixed"], other["best_fixed"])
    tuned_splits.cache_clear()


def test_a_simulation_in_a_new_process_reads_the_real_tuning_from_disk(tmp_path, torino, no_tuning):
    """The real tuning, done by one process, is what a later process (a restarted server) reuses."""
    script = ("import sys; from hrl_trainer import load_scenario; from hrl_trainer.simulations import figures_key, "
              "tuned_splits; tuned_splits(figures_key(load_scenario('torino_single')), sys.argv[1])")
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=600)
    from_disk = tuned_splits(torino, str(tmp_path))  # tuning refused: must come from the file
    real = tune_splits(torino)  # the function itself, imported before the fixture replaced it
    assert set(from_disk) == set(real) == {"best_fixed", "buffer_first"}
    assert all(np.allclose(from_disk[name], real[name]) for name in real)
