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
from hrl_trainer.baselines import tuning as baseline_tuning
from hrl_trainer.baselines.cache import cache_path
from hrl_trainer.baselines.tuning import figures_key, tunings
from hrl_trainer.common.config import TUNING_HOUSEHOLDS
from hrl_trainer.common.paths import BASELINES_FOLDER

SPLITS = {"best_fixed": np.array([0.1, 0.7, 0.2]), "buffer_first": np.array([0.3, 0.3, 0.4])}
RULES = {
    "target_liquidity_2": {"k": 2.5, "spend": 0.15},
    "target_liquidity_4": {"k": 3.0, "spend_below": 0.1, "spend_above": 0.4, "close": 0.5},
}
SAVED = {**SPLITS, **RULES}


def same(tunings, expected=SAVED):
    """Every split equal and every rule's numbers equal."""
    return set(tunings) == set(expected) and all(
        np.array_equal(tunings[k], expected[k]) if k in SPLITS else tunings[k] == expected[k] for k in expected
    )


@pytest.fixture
def torino():
    return figures_key(load_scenario("torino_single"))


@pytest.fixture
def no_tuning(monkeypatch):
    """A fresh process's memory (empty), and tuning that fails the test if it runs."""
    tunings.cache_clear()

    def refuse(_figures, _households=None):
        raise AssertionError("tuned again instead of reading the disk cache")

    monkeypatch.setattr(baseline_tuning, "tune", refuse)
    yield
    tunings.cache_clear()


def test_tuned_values_are_saved_and_read_back_after_a_restart(tmp_path, torino, monkeypatch):
    tunings.cache_clear()
    calls = []
    monkeypatch.setattr(baseline_tuning, "tune", lambda figures, _households=None: calls.append(figures) or SAVED)
    first = tunings(torino, str(tmp_path))
    assert len(calls) == 1 and same(first)
    (path,) = (tmp_path / BASELINES_FOLDER).iterdir()
    assert path == cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    saved = json.loads(path.read_text())
    assert saved["splits"] == {k: v.tolist() for k, v in SPLITS.items()}
    assert saved["rules"] == RULES and saved["version"] == 2
    assert (
        saved["figures"]["monthly_income"] == torino.monthly_income and saved["tuning_households"] == TUNING_HOUSEHOLDS
    )
    assert not [p for p in (tmp_path / BASELINES_FOLDER).iterdir() if p.name.startswith(".")]  # no temp file left

    tunings.cache_clear()  # the restart: memory gone, the file stays
    monkeypatch.setattr(baseline_tuning, "tune", lambda figures, _households=None: pytest.fail("tuned again"))
    again = tunings(torino, str(tmp_path))
    assert same(again)
    tunings.cache_clear()


def test_the_key_is_the_figures_not_the_name(tmp_path, torino):
    renamed = figures_key(dataclasses.replace(load_scenario("torino_single"), name="my_copy", description="mine"))
    assert cache_path(renamed, TUNING_HOUSEHOLDS, tmp_path) == cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    richer = dataclasses.replace(torino, monthly_income=torino.monthly_income + 1)
    assert cache_path(richer, TUNING_HOUSEHOLDS, tmp_path) != cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    assert cache_path(torino, TUNING_HOUSEHOLDS + 1, tmp_path) != cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)


def damaged_rules(torino, tmp_path, monkeypatch, rules) -> str:
    """A well-formed file of these figures whose rules are `rules`."""
    tunings.cache_clear()
    monkeypatch.setattr(baseline_tuning, "tune", lambda figures, _households=None: SAVED)
    tunings(torino, str(tmp_path))
    path = cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    record = json.loads(path.read_text())
    path.unlink()
    return json.dumps({**record, "rules": rules})


BAD_RULES = [
    {},  # none
    {"target_liquidity_2": {"k": 2.5}, "target_liquidity_4": RULES["target_liquidity_4"]},  # a number missing
    {**RULES, "target_liquidity_2": {"k": "2.5", "spend": 0.1}},  # a string
    {**RULES, "target_liquidity_2": {"k": True, "spend": 0.1}},  # a boolean
    {**RULES, "target_liquidity_4": {**RULES["target_liquidity_4"], "close": None}},
    {**RULES, "target_liquidity_4": {**RULES["target_liquidity_4"], "extra": 1.0}},
    {**RULES, "target_liquidity_2": [2.5, 0.1]},
]


