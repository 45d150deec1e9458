"""Time as every file and answer records it: UTC, ISO 8601 with its offset (`2026-12-07T21:40:05+00:00`)."""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST = datetime.min.replace(tzinfo=UTC)


def utc_now() -> datetime:
    """This moment, in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime, timespec: str = "seconds") -> str:
    """`moment` as ISO 8601 with its offset."""
    return moment.isoformat(timespec=timespec)


def now_iso(timespec: str = "seconds") -> str:
    """This moment in UTC, ISO 8601 with its offset."""
    return iso(utc_now(), timespec)


def moment_of(text: str | None) -> datetime:
    """The moment a recorded timestamp names, for sorting as time: one without an offset (written in local time
    before every writer used UTC) is read as local time; a missing or unreadable one sorts first."""
    if not text:
        return EARLIEST
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return EARLIEST
    return moment if moment.tzinfo else moment.astimezone()
