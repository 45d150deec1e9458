"""Simulations, reports and advice against a real server, in both async modes: every status code,
hostile ids, and simulations that keep the API answering while a real training runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
import requests
import torch

from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.store.run_writer import record_agents
from tests.api_contract import assert_error
from tests.live_server import ASYNC_MODES, LiveServer

MODEL = "torino_single"
POLICIES = {"hrl", "best_fixed", "buffer_first", "target_liquidity_2", "target_liquidity_4", "rule_of_thumb", "random"}
BANDS = {"p5", "p25", "p50", "p75", "p95"}
UNKNOWN_RUN = f"{MODEL}-20000101-000000-0000"  # well formed, never trained


def publish_untrained_model(models_dir: Path, name: str = MODEL) -> str:
    """An untrained model of `name`, kept as a completed, published run; returns the run's id."""
    torch.manual_seed(1)
    return record_agents(
        name,
        Strategist(OBS_DIM),
        Executor(OBS_DIM + GOAL_DIM),
        {"scenario_name": name, "episodes_completed": 7, "seed": 3},
        models_dir,
    )


@pytest.fixture(scope="module", params=ASYNC_MODES)
def sim_server(request, live_servers, tmp_path_factory) -> Iterator[LiveServer]:
    """A server with a published model of torino_single and its own copy of the scenarios."""
    models = tmp_path_factory.mktemp("simulations") / "models"
    publish_untrained_model(models)
    with live_servers.start(models, async_mode=request.param, scenarios=True) as server:
        yield server


def household_body(server: LiveServer) -> dict:
    """MODEL's household as a body to create another from (without the fields GET derives)."""
    derived = ("monthly_margin", "monthly_expenses", "read_only")
    return {k: v for k, v in server.get_json(f"/api/scenarios/{MODEL}").items() if k not in derived}


def simulate(server: LiveServer, **body) -> requests.Response:
    return server.post("/api/simulations", json={"scenario_name": MODEL, "households": 50, "seed": 4, **body})


def test_simulation_lifecycle(sim_server):
    server = sim_server
    created = simulate(server)
    assert created.status_code == 201, created.text
    record = created.json()
    assert set(record["policies"]) == POLICIES and set(record["paired"]) == POLICIES - {"hrl"}
    assert record["households"] == 50 and record["months"] == 120 and record["seed"] == 4
    assert record["model"]["source"] == "published" and record["model"]["episodes_completed"] == 7
    for policy in record["policies"].values():
        assert set(policy["series"]) == {"liquid", "invested", "real_net_worth", "spending"}
        for bands in policy["series"].values():
            assert set(bands) == BANDS and all(len(v) == 120 for v in bands.values())
            assert all(a <= b + 1e-9 for a, b in zip(bands["p5"], bands["p95"]))
    assert "today's euros" in record["units"]["real_net_worth"] and "nominal" in record["units"]["liquid"]
    assert (server.models_dir / "simulations" / f"{record['id']}.json").is_file()

    assert server.get_json(f"/api/simulations/{record['id']}") == record
    listed = server.get_json("/api/simulations")["simulations"]
    assert record["id"] in [s["id"] for s in listed]
    summary = next(s for s in listed if s["id"] == record["id"])
    assert summary["totals"] == record["policies"]["hrl"]["totals"]

    report = server.get(f"/api/simulations/{record['id']}/report")
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/html")
    assert "Simulation report: torino_single" in report.text and "<script" not in report.text

    assert requests.delete(f"{server.url}/api/simulations/{record['id']}", timeout=30).status_code == 204
    assert_error(server.get(f"/api/simulations/{record['id']}"), 404, "id")
    assert_error(server.get(f"/api/simulations/{record['id']}/report"), 404, "id")
    assert_error(requests.delete(f"{server.url}/api/simulations/{record['id']}", timeout=30), 404, "id")


def test_the_target_liquidity_rules_report_the_numbers_evaluate_tunes(sim_server):
    """Tuned as `evaluate` tunes them (tests/hrl_trainer/use/test_simulations.py checks their scores by hand)."""
    from hrl_trainer import load_scenario
    from hrl_trainer.baselines.tuning import figures_key, tune
    from hrl_trainer.common.config import TUNING_HOUSEHOLDS

    record = simulate(sim_server).json()
    tuned = tune(figures_key(load_scenario(MODEL)), TUNING_HOUSEHOLDS)
    rule_2, rule_4 = tuned["target_liquidity_2"], tuned["target_liquidity_4"]
    assert record["policies"]["target_liquidity_2"]["tuned"] == rule_2
    assert record["policies"]["target_liquidity_4"]["tuned"] == rule_4
    assert set(record["paired"]["target_liquidity_4"]) == {"reward", "real_net_worth", "total_spending"}


