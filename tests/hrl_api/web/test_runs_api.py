"""The runs API on real servers (both async modes) with the real trainer: every endpoint's status
codes, run_id in the start answer, status and events, resume over the API, 409 while a scenario is
written by this server, by a CLI run or by a second server sharing the models folder."""

from __future__ import annotations

import io
import signal
import zipfile
from collections.abc import Iterator

import pytest

from hrl_trainer.store.runlock import is_locked
from tests.hrl_api.runs import SCENARIO, SHORT_RUN, complete_run, start_run
from tests.hrl_trainer.helpers import start_cli
from tests.live_server import ASYNC_MODES, LiveServer, wait_until

MISSING = f"{SCENARIO}-20000101-000000-0000"


@pytest.fixture(scope="module", params=ASYNC_MODES)
def server(request, live_servers) -> Iterator[LiveServer]:
    """A server of the module's own in each async mode, with the real trainer (its models folder is shared with a
    second server and a CLI run); the one the fixture `recorder` subscribes to."""
    with live_servers.start(async_mode=request.param) as server:
        yield server


@pytest.fixture
def api(server: LiveServer) -> Iterator[LiveServer]:
    """The module's server, idle again after the test."""
    yield server
    server.ensure_idle()


def error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"message", "errors"} and (field is None or body["errors"].get(field)), body
    return body


def test_a_run_is_listed_shown_thinned_archived_and_published(api, recorder):
    done = complete_run(api, recorder, num_episodes=6, save_interval=3)
    run_id = recorder.named("training_started")[-1]["run_id"]
    assert done["run_id"] == run_id and recorder.named("training_progress")[-1]["run_id"] == run_id
    assert api.status()["run_id"] == run_id
    listed = api.get_json(f"/api/runs?scenario_name={SCENARIO}&limit=1")
    assert listed["runs"][0]["run_id"] == run_id and listed["runs"][0]["published"] is True
    assert listed["limit"] == 1 and listed["total"] >= 1
    shown = api.get_json(f"/api/runs/{run_id}")
    assert shown["status"] == "completed" and shown["episodes_completed"] == 6 and shown["config"]["seed"] == 7
    assert shown["held_out"]["avg_reward"] == pytest.approx(shown["held_out"]["avg_reward"])  # a number
    assert [p["episode"] for p in api.get_json(f"/api/runs/{run_id}/history?max_points=2")["progress"]] == [1, 6]
    archive = api.get(f"/api/runs/{run_id}/archive")
    assert archive.status_code == 200 and archive.headers["Content-Type"] == "application/zip"
    assert f"{run_id}.zip" in archive.headers["Content-Disposition"]
    assert {name.split("/")[-1] for name in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()} >= {
        "high_agent.pt",
        "low_agent.pt",
        "config.json",
        "history.json",
        "run.json",
    }
    models = {m["scenario_name"]: m for m in api.get_json("/api/models")["models"]}
    assert models[SCENARIO]["run_id"] == run_id
    published = api.post(f"/api/runs/{run_id}/publish")
    assert published.status_code == 200 and published.json()["data"]["published"] is True


def test_unknown_and_malformed_ids_and_queries(api):
    for path in (f"/api/runs/{MISSING}", f"/api/runs/{MISSING}/history", f"/api/runs/{MISSING}/archive"):
        error(api.get(path), 404, "run_id")
    error(api.post(f"/api/runs/{MISSING}/publish"), 404, "run_id")
    error(requests_delete(api, MISSING), 404, "run_id")
    error(api.get("/api/runs/%2e%2e%2fsecret"), 404)  # a slash: no such route
    for bad in ("x", f"{SCENARIO}-20000101-000000-00000", f"{MISSING}%0A", "%2e%2e"):
        error(api.get(f"/api/runs/{bad}"), 400, "run_id")
        error(requests_delete(api, bad), 400, "run_id")
    for query in ("limit=0", "limit=501", "offset=-1", "status=bogus", "scenario_name=..", "nope=1"):
        error(api.get(f"/api/runs?{query}"), 400)
    error(api.get(f"/api/runs/{MISSING}/history?max_points=1"), 400, "max_points")
    error(api.post("/api/training/start", json={**SHORT_RUN, "resume_from": MISSING}), 404, "resume_from")
    error(api.post("/api/training/start", json={**SHORT_RUN, "resume_from": "../x"}), 400, "resume_from")
    error(api.post("/api/training/start", json={**SHORT_RUN, "keep_checkpoints": -1}), 400, "keep_checkpoints")
    assert api.status()["is_training"] is False


