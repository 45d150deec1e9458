"""What the trainer reports beside episodes, relayed by a real server (issue 22): `training_diagnostics` events,
`phase` in the progress events and the status (the record before an evaluation says so at once, even when progress
is throttled), and `publication` in the final event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api_contract import EVENTS, STATUS, assert_fields
from tests.live_server import ASYNC_MODES, EventRecorder, LiveServer, wait_until
from tests.news_trainers import EPISODES, HELD_OUT

RUN = {"scenario_name": "torino_single", "num_episodes": 10}


@pytest.fixture(scope="module", params=ASYNC_MODES)
def news_server(request, live_servers) -> Iterator[LiveServer]:
    with live_servers.start(async_mode=request.param, HRL_TRAINER_ENTRY="tests.news_trainers:evaluates") as server:
        yield server


@pytest.fixture(scope="module")
def throttled_server(live_servers) -> Iterator[LiveServer]:
    with live_servers.start(
        HRL_TRAINER_ENTRY="tests.news_trainers:evaluates", HRL_PROGRESS_MIN_INTERVAL="60"
    ) as server:
        yield server


def started(server: LiveServer, recorder: EventRecorder) -> str:
    response = server.post("/api/training/start", json=RUN)
    assert response.status_code == 202, response.text
    return response.json()["data"]["run_id"]


def test_diagnostics_phase_and_publication_reach_clients_and_the_status(news_server):
    recorder = EventRecorder(news_server.url)
    try:
        run_id = started(news_server, recorder)
        progress = recorder.wait_for("training_progress", count=EPISODES)
        assert [(p["episode"], p["phase"]) for p in progress] == [
            (1, "training"),
            (2, "training"),
            (3, "training"),
            (4, "evaluating"),
        ]
        assert progress[-1]["phase_detail"] == HELD_OUT and progress[0]["phase_detail"] is None
        status = wait_until(lambda: (s := news_server.status())["phase"] == "evaluating" and s, 30, "the phase")
        assert_fields(status, STATUS)
        assert status["phase_detail"] == HELD_OUT and status["latest_progress"] == progress[-1]
        assert news_server.get_json("/api/training/progress")["progress"] == progress

        diagnostics = recorder.wait_for("training_diagnostics", count=2 * EPISODES)
        for event in diagnostics:
            assert_fields(event, EVENTS["training_diagnostics"])
            assert (event["run_id"], event["scenario_name"]) == (run_id, RUN["scenario_name"])
        assert [(d["agent"], d["update"]) for d in diagnostics] == [
            (agent, update) for update in range(1, EPISODES + 1) for agent in ("strategist", "executor")
        ]
        assert diagnostics[0]["explained_variance"] is None and diagnostics[-1]["explained_variance"] == 0.25

        assert news_server.post("/api/training/stop").status_code == 200
        stopped = recorder.wait_for("training_stopped")[0]
        assert_fields(stopped, EVENTS["training_stopped"])
        assert stopped["publication"]["run_id"] == run_id and stopped["publication"]["reason"] == "stopped"
        after = news_server.status()
        assert (after["outcome"], after["phase"], after["phase_detail"]) == ("stopped", None, None)
    finally:
        recorder.close()
        news_server.ensure_idle()


def test_the_record_before_an_evaluation_and_each_agents_last_update_pass_any_throttle(throttled_server):
    recorder = EventRecorder(throttled_server.url)
    try:
        started(throttled_server, recorder)
        progress = recorder.wait_for("training_progress", count=2)
        assert [(p["episode"], p["phase"]) for p in progress] == [(1, "training"), (4, "evaluating")]
        assert throttled_server.post("/api/training/stop").status_code == 200
        recorder.wait_for("training_stopped")
        names = [name for name in recorder.names() if name.startswith("training_") and name != "training_status"]
        diagnostics = [(d["agent"], d["update"]) for d in recorder.named("training_diagnostics")]
        assert diagnostics == [("strategist", 1), ("executor", 1), ("strategist", 4), ("executor", 4)]
        assert names[-3:] == ["training_diagnostics", "training_diagnostics", "training_stopped"]
        assert len(recorder.named("training_progress")) == 2
    finally:
        recorder.close()
        throttled_server.ensure_idle()
