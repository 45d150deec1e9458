"""Listening: the check made before the server starts, and the server itself."""

from __future__ import annotations

import errno
import socket
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_socketio import SocketIO


MAX_REQUEST_LINE = 65536
"""Longest request line served, as Werkzeug's server (threading mode) allows; eventlet's own limit, 8 kB, would
answer a longer one 414 in plain text before the app (and its log) sees it."""
EVENT_DELIVERY_SECONDS = 2.0
"""How long an exiting server waits for its clients' transports to take the events emitted so far."""


class PortUnavailable(Exception):
    """The server cannot listen on the requested address; the message says why."""


def ensure_port_free(host: str, port: int) -> None:
    """Raise PortUnavailable when ``host:port`` cannot be bound, e.g. another server listens there.

    eventlet listens with ``SO_REUSEPORT``, so a second server on a busy port would start silently
    and share the port with the first (requests then split at random between the two). A probe
    bound without ``SO_REUSEPORT`` (with ``SO_REUSEADDR``, as both servers set it, so a closed
    connection in TIME_WAIT does not count) fails while anyone listens on the port.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortUnavailable(
                    f"port {port} is already in use (on {host}): stop the other server or choose another --port"
                ) from exc
            raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def serve(socketio: SocketIO, app: Flask, host: str, port: int) -> None:
    """Serve ``app`` on ``host:port`` until the process ends.

    In eventlet mode the listening socket is made here rather than by ``socketio.run``, for two
    reasons: without ``SO_REUSEPORT``, so that a second server can never share a busy port, and with
    ``TCP_NODELAY`` (inherited by every accepted connection), since eventlet's server writes the
    headers and the body of an answer separately and Nagle's algorithm then holds the body back
    until the client's delayed ACK, about 40 ms for any answer over a few kB. Threading mode uses
    Werkzeug's server through ``socketio.run``.
    """
    if socketio.async_mode != "eventlet":
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
        return
    import eventlet
    import eventlet.wsgi

    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family, reuse_port=False)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    eventlet.wsgi.server(listener, app, log_output=False, url_length_limit=MAX_REQUEST_LINE)


def deliver_emitted_events(socketio: SocketIO, timeout: float = EVENT_DELIVERY_SECONDS) -> None:
    """Wait until every client's transport has taken the events emitted so far (a run's final event, say),
    so that a server exiting right after does not lose them; at most ``timeout`` s, for a client polling
    over HTTP that never comes back for its events.

    Each Engine.IO connection has a queue of packets to send that its transport (a websocket writer, or
    the client's next poll) empties; a websocket's writer sends what it takes at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
        client.queue.unfinished_tasks for client in list(socketio.server.eio.sockets.values())
    ):
        socketio.sleep(0.01)
    socketio.sleep(0.01)  # a writer thread (threading mode) that has just taken its packets sends them now
