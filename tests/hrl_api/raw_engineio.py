"""Engine.IO long-polling by hand, to send packets no well-behaved client would."""

from __future__ import annotations

import json

import requests

from tests.live_server import LiveServer

ENGINEIO = "/socket.io/"


def open_session(server: LiveServer) -> dict[str, str]:
    """Open a polling session and connect it to the default namespace; returns its query params."""
    opened = server.get(ENGINEIO, params={"EIO": "4", "transport": "polling"})
    params = {"EIO": "4", "transport": "polling", "sid": json.loads(opened.text[1:])["sid"]}
    assert post_packet(server, params, "40") == 200
    return params


def post_packet(server: LiveServer, params: dict[str, str], packet: str) -> int | None:
    """The POST's status, or None when engine.io holds the request: closing a session over a bad
    packet, it waits for the client's next poll (python-engineio's behaviour, not a server stall)."""
    try:
        return requests.post(server.url + ENGINEIO, params=params, data=packet.encode(), timeout=2).status_code
    except requests.ReadTimeout:
        return None


def leave_a_request_hanging(server: LiveServer) -> None:
    """Make one server-side request wait for good (until the process exits)."""
    assert post_packet(server, open_session(server), "9") is None  # unknown packet type
