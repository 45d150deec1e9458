"""The server's log: one line per request, whatever the client puts in its path, never a control character."""

from __future__ import annotations

import logging
import re
import sys

import pytest

from hrl_api.core.logs import LOG_FORMAT, OneLineFormatter
from tests.live_server import ASYNC_MODES

HOSTILE_TARGETS = {
    "line feed": "/api/scenarios/{tag}%0aINFO%20Run%20completed:%20FORGED",
    "carriage return": "/api/scenarios/{tag}%0d%0aWARNING%20forged",
    "escape code": "/api/scenarios/{tag}%1b[31mred%1b[0m",
    "NUL": "/api/scenarios/{tag}%00nul",
    "Unicode line breaks": "/api/scenarios/{tag}%e2%80%a8%c2%85%0b%0c",
    "10 kB": "/api/scenarios/{tag}" + "a" * 10_000,
    "query": "/api/health?{tag}=%0a%1b",
}
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO 127\.0\.0\.1 \"GET /api/")


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_one_request_is_one_log_line_without_control_characters(live_servers, async_mode):
    with live_servers.start(async_mode=async_mode) as server:
        for number, target in enumerate(HOSTILE_TARGETS.values()):
            response = server.get(target.format(tag=f"request{number}-"))
            assert response.status_code in (200, 400, 404) and response.json(), response.text
        assert server.get("/api/scenarios/torino_single").status_code == 200
    lines = server.log_path.read_bytes().decode("utf-8").splitlines()  # splits at \r, \x0b, \x85, \u2028 too
    assert [line for line in lines if not line.isprintable()] == []
    for number, kind in enumerate(HOSTILE_TARGETS):
        logged = [line for line in lines if f"request{number}-" in line]
        assert len(logged) == 1 and RECORD_START.match(logged[0]), (kind, logged)
        assert len(logged[0]) < 2200, kind  # a long path is cut
    assert not [line for line in lines if "forged" in line.lower() and not RECORD_START.match(line)]
    assert any('"GET /api/scenarios/request0-\\nINFO Run completed: FORGED" 400 ' in line for line in lines)
    assert any('"GET /api/scenarios/torino_single" 200 ' in line for line in lines)  # a plain path reads as it is


def test_a_traceback_follows_its_one_line_record_indented():
    try:
        raise ValueError("bad\nINFO Run completed: forged")
    except ValueError:
        record = logging.LogRecord(
            "hrl_api", logging.ERROR, __file__, 1, "Failed: %s", ("a\x1bb\nc\x00",), sys.exc_info()
        )
    first, *traceback = OneLineFormatter(LOG_FORMAT).format(record).split("\n")
    assert first.endswith(" ERROR Failed: a\\x1bb\\nc\\x00")
    assert traceback[-2:] == ["    ValueError: bad", "    INFO Run completed: forged"]
    assert all(line.startswith("    ") and line.isprintable() for line in traceback)
