"""`python -m hrl_trainer tune`: an Optuna study in a SQLite file under the models folder, resumable."""

import re
import shutil

import optuna
import pytest

from hrl_trainer.learn.tuning import study_path
from tests.hrl_trainer.helpers import cli, run_main

TINY = (
    "--scenario",
    "torino_single",
    "--trials",
    "2",
    "--episodes",
    "20",
    "--evaluations",
    "2",
    "--eval-episodes",
    "3",
)


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A models folder with a finished two-trial search, and what the command printed."""
    models = tmp_path_factory.mktemp("searched")
    return models, cli("tune", *TINY, "--models-dir", str(models)).stdout


def copy_of(searched, tmp_path):
    """A copy of the searched models folder, for a test to change."""
    return shutil.copytree(searched[0], tmp_path / "models")


def test_a_two_trial_search_resumes_from_its_sqlite_file(searched, tmp_path, capsys):
    first = searched[1]
    path = study_path("torino_single", searched[0])
    assert path == searched[0] / "tuning" / "torino_single.sqlite3" and path.is_file()
    assert "study torino_single: 2 trials (2 complete)" in first
    best = re.search(r"best trial \d+: tuning reward (-?\d+\.\d+), held-out reward (-?\d+\.\d+)", first)
    assert best, first
    assert re.search(r"^  learning_rate = \S+$", first, re.M)
    assert re.search(r"^  high_period = (3|6|12)$", first, re.M)

    models = copy_of(searched, tmp_path)
    status, second, _ = run_main(capsys, "tune", *TINY, "--models-dir", str(models))  # resumed, in this process
    assert status == 0
    assert "study torino_single: 4 trials (4 complete)" in second
    study = optuna.load_study(study_name="torino_single", storage=f"sqlite:///{study_path('torino_single', models)}")
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    assert all("held_out_reward" in t.user_attrs for t in study.trials)
    assert len({tuple(sorted(t.params.items())) for t in study.trials}) == 4  # a resumed search draws anew
    assert study.best_value == max(t.value for t in study.trials)


def test_resuming_with_another_budget_is_refused_and_changes_nothing(searched, tmp_path, capsys):
    models = copy_of(searched, tmp_path)
    status, _, err = run_main(
        capsys, "tune", *TINY[:-4], "--evaluations", "1", "--eval-episodes", "3", "--models-dir", str(models)
    )
    assert status == 2 and "resume it with the same" in err
    study = optuna.load_study(study_name="torino_single", storage=f"sqlite:///{study_path('torino_single', models)}")
    assert len(study.trials) == 2


def test_a_bad_study_name_or_scenario_is_one_clear_line(tmp_path, capsys):
    status, _, err = run_main(capsys, "tune", *TINY, "--study", "../x", "--models-dir", str(tmp_path))
    assert status == 2 and err.startswith("error:") and not (tmp_path / "tuning").exists()
    status, _, err = run_main(capsys, "tune", "--scenario", "nowhere", "--trials", "1", "--models-dir", str(tmp_path))
    assert status == 2 and "nowhere" in err
