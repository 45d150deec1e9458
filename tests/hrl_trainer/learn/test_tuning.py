"""`python -m hrl_trainer tune`: an Optuna study in a SQLite file under the models folder, resumable."""

import re

import optuna

from hrl_trainer.learn.tuning import study_path
from tests.hrl_trainer.cli.test_cli import cli

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


def test_a_two_trial_search_resumes_from_its_sqlite_file(tmp_path):
    first = cli("tune", *TINY, "--models-dir", str(tmp_path)).stdout
    path = study_path("torino_single", tmp_path)
    assert path == tmp_path / "tuning" / "torino_single.sqlite3" and path.is_file()
    assert "study torino_single: 2 trials (2 complete)" in first
    best = re.search(r"best trial \d+: tuning reward (-?\d+\.\d+), held-out reward (-?\d+\.\d+)", first)
    assert best, first
    assert re.search(r"^  learning_rate = \S+$", first, re.M)
    assert re.search(r"^  high_period = (3|6|12)$", first, re.M)

    second = cli("tune", *TINY, "--models-dir", str(tmp_path)).stdout
    assert "study torino_single: 4 trials (4 complete)" in second
    study = optuna.load_study(study_name="torino_single", storage=f"sqlite:///{path}")
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    assert all("held_out_reward" in t.user_attrs for t in study.trials)
    assert len({tuple(sorted(t.params.items())) for t in study.trials}) == 4  # a resumed search draws anew
    assert study.best_value == max(t.value for t in study.trials)


def test_resuming_with_another_budget_is_refused_and_changes_nothing(tmp_path):
    cli("tune", *TINY, "--models-dir", str(tmp_path))
    other = cli(
        "tune", *TINY[:-4], "--evaluations", "1", "--eval-episodes", "3", "--models-dir", str(tmp_path), check=False
    )
    assert other.returncode == 2 and "resume it with the same" in other.stderr
    study = optuna.load_study(study_name="torino_single", storage=f"sqlite:///{study_path('torino_single', tmp_path)}")
    assert len(study.trials) == 2


def test_a_bad_study_name_or_scenario_is_one_clear_line(tmp_path):
    bad = cli("tune", *TINY, "--study", "../x", "--models-dir", str(tmp_path), check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and not (tmp_path / "tuning").exists()
    missing = cli("tune", "--scenario", "nowhere", "--trials", "1", "--models-dir", str(tmp_path), check=False)
    assert missing.returncode == 2 and "nowhere" in missing.stderr