@pytest.mark.parametrize("content", ["{not json", json.dumps({"splits": {}}), "[]", "", *range(len(BAD_RULES))])
def test_a_damaged_file_is_tuned_again_and_rewritten(tmp_path, torino, monkeypatch, content):
    if isinstance(content, int):
        content = damaged_rules(torino, tmp_path, monkeypatch, BAD_RULES[content])
    path = cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    tunings.cache_clear()
    calls = []
    monkeypatch.setattr(baseline_tuning, "tune", lambda figures, _households=None: calls.append(figures) or SAVED)
    assert same(tunings(torino, str(tmp_path))) and len(calls) == 1
    saved = json.loads(path.read_text())
    assert saved["splits"]["buffer_first"] == SAVED["buffer_first"].tolist() and saved["rules"] == RULES
    tunings.cache_clear()


def test_a_version_1_file_is_tuned_again(tmp_path, torino, monkeypatch):
    """A file from before the rules were cached (its version and its digest differ) is not read."""
    content = json.loads(damaged_rules(torino, tmp_path, monkeypatch, RULES))
    old = {**content, "version": 1}
    del old["rules"]
    path = cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    path.write_text(json.dumps(old))
    tunings.cache_clear()
    calls = []
    monkeypatch.setattr(baseline_tuning, "tune", lambda figures, _households=None: calls.append(figures) or SAVED)
    assert same(tunings(torino, str(tmp_path))) and len(calls) == 1
    tunings.cache_clear()


def test_another_households_file_under_the_same_name_is_not_used(tmp_path, torino, monkeypatch):
    richer = dataclasses.replace(torino, monthly_income=torino.monthly_income * 2)
    tunings.cache_clear()
    monkeypatch.setattr(baseline_tuning, "tune", lambda figures, _households=None: SAVED)
    tunings(richer, str(tmp_path))
    path = cache_path(torino, TUNING_HOUSEHOLDS, tmp_path)
    cache_path(richer, TUNING_HOUSEHOLDS, tmp_path).rename(path)  # a file that does not match its name
    other = {**{k: v[::-1].copy() for k, v in SPLITS.items()}, **RULES}
    monkeypatch.setattr(baseline_tuning, "tune", lambda figures, _households=None: other)
    assert np.array_equal(tunings(torino, str(tmp_path))["best_fixed"], other["best_fixed"])
    tunings.cache_clear()


def test_a_simulation_in_a_new_process_reads_the_real_tuning_from_disk(
    tmp_path, torino, torino_tuned_afresh, no_tuning
):
    """The real tuning, done by one process, is what a later process (a restarted server) reuses."""
    script = (
        "import sys; from hrl_trainer import load_scenario; from hrl_trainer.baselines.tuning import tunings; "
        "tunings(load_scenario('torino_single'), sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=600)
    from_disk = tunings(torino, str(tmp_path))  # tuning refused: must come from the file
    real = torino_tuned_afresh  # by the function itself (the fixture no_tuning replaces it here)
    assert set(from_disk) == set(real) == {"best_fixed", "buffer_first", "target_liquidity_2", "target_liquidity_4"}
    assert all(np.allclose(from_disk[name], real[name]) for name in ("best_fixed", "buffer_first"))
    assert from_disk["target_liquidity_2"] == real["target_liquidity_2"]
    assert from_disk["target_liquidity_4"] == real["target_liquidity_4"]
    assert set(real["target_liquidity_4"]) == {"k", "spend_below", "spend_above", "close"}


def test_two_callers_missing_the_file_together_tune_once(tmp_path, torino):
    """The second caller waits for the first one's tuning and reads its file (once.computed_once)."""
    import threading
    import time

    from hrl_trainer.baselines.cache import cached_tunings

    calls, results, start = [], [], threading.Barrier(2)

    def slow_tune(figures):
        calls.append(figures)
        time.sleep(0.5)  # long enough for the other caller to find no file and wait
        return SAVED

    def caller():
        start.wait()
        results.append(cached_tunings(torino, TUNING_HOUSEHOLDS, tmp_path, slow_tune))

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(calls) == 1 and len(results) == 2 and all(same(result) for result in results)
    assert [p.name for p in (tmp_path / BASELINES_FOLDER).iterdir()] == [
        cache_path(torino, TUNING_HOUSEHOLDS, tmp_path).name
    ]