def test_a_flat_ppo_without_a_training_history_is_a_409_naming_flat_ppo(sim_server):
    """The published model here was recorded without its settings: no flat PPO can be trained for it."""
    assert_error(simulate(sim_server, flat_ppo=True), 409, "flat_ppo")
    assert not (sim_server.models_dir / "baselines" / "flat_ppo").exists()


def test_same_seed_same_households(sim_server):
    first, second = simulate(sim_server, seed=9).json(), simulate(sim_server, seed=9).json()
    assert first["id"] != second["id"] and first["policies"] == second["policies"]
    assert simulate(sim_server, seed=None).json()["seed"] >= 0


BAD_BODIES = {
    "no scenario": ({"scenario_name": None}, "scenario_name"),
    "scenario path": ({"scenario_name": "../secret"}, "scenario_name"),
    "households zero": ({"households": 0}, "households"),
    "households over 10000": ({"households": 10_001}, "households"),
    "households float": ({"households": 5.5}, "households"),
    "households bool": ({"households": True}, "households"),
    "too many household-months": ({"households": 10_000, "months": 600}, "households"),
    "months too few": ({"months": 11}, "months"),
    "seed negative": ({"seed": -1}, "seed"),
    "run id bad": ({"run_id": "Run/1"}, "run_id"),
    "unknown field": ({"policy": "mine"}, "policy"),
    "flat_ppo string": ({"flat_ppo": "true"}, "flat_ppo"),
    "flat_ppo number": ({"flat_ppo": 1}, "flat_ppo"),
    "flat_ppo null": ({"flat_ppo": None}, "flat_ppo"),
    "flat_ppo list": ({"flat_ppo": [True]}, "flat_ppo"),
    "flat_ppo object": ({"flat_ppo": {"on": True}}, "flat_ppo"),
}


