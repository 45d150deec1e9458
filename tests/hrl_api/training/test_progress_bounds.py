"""Bounded progress memory (ProgressLog) and ``max_points`` on the progress and history endpoints."""

from __future__ import annotations

import itertools
import json

import pytest

from hrl_api.training.progress_log import RECENT_RECORDS, SPARSE_RECORDS, ProgressLog
from tests.api_contract import assert_error, assert_progress_sequence
from tests.live_server import ASYNC_MODES, EventRecorder, LiveServer, wait_until

FINAL_EVENTS = ("training_completed", "training_stopped", "training_error")


def record(episode: int) -> dict:
    return {"episode": episode, "avg_reward": float(episode)}


def filled(count: int, recent: int, sparse: int) -> ProgressLog:
    log = ProgressLog(recent=recent, sparse=sparse)
    for episode in range(1, count + 1):
        log.append(record(episode))
    return log


def test_a_short_run_keeps_every_record():
    log = filled(50, recent=100, sparse=10)
    assert [r["episode"] for r in log.records()] == list(range(1, 51))
    assert [r["episode"] for r in log.records(since=45)] == [46, 47, 48, 49, 50]
    assert len(log) == 50 and log.latest == record(50)


def test_empty_log():
    log = ProgressLog()
    assert log.records() == [] and log.latest is None and len(log) == 0


@pytest.mark.parametrize("count", [101, 250, 1000, 100_000])
def test_a_long_run_keeps_the_recent_records_and_evenly_spread_older_ones(count):
    recent, sparse = 100, 40
    log = filled(count, recent, sparse)
    episodes = [r["episode"] for r in log.records()]
    assert len(episodes) <= recent + sparse
    assert episodes == sorted(set(episodes))
    assert episodes[0] == 1 and episodes[-1] == count and len(log) == count
    assert episodes[-recent:] == list(range(count - recent + 1, count + 1))
    older = episodes[:-recent]
    steps = {b - a for a, b in itertools.pairwise(older)}
    assert len(steps) <= 1, steps  # one stride: evenly spread
    # Thinned only as far as needed: at least half the cap is in use once the run outgrew it.
    assert len(older) >= min(count - recent, sparse // 2)
    assert log.records(since=count - 3) == [record(count - 2), record(count - 1), record(count)]


def test_the_log_refuses_a_cap_that_cannot_hold_both_ends():
    with pytest.raises(ValueError):
        ProgressLog(recent=0)
    with pytest.raises(ValueError):
        ProgressLog(sparse=1)


def test_progress_max_points_thins_evenly_keeping_first_and_last(server: LiveServer, recorder, scenario_name):
    response = server.post("/api/training/start", {"scenario_name": scenario_name, "num_episodes": 30})
    assert response.status_code == 202
    recorder.wait_for("training_completed", timeout=120)
    full = server.get_json("/api/training/progress")["progress"]
    assert_progress_sequence(full, 30)
    thinned = server.get_json("/api/training/progress?max_points=5")["progress"]
    assert [p["episode"] for p in thinned] == [1, 8, 15, 23, 30]
    assert thinned == [full[i] for i in (0, 7, 14, 22, 29)]
    after = server.get_json("/api/training/progress?since=20&max_points=3")["progress"]
    assert [p["episode"] for p in after] == [21, 25, 30]
    assert server.get_json("/api/training/progress?max_points=1000")["progress"] == full
    for bad in ("1", "0", "-3", "abc", "2.5", ""):
        assert_error(server.get(f"/api/training/progress?max_points={bad}"), 400, "max_points")


def test_history_max_points(server: LiveServer, scenario_name):
    progress = [{"episode": e, "total_episodes": 50, "avg_reward": float(e)} for e in range(1, 51)]
    history = {"scenario_name": scenario_name, "episodes_completed": 50, "progress": progress, "evaluations": [1, 2]}
    path = server.models_dir / f"{scenario_name}_history.json"
    saved = path.read_bytes() if path.exists() else None
    server.models_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(history))
    try:
        url = f"/api/models/{scenario_name}/history"
        assert server.get_json(url) == history
        thinned = server.get_json(url + "?max_points=4")
        assert [p["episode"] for p in thinned["progress"]] == [1, 17, 34, 50]
        assert {k: v for k, v in thinned.items() if k != "progress"} == {
            k: v for k, v in history.items() if k != "progress"
        }
        for bad in ("1", "x", "-1"):
            assert_error(server.get(f"{url}?max_points={bad}"), 400, "max_points")
        assert_error(server.get(f"{url}?points=3"), 400, "points")
    finally:
        if saved is None:
            path.unlink()
        else:
            path.write_bytes(saved)


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_a_trainer_faster_than_the_relay_loses_nothing(live_servers, async_mode, scenario_name):
    """The child blocks while the pipe is full (under eventlet its end was once non-blocking and
    the run ended early); the server keeps a bounded set of records."""
    with live_servers.start(async_mode=async_mode, HRL_TRAINER_ENTRY="tests.fake_trainers:burst") as server:
        client = EventRecorder(server.url, subscribe=False)
        try:
            episodes = 3000
            assert (
                server.post(
                    "/api/training/start", {"scenario_name": scenario_name, "num_episodes": episodes}
                ).status_code
                == 202
            )
            final = wait_until(lambda: [e for e in client.events if e[0] in FINAL_EVENTS], 240, "the final event")
            assert final[0][0] == "training_completed", final
            assert final[0][1]["episodes_completed"] == episodes
            # Every event arrives (python-socketio runs each handler in its own thread, so the recorded
            # order of a burst may differ by a place or two from the order sent).
            assert sorted(p["episode"] for p in client.named("training_progress")) == list(range(1, episodes + 1))
            kept = [p["episode"] for p in server.get_json("/api/training/progress")["progress"]]
            assert kept[0] == 1 and kept[-999:] == list(range(episodes - 998, episodes + 1))
            assert len(kept) <= RECENT_RECORDS + SPARSE_RECORDS and kept == sorted(set(kept))
            assert server.status()["current_episode"] == episodes
        finally:
            client.close()
