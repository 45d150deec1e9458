"""The run board's single-step state changes, on a real redis-server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hrl_api.cluster.local import RedisServer
from hrl_api.cluster.run_board import RunBoard
from hrl_api.training.progress_log import ProgressLog

RUN, OTHER = "bologna_coppia-20261201-000000-aaaa", "bologna_coppia-20261201-000001-bbbb"


@pytest.fixture(scope="module")
def board(redis_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunBoard]:
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    try:
        yield RunBoard(server.url)
    finally:
        server.stop()


@pytest.fixture
def clean(board: RunBoard) -> RunBoard:
    board.redis.flushdb()
    return board


def test_one_run_per_scenario_and_positions_in_line(clean: RunBoard) -> None:
    assert clean.enqueue(RUN, "bologna_coppia", total_episodes=10) == (True, 0)
    assert clean.enqueue(OTHER, "bologna_coppia", total_episodes=10) == (False, RUN)
    assert clean.enqueue("roma_famiglia-20261201-000000-cccc", "roma_famiglia") == (True, 1)
    assert [run["run_id"] for run in clean.active()] == [RUN, "roma_famiglia-20261201-000000-cccc"]
    assert clean.latest()["run_id"] == "roma_famiglia-20261201-000000-cccc"
    assert clean.run(RUN)["total_episodes"] == 10 and clean.run(RUN)["state"] == "queued"


def test_a_run_ends_once_and_a_cancelled_run_never_starts(clean: RunBoard) -> None:
    clean.enqueue(RUN, "bologna_coppia")
    assert clean.finish(RUN, "stopped", episodes_completed=0) is True
    assert clean.finish(RUN, "failed", error="late") is False  # someone else already ended it
    assert clean.mark_running(RUN, worker="w1") is False  # a cancelled (or redelivered) run is skipped
    run = clean.run(RUN)
    assert run["state"] == "stopped" and run.get("error") is None and clean.active() == []
    assert clean.enqueue(OTHER, "bologna_coppia") == (True, 0)  # the scenario is free again
    assert clean.redis.ttl(f"hrl:run:{RUN}") > 0  # a finished run expires


def test_a_run_that_beat_again_is_not_failed_for_an_old_heartbeat(clean: RunBoard) -> None:
    clean.enqueue(RUN, "bologna_coppia")
    assert clean.mark_running(RUN, worker="w1", heartbeat=0) is True
    clean.beat(RUN)
    assert clean.finish(RUN, "failed", heartbeat=0, error="looked dead") is False
    assert clean.finish(RUN, "failed", heartbeat=1, error="dead") is True
    assert clean.run(RUN)["error"] == "dead"


def test_progress_mirror_matches_the_progress_log_through_thinnings(clean: RunBoard) -> None:
    log, mirrored, thinnings = ProgressLog(recent=5, sparse=4), 0, 0
    for episode in range(1, 60):
        record = {"episode": episode}
        log.append(record)
        sparse = log.sparse_records()
        rewritten = log.thinnings != thinnings
        clean.record_progress(RUN, record, sparse if rewritten else sparse[mirrored:], rewritten)
        mirrored, thinnings = len(sparse), log.thinnings
    assert log.thinnings >= 2
    # The board keeps the latest RECENT_RECORDS (1000) in full: here all of them, after the sparse ones.
    kept = [record["episode"] for record in clean.progress(RUN)]
    assert kept[: len(log.sparse_records())] == [record["episode"] for record in log.sparse_records()]
    assert kept[-5:] == [55, 56, 57, 58, 59]
    assert clean.run(RUN)["latest_progress"] == {"episode": 59}


def test_worker_slots_add_up_and_expire(clean: RunBoard) -> None:
    clean.register_worker("w1@host", 2)
    clean.register_worker("w2@host", 1)
    assert clean.worker_slots() == 3
    clean.unregister_worker("w1@host")
    assert clean.worker_slots() == 1
    assert 0 < clean.redis.ttl("hrl:worker:w2@host") <= 10