@pytest.mark.parametrize(("changes", "field"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_simulation_bodies_are_400(sim_server, changes, field):
    assert_error(simulate(sim_server, **changes), 400, field)


def test_missing_scenarios_models_and_runs_are_404(sim_server):
    assert_error(simulate(sim_server, scenario_name="atlantis"), 404, "scenario_name")
    assert_error(simulate(sim_server, scenario_name="bologna_coppia"), 404, "scenario_name")  # never trained
    assert_error(simulate(sim_server, run_id=UNKNOWN_RUN), 404, "run_id")
    assert_error(simulate(sim_server, run_id="no-such-run"), 400, "run_id")  # not a run id at all
    assert_error(sim_server.post("/api/simulations", data="x", headers={"Content-Type": "text/plain"}), 400, "_schema")
    assert_error(sim_server.post("/api/simulations", json={"scenario_name": MODEL, "pad": "x" * 1_100_000}), 413)


@pytest.mark.parametrize("simulation_id", ["..", "../models", "UPPER", "a" * 65, "x\n", "%00"])
def test_hostile_ids_never_reach_a_file(sim_server, simulation_id):
    segment = quote(simulation_id, safe="")
    for response in (
        sim_server.get(f"/api/simulations/{segment}"),
        sim_server.get(f"/api/simulations/{segment}/report"),
        requests.delete(f"{sim_server.url}/api/simulations/{segment}", timeout=30),
    ):
        assert response.status_code in (400, 404, 405), response.text
        assert response.headers["Content-Type"].startswith("application/json")


def test_a_household_can_use_another_households_model_only_via_a_run(sim_server):
    body = household_body(sim_server)
    assert sim_server.post("/api/scenarios", json={**body, "name": "my_copy"}).status_code == 201
    assert_error(simulate(sim_server, scenario_name="my_copy"), 404, "scenario_name")
    requests.delete(f"{sim_server.url}/api/scenarios/my_copy", timeout=30).raise_for_status()


def advice(server: LiveServer, **body) -> requests.Response:
    return server.post(
        "/api/advice", json={"scenario_name": MODEL, "month": 24, "savings": 800.0, "invested": 3000.0, **body}
    )


def test_advice(sim_server):
    response = advice(sim_server)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["split"]) == {"invest", "save", "spend"} == set(body["amounts"])
    assert sum(body["split"].values()) == pytest.approx(1.0, abs=1e-5)
    assert sum(body["amounts"].values()) == pytest.approx(body["available"], abs=0.05)
    assert body["goal"]["buffer"] > 0 and body["sentence"].endswith(".") and "€" in body["sentence"]
    assert advice(sim_server).json() == body  # deterministic
    assert advice(sim_server, cash=500.0).json()["available"] == pytest.approx(body["available"] + 500, abs=0.02)


ADVICE_ERRORS = {
    "negative savings": ({"savings": -1}, 400, "savings"),
    "negative invested": ({"invested": -0.5}, 400, "invested"),
    "negative cash": ({"cash": -10}, 400, "cash"),
    "month past the horizon": ({"month": 120}, 400, "month"),
    "month negative": ({"month": -1}, 400, "month"),
    "month missing": ({"month": None}, 400, "month"),
    "loss longer than possible": ({"income_loss_months_left": 50}, 400, "income_loss_months_left"),
    "unknown scenario": ({"scenario_name": "atlantis"}, 404, "scenario_name"),
    "untrained scenario": ({"scenario_name": "roma_famiglia"}, 404, "scenario_name"),
    "unknown run": ({"run_id": UNKNOWN_RUN}, 404, "run_id"),
    "malformed run id": ({"run_id": "r1"}, 400, "run_id"),
}


@pytest.mark.parametrize(("changes", "status", "field"), ADVICE_ERRORS.values(), ids=ADVICE_ERRORS.keys())
def test_advice_errors(sim_server, changes, status, field):
    assert_error(advice(sim_server, **changes), status, field)


def test_concurrent_simulations_while_a_training_runs(sim_server):
    server = sim_server
    started = server.post(
        "/api/training/start",
        json={
            "scenario_name": "milano_junior",
            "num_episodes": 100_000,
            "save_interval": 100_000,
            "eval_episodes": 2,
            "seed": 1,
        },
    )
    assert started.status_code == 202, started.text
    results: list[requests.Response] = []
    done = threading.Event()
    answered_meanwhile: list[int] = []

    def run() -> None:
        results.append(simulate(server, households=2000, seed=None))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()

    def watch() -> None:
        for thread in threads:
            thread.join()
        done.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    while not done.is_set():
        status = server.get("/api/training/status")
        if not done.is_set():
            answered_meanwhile.append(status.status_code)
    watcher.join()
    assert [r.status_code for r in results] == [201, 201, 201], [r.text[:200] for r in results]
    assert len({r.json()["seed"] for r in results}) == 3
    assert answered_meanwhile and set(answered_meanwhile) == {200}, "the API did not answer during the simulations"
    assert server.status()["is_training"] is True
    assert server.post("/api/training/stop").status_code == 200
    server.wait_idle()


def test_a_damaged_simulation_file_is_a_clear_500_and_the_list_skips_it(sim_server):
    folder = sim_server.models_dir / "simulations"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "damaged1.json").write_bytes(b'{"id": "damaged1", "poli')
    body = assert_error(sim_server.get("/api/simulations/damaged1"), 500, "id")
    assert "unreadable" in body["message"]
    assert_error(sim_server.get("/api/simulations/damaged1/report"), 500, "id")
    assert "damaged1" not in [s["id"] for s in sim_server.get_json("/api/simulations")["simulations"]]
    assert requests.delete(f"{sim_server.url}/api/simulations/damaged1", timeout=30).status_code == 204


def test_a_long_household_bounds_the_number_of_households(sim_server):
    body = household_body(sim_server)
    assert sim_server.post("/api/scenarios", json={**body, "name": "long_life", "months": 600}).status_code == 201
    errors = assert_error(simulate(sim_server, scenario_name="long_life", households=2001), 400, "households")["errors"]
    assert "2001 x 600" in errors["households"][0]
    requests.delete(f"{sim_server.url}/api/scenarios/long_life", timeout=30).raise_for_status()


def test_an_edited_household_keeps_its_model_and_is_simulated_with_its_new_figures(sim_server):
    body = household_body(sim_server)
    assert sim_server.post("/api/scenarios", json={**body, "name": "edited_home"}).status_code == 201
    publish_untrained_model(sim_server.models_dir, "edited_home")
    history_before = sim_server.get_json("/api/models/edited_home/history")
    edited = requests.put(
        f"{sim_server.url}/api/scenarios/edited_home",
        json={**body, "name": "edited_home", "monthly_income": 2500.0},
        timeout=30,
    )
    assert edited.status_code == 200, edited.text
    assert sim_server.get_json("/api/models/edited_home/history") == history_before
    record = simulate(sim_server, scenario_name="edited_home").json()
    assert record["scenario"]["monthly_income"] == 2500.0 and record["model"]["source"] == "published"
    assert requests.delete(f"{sim_server.url}/api/scenarios/edited_home", timeout=30).status_code == 204
    assert "edited_home" in [m["scenario_name"] for m in sim_server.get_json("/api/models")["models"]]