def requests_delete(api: LiveServer, run_id: str):
    import requests

    return requests.delete(f"{api.url}/api/runs/{run_id}", timeout=30)


def test_resume_over_the_api_continues_the_count(api, recorder):
    complete_run(api, recorder, num_episodes=5)
    parent = recorder.named("training_started")[-1]["run_id"]
    error(
        api.post("/api/training/start", json={**SHORT_RUN, "scenario_name": "milano_junior", "resume_from": parent}),
        400,
        "resume_from",
    )
    data = start_run(api, num_episodes=4, resume_from=parent)
    assert data["num_episodes"] == 4
    done = recorder.wait_for("training_completed", count=2)[-1]
    assert done["episodes_completed"] == 9 and done["run_id"] == data["run_id"]
    assert [p["episode"] for p in recorder.named("training_progress")[-4:]] == [6, 7, 8, 9]
    api.wait_idle()
    assert api.get_json(f"/api/runs/{data['run_id']}")["parent"] == parent


def test_delete_publish_archive_and_history_are_409_while_the_scenario_trains(api, recorder):
    complete_run(api, recorder)
    earlier = recorder.named("training_started")[-1]["run_id"]
    running = start_run(api, num_episodes=5000)["run_id"]
    recorder.wait_for("training_progress", count=len(recorder.named("training_progress")) + 2)
    assert api.get_json(f"/api/runs/{running}")["status"] == "running"
    for response in (
        requests_delete(api, running),
        requests_delete(api, earlier),
        api.post(f"/api/runs/{earlier}/publish"),
    ):
        assert running in error(response, 409, "scenario_name")["message"]
    for saved in ("archive", "history"):  # not "ended before saving any": it has not ended
        assert "is still training" in error(api.get(f"/api/runs/{running}/{saved}"), 409, "run_id")["message"]
        paths = api.get_json("/api/openapi.json")["paths"]
        assert "409" in paths[f"/api/runs/{{run_id}}/{saved}"]["get"]["responses"]
    assert api.post("/api/training/stop").status_code == 200
    api.wait_idle()
    assert api.get_json(f"/api/runs/{running}")["status"] == "stopped"
    deleted = requests_delete(api, running)
    assert deleted.status_code == 200 and deleted.json()["data"]["published_run_id"] == earlier
    error(api.get(f"/api/runs/{running}"), 404)
    assert {m["scenario_name"]: m["run_id"] for m in api.get_json("/api/models")["models"]}[SCENARIO] == earlier


def test_a_cli_run_of_the_scenario_makes_start_409_naming_it(api):
    trainer = start_cli(
        "train", "--scenario", SCENARIO, "--episodes", "5000", "--models-dir", str(api.models_dir), "--quiet"
    )
    try:
        run_id = trainer.stdout.readline().split()[1]
        wait_until(lambda: is_locked(SCENARIO, api.models_dir), 120, "the CLI to take the scenario")
        body = error(api.post("/api/training/start", json=SHORT_RUN), 409, "scenario_name")
        assert run_id in body["message"]
        assert api.status()["is_training"] is False
        other = api.post("/api/training/start", json={**SHORT_RUN, "scenario_name": "milano_junior"})
        assert other.status_code == 202  # other scenarios train meanwhile
        api.wait_idle()
    finally:
        trainer.send_signal(signal.SIGKILL)
        trainer.wait(30)
    assert api.get_json(f"/api/runs/{run_id}")["status"] == "failed"
    assert api.post("/api/training/start", json=SHORT_RUN).status_code == 202
    api.wait_idle()


def test_two_servers_sharing_a_models_folder_never_train_one_scenario_together(api, live_servers):
    with live_servers.start(api.models_dir, async_mode=api.async_mode) as other:
        running = start_run(other, num_episodes=5000)["run_id"]
        try:
            wait_until(lambda: is_locked(SCENARIO, api.models_dir), 60, "the other server's child to hold the scenario")
            assert running in error(api.post("/api/training/start", json=SHORT_RUN), 409, "scenario_name")["message"]
        finally:
            other.ensure_idle()
        assert api.post("/api/training/start", json=SHORT_RUN).status_code == 202
        api.wait_idle()
