"""Cluster mode end to end: real redis-server, two real Celery workers, two real web processes."""

from __future__ import annotations

import signal
import time

from hrl_api.cluster.local import Part, worker_command
from tests.hrl_api.cluster.harness import HEARTBEAT_TIMEOUT, Cluster
from tests.live_server import assert_events_match, wait_until

SCENARIOS = ("bologna_coppia", "milano_junior", "milano_senior", "roma_famiglia")
FINAL_EVENTS = ("training_completed", "training_stopped", "training_error")


def run_events(recorder, run_id: str) -> list[tuple[str, dict]]:
    return [
        (name, data) for name, data in list(recorder.events) if isinstance(data, dict) and data.get("run_id") == run_id
    ]


def finals(recorder, run_id: str) -> list[tuple[str, dict]]:
    return [(name, data) for name, data in run_events(recorder, run_id) if name in FINAL_EVENTS]


def test_four_runs_two_start_two_queue_and_web_b_hears_every_event_in_order(idle_cluster: Cluster) -> None:
    cluster = idle_cluster
    everything = cluster.recorder(cluster.b)
    junior_only = cluster.recorder(cluster.a, scenario_name="milano_junior")
    # The second run is the longest, so the first run's worker frees first and takes the first queued run;
    # the second queued run starts only when one of those ends, well after (the fake trainer: 0.05 s an episode).
    episodes = dict(zip(SCENARIOS, (30, 80, 30, 30)))
    started = [cluster.start_run(scenario, episodes[scenario]) for scenario in SCENARIOS]

    assert [data["status"] for data in started] == ["started", "started", "queued", "queued"]
    listed = cluster.b.get_json("/api/runs?status=queued")
    assert {run["run_id"] for run in started[2:]} <= {run["run_id"] for run in listed["runs"]}
    duplicate = cluster.a.post("/api/training/start", json={"scenario_name": SCENARIOS[2], "num_episodes": 5})
    assert duplicate.status_code == 409 and "scenario_name" in duplicate.json()["errors"]
    assert cluster.b.status()["run_id"] == started[-1]["run_id"]  # the most recently started run

    wait_until(lambda: all(finals(everything, data["run_id"]) for data in started), 120, "four final events on B")
    for data in started:
        names = [name for name, _ in run_events(everything, data["run_id"])]
        queued = ["training_queued"] if data["status"] == "queued" else []
        count = episodes[data["scenario_name"]]
        assert names == [*queued, "training_started", *["training_progress"] * count, "training_completed"]
        episodes_seen = [
            event["episode"] for name, event in run_events(everything, data["run_id"]) if name == "training_progress"
        ]
        assert episodes_seen == list(range(1, count + 1))
    start_order = [data["run_id"] for name, data in everything.events if name == "training_started"]
    assert start_order.index(started[2]["run_id"]) < start_order.index(started[3]["run_id"])  # queued in order
    assert {
        data["run_id"]
        for name, data in junior_only.events
        if name.startswith("training_") and name != "training_status"
    } == {started[1]["run_id"]}  # milano_junior's run only
    assert len(junior_only.named("training_progress")) == episodes["milano_junior"]
    assert cluster.b.status()["state"] == "completed"
    progress = cluster.b.get_json("/api/training/progress?since=25")
    assert [record["episode"] for record in progress["progress"]] == [26, 27, 28, 29, 30]
    assert cluster.a.get_json("/api/runs?status=running")["total"] == 0
    assert "training_queued" in assert_events_match(cluster.b, everything)  # every payload as documented
    everything.close()
    junior_only.close()


def test_the_runs_listing_and_the_status_agree_with_the_start_answers(idle_cluster: Cluster) -> None:
    """A run answered "started" is listed running at once (not queued until its worker picks it up), a run
    answered "queued" is listed queued; the status of the latest run says the same."""
    cluster = idle_cluster
    runs = []
    for scenario in SCENARIOS[:3]:
        runs.append(cluster.start_run(scenario, 2000))
        listed = {
            status: [run["run_id"] for run in cluster.b.get_json(f"/api/runs?status={status}")["runs"]]
            for status in ("running", "queued")
        }
        answered = {
            status: [run["run_id"] for run in runs if run["status"] == status] for status in ("started", "queued")
        }
        assert sorted(listed["running"]) == sorted(answered["started"]), (listed, answered)
        assert listed["queued"] == answered["queued"], (listed, answered)
        assert cluster.a.status()["state"] == {"started": "running", "queued": "queued"}[runs[-1]["status"]]
    assert [run["status"] for run in runs] == ["started", "started", "queued"]


