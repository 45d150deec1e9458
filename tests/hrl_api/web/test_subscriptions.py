"""Subscription filters and naming the run to stop, in embedded mode (both async modes).

Cluster mode, where several runs train at once, is covered by tests/hrl_api/cluster."""

from __future__ import annotations

from tests.api_contract import assert_error
from tests.live_server import EventRecorder, wait_until

OTHER_RUN = "bologna_coppia-20990101-000000-abcd"
TRAINING_EVENTS = ("training_started", "training_progress", "training_completed")


def subscribed(server, **subscription) -> tuple[EventRecorder, dict]:
    client = EventRecorder(server.url, subscribe=False)
    answer = client.client.call("subscribe_training", subscription, timeout=10)
    return client, answer


def training_events(client: EventRecorder) -> list[str]:
    return [name for name in client.names() if name in TRAINING_EVENTS]


def test_filters_choose_which_runs_a_client_hears(server, scenario_name):
    everyone = EventRecorder(server.url, subscribe=False)  # never subscribes: hears everything
    same_scenario, answer = subscribed(server, scenario_name=scenario_name)
    assert answer["state"] in (None, "completed", "stopped", "failed")
    other_run, answer = subscribed(server, run_id=OTHER_RUN)
    assert answer["run_id"] is None and answer["is_training"] is False  # not the last run: the idle body
    other_scenario, _ = subscribed(server, scenario_name="no_such_household")
    back_to_all, _ = subscribed(server, scenario_name="no_such_household")
    assert back_to_all.client.call("subscribe_training", {}, timeout=10)["is_training"] is False
    try:
        response = server.post("/api/training/start", json={"scenario_name": scenario_name, "num_episodes": 3})
        assert response.status_code == 202
        run_id = response.json()["data"]["run_id"]
        for client in (everyone, same_scenario, back_to_all):
            client.wait_for("training_completed")
            assert training_events(client) == ["training_started", *["training_progress"] * 3, "training_completed"]
            assert {data["run_id"] for name, data in client.events if name in TRAINING_EVENTS} == {run_id}
        assert training_events(other_run) == [] and training_events(other_scenario) == []
        only_this_run, answer = subscribed(server, run_id=run_id)
        assert answer["run_id"] == run_id and answer["state"] == "completed"
        only_this_run.close()
    finally:
        for client in (everyone, same_scenario, other_run, other_scenario, back_to_all):
            client.close()


def test_a_bad_filter_is_answered_with_errors_and_changes_nothing(server):
    client, answer = subscribed(server, run_id=5)
    try:
        assert answer["message"] == "Invalid subscription filter" and "run_id" in answer["errors"]
        assert client.named("training_status") == []
    finally:
        client.close()


def test_stop_names_the_run_or_is_a_clear_400(server, recorder, scenario_name):
    assert_error(server.post("/api/training/stop", data=b"not json", headers={"Content-Type": "application/json"}), 400)
    assert "run_id" in server.post("/api/training/stop", json={"run_id": "nope"}).json()["errors"]
    response = server.post("/api/training/start", json={"scenario_name": scenario_name, "num_episodes": 5000})
    assert response.status_code == 202
    run_id = response.json()["data"]["run_id"]
    recorder.wait_for("training_progress")
    wrong = server.post("/api/training/stop", json={"run_id": OTHER_RUN})
    assert_error(wrong, 400)
    assert run_id in wrong.json()["errors"]["run_id"][0]
    assert server.status()["is_training"] is True
    stopped = server.post("/api/training/stop", json={"run_id": run_id})
    assert stopped.status_code == 200 and stopped.json()["data"]["run_id"] == run_id
    wait_until(lambda: recorder.named("training_stopped"), 30, "training_stopped")