@pytest.fixture(params=ASYNC_MODES)
def small_server(request, live_servers, tmp_path, tunings):
    """``small_server(**env)``: a server of its own (tunings seeded for 12 months) with the settings ``env``,
    terminated after the test."""
    with ExitStack() as servers:

        def start(**env: str) -> LiveServer:
            publish_untrained_model(tmp_path / "models")
            tunings.seed(tmp_path / "models", MODEL, months=12)
            return servers.enter_context(live_servers.start(tmp_path / "models", async_mode=request.param, **env))

        yield start


def short(server: LiveServer, **body) -> requests.Response:
    return simulate(server, households=20, months=12, seed=None, **body)


def test_simulations_beyond_the_queue_get_503_with_retry_after_and_the_accepted_ones_complete(small_server):
    """One computing and one waiting: of six asked at once (the first needs a worker started, seconds),
    four are refused at once with a JSON error naming the settings and Retry-After, two are saved."""
    server = small_server(HRL_SIMULATIONS_AT_ONCE="1", HRL_SIMULATIONS_QUEUED="1")
    answers: list[requests.Response] = []
    threads = [threading.Thread(target=lambda: answers.append(short(server))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [a for a in answers if a.status_code == 503]
    accepted = [a for a in answers if a.status_code == 201]
    assert (len(accepted), len(refused)) == (2, 4), [(a.status_code, a.text[:200]) for a in answers]
    for answer in refused:
        body = assert_error(answer, 503, "_schema")
        assert "SIMULATIONS_QUEUED" in body["message"] and "1 computing and 1 waiting" in body["message"]
        assert int(answer.headers["Retry-After"]) >= 1
    saved = {path.stem for path in (server.models_dir / "simulations").glob("*.json")}
    assert saved == {a.json()["id"] for a in accepted}
    assert all(set(a.json()["policies"]) == POLICIES and a.json()["months"] == 12 for a in accepted)
    assert short(server).status_code == 201  # the places are free again


def test_only_the_newest_simulations_are_kept_and_readers_never_see_half_of_one(small_server):
    """HRL_SIMULATIONS_KEPT=2: after five simulations the folder and the listing hold the two newest; the
    removed ones are 404; meanwhile every read is a whole simulation or a 404 (never a 500); DELETE works."""
    server = small_server(HRL_SIMULATIONS_KEPT="2")
    done, reads = threading.Event(), []

    def read() -> None:
        with requests.Session() as session:
            while not done.is_set():
                for summary in session.get(f"{server.url}/api/simulations", timeout=30).json()["simulations"]:
                    answer = session.get(f"{server.url}/api/simulations/{summary['id']}", timeout=30)
                    reads.append((answer.status_code, answer.status_code == 200 and set(answer.json()["policies"])))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        ids = [short(server).json()["id"] for _ in range(5)]
    finally:
        done.set()
        reader.join()
    assert {path.name for path in (server.models_dir / "simulations").iterdir()} == {f"{i}.json" for i in ids[3:]}
    assert [s["id"] for s in server.get_json("/api/simulations")["simulations"]] == ids[:2:-1]
    for removed in ids[:3]:
        assert_error(server.get(f"/api/simulations/{removed}"), 404, "id")
    assert reads and all(status == 404 or (status == 200 and policies == POLICIES) for status, policies in reads), reads
    assert requests.delete(f"{server.url}/api/simulations/{ids[4]}", timeout=30).status_code == 204
    assert [s["id"] for s in server.get_json("/api/simulations")["simulations"]] == [ids[3]]


def simulation_worker(server: LiveServer) -> psutil.Process:
    """The server's one simulation worker process (not multiprocessing's resource tracker)."""
    (worker,) = [
        child for child in psutil.Process(server.process.pid).children() if "spawn_main" in " ".join(child.cmdline())
    ]
    return worker


def test_a_killed_worker_is_replaced_and_one_killed_during_a_simulation_makes_it_a_500(small_server):
    server = small_server(HRL_SIMULATIONS_AT_ONCE="1")
    assert short(server).status_code == 201  # the worker is started and waits for the next one
    simulation_worker(server).kill()
    assert short(server).status_code == 201  # killed while waiting: a new worker computes it
    worker = simulation_worker(server)
    answers: list[requests.Response] = []
    asking = threading.Thread(target=lambda: answers.append(simulate(server, households=10_000, seed=None)))
    asking.start()
    time.sleep(1.0)  # well inside the seconds of 10 000 households over 120 months
    worker.kill()
    asking.join()
    body = assert_error(answers[0], 500, "_schema")
    assert "worker process ended during the simulation" in body["message"]
    assert short(server).status_code == 201