def test_stop_a_queued_run_and_a_running_one(idle_cluster: Cluster) -> None:
    cluster = idle_cluster
    recorder = cluster.recorder(cluster.b)
    runs = [cluster.start_run(scenario, 2000) for scenario in SCENARIOS[:3]]
    assert [data["status"] for data in runs] == ["started", "started", "queued"]

    for saved in ("archive", "history"):  # nothing saved yet, not even a folder: not a 404
        answer = cluster.b.get(f"/api/runs/{runs[2]['run_id']}/{saved}")
        assert answer.status_code == 409 and "is queued" in answer.json()["errors"]["run_id"][0], answer.text
    several = cluster.a.post("/api/training/stop")
    assert several.status_code == 400 and "run_id" in several.json()["errors"]
    queued = cluster.b.post("/api/training/stop", json={"run_id": runs[2]["run_id"]})
    assert queued.status_code == 200, queued.text
    assert queued.json()["data"]["status"] == "stopped" and queued.json()["data"]["episodes_completed"] == 0
    wait_until(lambda: finals(recorder, runs[2]["run_id"]), 30, "training_stopped of the queued run")
    assert [name for name, _ in run_events(recorder, runs[2]["run_id"])] == ["training_queued", "training_stopped"]

    cluster.wait_state(runs[0]["run_id"], "running")
    wait_until(
        lambda: (cluster.board.run(runs[0]["run_id"]) or {}).get("episodes_completed", 0) >= 3, 60, "a few episodes"
    )
    stopped = cluster.a.post("/api/training/stop", json={"run_id": runs[0]["run_id"]})
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["data"]["status"] == "stopped" and stopped.json()["data"]["episodes_completed"] >= 3
    wait_until(lambda: finals(recorder, runs[0]["run_id"]), 30, "training_stopped of the running run")
    assert finals(recorder, runs[0]["run_id"])[0][0] == "training_stopped"
    # The queued run's scenario is free again, and the cancelled run never trains.
    again = cluster.start_run(SCENARIOS[2], 5)
    wait_until(lambda: finals(recorder, again["run_id"]), 60, "the restarted scenario's run")
    assert cluster.board.run(runs[2]["run_id"])["state"] == "stopped"
    assert not [name for name, _ in run_events(recorder, runs[2]["run_id"]) if name == "training_started"]
    recorder.close()


def test_a_worker_killed_mid_run_fails_the_run_once_and_frees_its_scenario(idle_cluster: Cluster) -> None:
    cluster = idle_cluster
    recorder = cluster.recorder(cluster.b)
    run, worker = cluster.training(SCENARIOS[1], 2000, recorder)
    worker.signal_all(signal.SIGKILL)  # the worker, its training process: a lost machine
    killed = time.monotonic()

    wait_until(lambda: finals(recorder, run["run_id"]), HEARTBEAT_TIMEOUT + 30, "training_error")
    name, payload = finals(recorder, run["run_id"])[0]
    assert name == "training_error" and "stopped answering" in payload["details"]
    assert payload["scenario_name"] == SCENARIOS[1]
    assert_events_match(cluster.a, recorder)
    assert time.monotonic() - killed < HEARTBEAT_TIMEOUT + 30
    time.sleep(HEARTBEAT_TIMEOUT)  # both web processes watch: still one final event
    assert len(finals(recorder, run["run_id"])) == 1
    status = cluster.a.get_json("/api/training/status")
    assert status["state"] == "failed" and status["run_id"] == run["run_id"]
    # Not retried: the run stays failed, and its scenario trains again on the other worker.
    again = cluster.start_run(SCENARIOS[1], 5)
    wait_until(lambda: finals(recorder, again["run_id"]), 60, "a new run of the same scenario")
    assert finals(recorder, again["run_id"])[0][0] == "training_completed"
    assert cluster.board.run(run["run_id"])["state"] == "failed"
    recorder.close()


