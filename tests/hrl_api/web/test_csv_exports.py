"""CSV downloads (issue 22): a run's history, one row per episode and one column per series, and a simulation's
comparison table, one row per policy with the model minus it and its verdict. On the app object."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hrl_trainer.store.simulation_store import save_simulation
from hrl_trainer.use.tables import TABLE_COLUMNS
from tests.api_contract import assert_error
from tests.hrl_api.web.recorded_runs import app_client, recorded_run

SERIES = ["avg_reward", "avg_duration", "avg_cash", "avg_invested", "stability", "goal_adherence", "elapsed_time"]


def progress(episode: int) -> dict:
    return {
        "episode": episode,
        "total_episodes": 10,
        **{name: episode + index / 10 for index, name in enumerate(SERIES)},
    }


@pytest.fixture
def client_and_models(tmp_path):
    """The app's test client and its models folder."""
    return app_client(tmp_path / "models"), tmp_path / "models"


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_runs_history_as_csv(client_and_models):
    client, models = client_and_models
    history = {"episodes_completed": 10, "progress": [progress(e) for e in range(1, 11)], "evaluations": [{"x": 1}]}
    run_id = recorded_run(models, "torino_single", history)
    response = client.get(f"/api/runs/{run_id}/history.csv")
    rows = rows_of(response)
    assert response.headers["Content-Disposition"] == f'attachment; filename="{run_id}-history.csv"'
    assert list(rows[0]) == ["episode", *SERIES]  # one column per series, and nothing else
    assert [int(row["episode"]) for row in rows] == list(range(1, 11))
    assert [float(row["stability"]) for row in rows] == [progress(e)["stability"] for e in range(1, 11)]
    thinned = rows_of(client.get(f"/api/runs/{run_id}/history.csv?max_points=3"))
    assert [row["episode"] for row in thinned] == ["1", "5", "10"]  # thin_evenly's rows


def test_history_csv_errors(client_and_models):
    client, _ = client_and_models
    assert_error(client.get("/api/runs/torino_single-20000101-000000-0000/history.csv"), 404, "run_id")
    assert_error(client.get("/api/runs/not-a-run/history.csv"), 400, "run_id")
    assert_error(client.get("/api/runs/torino_single-20000101-000000-0000/history.csv?max_points=1"), 400)


def simulation_record() -> dict:
    def totals(worth: float) -> dict:
        return {
            "median_real_net_worth": worth,
            "p5_real_net_worth": worth - 1000,
            "p95_real_net_worth": worth + 1000,
            "median_total_spending": 5000.0,
            "mean_total_spending": 5100.0,
            "share_broke": 0.01,
            "share_broke_by_year": [0.0, 0.01],
            "median_broke_month": None,
            "share_months_under_buffer": 0.2,
            "avg_reward": 1.5,
        }

    paired = {
        "best_fixed": {  # saved before verdicts: the table draws them from these very numbers
            "reward": {"diff": 0.1, "stderr": 0.1},
            "real_net_worth": {"diff": 40.0, "stderr": 28.0},
            "total_spending": {"diff": -3.0, "stderr": 1.0},
        },
        "random": {
            "reward": {"diff": 5.0, "stderr": 1.0},
            "real_net_worth": {"diff": 900.0, "stderr": 100.0},
            "total_spending": {"diff": 10.0, "stderr": 2.0},
        },
    }
    return {
        "id": "csvtable1",
        "created_at": "2026-12-01T10:00:00+00:00",
        "scenario_name": "torino_single",
        "run_id": None,
        "households": 300,
        "months": 24,
        "seed": 1,
        "policies": {
            name: {"description": name, "totals": totals(w)}
            for name, w in [("hrl", 11305.0), ("best_fixed", 11447.0), ("random", 9000.0)]
        },
        "paired": paired,
    }


def test_a_simulations_table_as_csv(client_and_models):
    client, models = client_and_models
    save_simulation(simulation_record(), models)
    response = client.get("/api/simulations/csvtable1/table.csv")
    rows = rows_of(response)
    assert response.headers["Content-Disposition"] == 'attachment; filename="simulation-csvtable1.csv"'
    assert list(rows[0]) == list(TABLE_COLUMNS)
    assert [(row["policy"], row["verdict"]) for row in rows] == [
        ("hrl", ""),
        ("best_fixed", "level"),
        ("random", "ahead"),
    ]
    best = rows[1]
    assert (best["label"], best["median_real_net_worth"]) == ("Best fixed split", "11447.0")
    assert (best["measure"], best["unit"], best["statistic"]) == ("real_net_worth", "EUR", "mean_paired_difference")
    assert (best["households"], best["mean"], best["se"]) == ("300", "40.0", "28.0")


def test_table_csv_errors(client_and_models):
    client, models = client_and_models
    assert_error(client.get("/api/simulations/nothere/table.csv"), 404, "id")
    assert_error(client.get("/api/simulations/Not!Id/table.csv"), 400, "id")
    folder = models / "simulations"
    folder.mkdir(parents=True)
    (folder / "damaged2.json").write_text(json.dumps({"id": "damaged2"})[:-3])
    assert_error(client.get("/api/simulations/damaged2/table.csv"), 500, "id")
