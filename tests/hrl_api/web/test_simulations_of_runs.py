"""Simulations and advice of a given run on a real server (both async modes): a tiny run trained through
the API on one household is simulated and asked for advice on another; the results record the run; the
CLI's `simulate --run` gives the same comparison; unknown run ids are 404, malformed ones 400."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.api_contract import assert_error
from tests.hrl_api.web.test_simulations_api import publish_untrained_model
from tests.hrl_trainer.helpers import cli
from tests.live_server import ASYNC_MODES, LiveServer

TRAINED_ON = "torino_single"
SIMULATED_ON = "milano_junior"  # another household
UNKNOWN_RUN = f"{TRAINED_ON}-20000101-000000-0000"


@pytest.fixture(scope="module", params=ASYNC_MODES)
def run_server(request, live_servers) -> Iterator[tuple[LiveServer, dict]]:
    """A server whose models folder holds one tiny completed run of TRAINED_ON, trained through the API."""
    with live_servers.start(async_mode=request.param, scenarios=True) as server:
        yield trained(server)


def trained(server: LiveServer) -> tuple[LiveServer, dict]:
    """``server`` and the tiny run of TRAINED_ON it trained."""
    started = server.post(
        "/api/training/start",
        json={"scenario_name": TRAINED_ON, "num_episodes": 4, "save_interval": 2, "eval_episodes": 2, "seed": 5},
    )
    assert started.status_code == 202, started.text
    server.wait_idle(300)
    (run,) = server.get_json(f"/api/runs?scenario_name={TRAINED_ON}")["runs"]
    assert run["status"] == "completed" and run["episodes_completed"] == 4
    return server, run


def test_a_run_is_simulated_on_another_household_and_recorded(run_server):
    server, run = run_server
    response = server.post(
        "/api/simulations",
        json={"scenario_name": SIMULATED_ON, "run_id": run["run_id"], "households": 30, "seed": 8, "months": 24},
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["scenario_name"] == SIMULATED_ON and record["run_id"] == run["run_id"]
    assert record["scenario"]["name"] == SIMULATED_ON and record["months"] == 24
    model = record["model"]
    assert model["source"] == "run" and model["run_id"] == run["run_id"] and model["trained_on"] == TRAINED_ON
    assert model["episodes_completed"] == 4 and model["seed"] == 5 and model["started_at"] == run["started_at"]
    assert model["held_out"]["median_real_net_worth"] == run["held_out"]["median_real_net_worth"]
    assert server.get_json(f"/api/simulations/{record['id']}") == record
    listed = {s["id"]: s for s in server.get_json("/api/simulations")["simulations"]}
    assert listed[record["id"]]["run_id"] == run["run_id"]
    report = server.get(f"/api/simulations/{record['id']}/report").text
    assert run["run_id"] in report and f"trained on <strong>{TRAINED_ON}</strong>" in report


def test_the_flat_ppo_of_a_run_is_trained_once_and_compared_household_by_household(run_server):
    """`flat_ppo: true`: the run's flat PPO (trained on its 4 episodes, its settings and seed) joins the
    baselines and the paired table; it is kept in one file under models/baselines/flat_ppo/, never in the run
    folder, and the next simulation reads it instead of training again."""
    server, run = run_server
    body = {"scenario_name": SIMULATED_ON, "run_id": run["run_id"], "households": 20, "seed": 4, "months": 24}
    plain = server.post("/api/simulations", json=body).json()
    assert "flat_ppo" not in plain["policies"] and "flat_ppo" not in plain["paired"]
    folder = server.models_dir / "baselines" / "flat_ppo"
    first = server.post("/api/simulations", json={**body, "flat_ppo": True})
    assert first.status_code == 201, first.text
    record = first.json()
    flat = record["policies"]["flat_ppo"]
    assert flat["trained"] == {"scenario_name": TRAINED_ON, "episodes": 4, "seed": 5}
    assert flat["description"].startswith("Flat PPO") and len(flat["series"]["liquid"]["p50"]) == 24
    assert set(record["paired"]["flat_ppo"]) == {"reward", "real_net_worth", "total_spending"}
    for name in ("hrl", "best_fixed", "target_liquidity_2", "target_liquidity_4"):
        assert record["policies"][name] == plain["policies"][name]  # the same lives: only a policy was added
    assert record["policies"]["target_liquidity_4"]["tuned"]["k"] >= 0
    (path,) = folder.iterdir()
    assert path.name.startswith(f"{run['run_id']}-") and path.suffix == ".pt"
    stamp = (path.stat().st_ino, path.stat().st_mtime_ns)
    again = server.post("/api/simulations", json={**body, "flat_ppo": True}).json()
    assert again["policies"]["flat_ppo"] == flat and again["paired"] == record["paired"]
    assert [p.name for p in folder.iterdir()] == [path.name] and (path.stat().st_ino, path.stat().st_mtime_ns) == stamp
    assert not list((server.models_dir / "runs" / run["run_id"]).rglob("*.pt.tmp"))


def test_the_cli_simulates_the_same_run_with_the_same_result(run_server):
    server, run = run_server
    body = {"scenario_name": SIMULATED_ON, "run_id": run["run_id"], "households": 20, "seed": 3, "months": 12}
    record = server.post("/api/simulations", json=body).json()
    simulate = ["simulate", "--scenario", SIMULATED_ON, "--run", run["run_id"], "--households", "20", "--seed", "3"]
    simulate += ["--months", "12", "--models-dir", str(server.models_dir)]
    done = cli(*simulate, "--json", "--scenarios-dir", str(server.scenarios_dir), check=False)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["policies"] == record["policies"] and printed["paired"] == record["paired"]
    table = cli(*simulate, check=False)
    assert table.returncode == 0 and "20 households, 12 months, seed 3" in table.stdout, table.stderr


@pytest.mark.parametrize(("run_id", "message"), [(UNKNOWN_RUN, "No run"), ("not-a-run", "Must be a run id")])
def test_the_cli_names_a_bad_run(run_server, run_id, message):
    server, _ = run_server
    done = cli(
        "simulate",
        "--scenario",
        SIMULATED_ON,
        "--run",
        run_id,
        "--households",
        "5",
        "--models-dir",
        str(server.models_dir),
        check=False,
    )
    assert done.returncode == 2 and "--run" in done.stderr and message in done.stderr, done.stderr


def test_advice_of_a_run_for_another_household_records_the_run(run_server):
    server, run = run_server
    body = {"scenario_name": SIMULATED_ON, "run_id": run["run_id"], "month": 3, "savings": 900.0, "invested": 100.0}
    response = server.post("/api/advice", json=body)
    assert response.status_code == 200, response.text
    advice = response.json()
    assert advice["scenario_name"] == SIMULATED_ON and advice["model"] == {"source": "run", "run_id": run["run_id"]}
    assert sum(advice["split"].values()) == pytest.approx(1.0, abs=1e-5)
    published = server.post("/api/advice", json={**body, "scenario_name": TRAINED_ON, "run_id": None}).json()
    assert published["model"] == {"source": "published", "run_id": run["run_id"]}  # the run published itself


@pytest.mark.parametrize("path", ["/api/simulations", "/api/advice"])
@pytest.mark.parametrize(
    ("run_id", "status"),
    [(UNKNOWN_RUN, 404), ("not-a-run", 400), ("Run/1", 400), (f"{TRAINED_ON}-2000-01-01", 400), (7, 400)],
)
def test_unknown_runs_are_404_and_malformed_ones_400(run_server, path, run_id, status):
    server, _ = run_server
    body = {"scenario_name": SIMULATED_ON, "run_id": run_id, "month": 1, "savings": 1.0, "invested": 1.0}
    if path == "/api/simulations":
        body = {"scenario_name": SIMULATED_ON, "run_id": run_id, "households": 5, "months": 12}
    assert_error(server.post(path, json=body), status, "run_id")


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_tuned_baselines_survive_a_restart(live_servers, tmp_path, async_mode):
    """The first simulation saves the tuned splits under models/baselines/; after a restart the server
    uses the saved ones (here replaced by a split no tuning picks, to tell them apart) instead of tuning."""
    models = tmp_path / "restart_models"
    run_id = publish_untrained_model(models, TRAINED_ON)  # a run of TRAINED_ON (training it adds nothing here)
    with live_servers.start(models, async_mode=async_mode) as server:
        body = {"scenario_name": SIMULATED_ON, "run_id": run_id, "households": 10, "seed": 1, "months": 12}
        first = server.post("/api/simulations", json=body)
        assert first.status_code == 201, first.text
        (saved,) = (models / "baselines").glob("*.json")
        cached = json.loads(saved.read_text())
        assert cached["figures"]["monthly_income"] == first.json()["scenario"]["monthly_income"]
        assert [round(x, 2) for x in cached["splits"]["best_fixed"]] == first.json()["policies"]["best_fixed"]["split"]

        server.terminate()
        cached["splits"]["best_fixed"] = [0.11, 0.22, 0.67]  # no grid split: only the file can say it
        saved.write_text(json.dumps(cached))
        server.start()
        again = server.post("/api/simulations", json=body)
        assert again.status_code == 201, again.text
        assert again.json()["policies"]["best_fixed"]["split"] == [0.11, 0.22, 0.67]


def test_a_run_after_a_simulation_of_its_household_compares_with_the_target_liquidity_rules(run_server):
    """A simulation leaves the household's tunings in models/baselines/; the next run's held-out result then
    holds the model minus each target-liquidity rule, with the numbers the simulation reported. Last in the
    module: the new run publishes itself."""
    server, first = run_server
    assert "rules" not in first["held_out"]  # nothing was tuned for the household before that run
    simulation = server.post(
        "/api/simulations", json={"scenario_name": TRAINED_ON, "households": 5, "seed": 1, "run_id": first["run_id"]}
    ).json()
    started = server.post(
        "/api/training/start",
        json={"scenario_name": TRAINED_ON, "num_episodes": 2, "save_interval": 2, "eval_episodes": 2, "seed": 6},
    )
    assert started.status_code == 202, started.text
    server.wait_idle(300)
    (run,) = [r for r in server.get_json(f"/api/runs?scenario_name={TRAINED_ON}")["runs"] if r["seed"] == 6]
    rules = run["held_out"]["rules"]
    assert set(rules) == {"target_liquidity_2", "target_liquidity_4"}
    for name, rule in rules.items():
        assert rule["tuned"] == simulation["policies"][name]["tuned"]
        assert set(rule["paired"]) == {"reward", "real_net_worth", "total_spending"}
        assert rule["paired"]["reward"]["stderr"] > 0
