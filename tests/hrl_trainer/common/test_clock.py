"""Every timestamp is UTC ISO 8601 with its offset, and runs are sorted as time, not as strings."""

from __future__ import annotations

from datetime import UTC, datetime

from hrl_trainer.common.clock import EARLIEST, moment_of, now_iso
from hrl_trainer.store.runs import newest_first


def test_now_is_utc_with_its_offset():
    text = now_iso()
    assert text.endswith("+00:00") and len(text) == len("2026-12-07T21:40:05+00:00")
    assert abs((datetime.fromisoformat(text) - datetime.now(UTC)).total_seconds()) < 5
    assert now_iso("milliseconds").endswith("+00:00") and "." in now_iso("milliseconds")


def test_timestamps_are_read_as_moments_old_local_ones_included():
    assert moment_of("2026-01-01T12:00:00+02:00") == moment_of("2026-01-01T10:00:00+00:00")
    naive = "2026-01-01T10:00:00"  # written in local time before every writer used UTC
    assert moment_of(naive) == datetime.fromisoformat(naive).astimezone()
    assert moment_of(None) == moment_of("") == moment_of("not a time") == EARLIEST


def test_runs_are_listed_newest_first_as_time():
    runs = [
        {"run_id": "a-1", "started_at": "2026-01-01T11:30:00+02:00"},  # 09:30 UTC: a string sort puts it first
        {"run_id": "a-2", "started_at": "2026-01-01T10:00:00+00:00"},
        {"run_id": "a-3", "started_at": None, "queued_at": "2026-01-01T10:00:01+00:00"},
    ]
    assert [run["run_id"] for run in newest_first(runs)] == ["a-3", "a-2", "a-1"]
