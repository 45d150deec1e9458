"""Checks made before the server starts listening."""
from __future__ import annotations

import errno
import socket


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
                raise PortUnavailable(f"port {port} is already in use (on {host}): stop the other server "
                                      "or choose another --port") from exc
            raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