def test_redis_restarting_mid_run(idle_cluster: Cluster) -> None:
    cluster = idle_cluster
    recorder = cluster.recorder(cluster.b)
    episodes = 200  # about 10 s: several times the broker's outage below (a second or two)
    run = cluster.start_run(SCENARIOS[3], episodes)
    cluster.wait_state(run["run_id"], "running")
    wait_until(lambda: len(recorder.named("training_progress")) >= 5, 30, "progress before the restart")

    cluster.redis.stop()
    for server in (cluster.a, cluster.b):
        health = server.get("/api/health")
        assert health.status_code == 200 and health.json()["broker"] == "down"
        status = server.get("/api/training/status")
        assert status.status_code == 503 and status.json()["errors"]
    seen_before = len(recorder.named("training_progress"))
    cluster.redis.start()

    wait_until(lambda: cluster.a.get_json("/api/health")["broker"] == "up", 30, "the broker back")
    wait_until(lambda: finals(recorder, run["run_id"]), 90, "the run's final event after the restart")
    assert finals(recorder, run["run_id"])[0][0] == "training_completed"
    seen = [data["episode"] for data in recorder.named("training_progress") if data["run_id"] == run["run_id"]]
    assert len(seen) > seen_before and seen == sorted(seen) and seen[-1] == episodes
    assert cluster.b.status()["state"] == "completed"
    recorder.close()


def test_a_worker_shut_down_stops_its_run_the_graceful_way_and_leaves_the_queue_alone(idle_cluster: Cluster) -> None:
    cluster = idle_cluster
    recorder = cluster.recorder(cluster.a)
    run, worker = cluster.training(SCENARIOS[0], 2000, recorder)
    other = cluster.start_run(SCENARIOS[1], 2000)
    queued = cluster.start_run(SCENARIOS[2], 2000)
    assert queued["status"] == "queued"
    worker.process.send_signal(signal.SIGTERM)  # celery's warm shutdown
    wait_until(lambda: finals(recorder, run["run_id"]), 60, "the run's final event")
    name, payload = finals(recorder, run["run_id"])[0]
    assert name == "training_stopped" and 0 < payload["episodes_completed"] < 2000
    assert worker.process.wait(60) == 0
    # The queued run stays queued for the other worker, which takes it once its own run has ended.
    assert cluster.board.run(queued["run_id"])["state"] == "queued"
    assert [r["run_id"] for r in cluster.b.get_json("/api/runs?status=queued")["runs"]] == [queued["run_id"]]
    assert cluster.a.post("/api/training/stop", json={"run_id": other["run_id"]}).status_code == 200
    cluster.wait_state(queued["run_id"], "running")
    recorder.close()


def test_a_worker_with_a_progress_interval_sends_the_first_and_the_last_progress(idle_cluster: Cluster) -> None:
    """HRL_PROGRESS_MIN_INTERVAL on a worker throttles its runs' progress events as the embedded server's
    (the last one always sent, before the final event); the API still has every record."""
    cluster = idle_cluster
    for name in cluster.workers:
        cluster.workers[name].stop()
    throttled = Part(
        worker_command("w9"), cluster.root / "w9.log", {**cluster.workers["w1"].env, "HRL_PROGRESS_MIN_INTERVAL": "60"}
    )
    cluster.workers["w9"] = throttled
    try:
        cluster.start_worker("w9")
        recorder = cluster.recorder(cluster.b)
        run = cluster.start_run("torino_single", 20)
        wait_until(lambda: finals(recorder, run["run_id"]), 60, "the run's final event")
        events = run_events(recorder, run["run_id"])
        assert [name for name, _ in events] == [
            "training_started",
            "training_progress",
            "training_progress",
            "training_completed",
        ]
        assert [data["episode"] for name, data in events if name == "training_progress"] == [1, 20]
        progress = cluster.b.get_json("/api/training/progress")  # the latest run's
        assert progress["run_id"] == run["run_id"]
        assert [record["episode"] for record in progress["progress"]] == list(range(1, 21))
        recorder.close()
    finally:
        throttled.stop()
        del cluster.workers["w9"]
        for key in cluster.board.redis.scan_iter("hrl:worker:w9@*"):
            cluster.board.redis.delete(key)
