"""Socket.IO events on the default namespace."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, SocketIO, emit

from hrl_api.access import token_accepted
from hrl_api.extensions import get_supervisor


def on_connect(auth: Any = None) -> None:
    """Refuse a client without the API token (when one is set); greet the others with their session id."""
    if not token_accepted(auth.get("token") if isinstance(auth, dict) else None):
        raise ConnectionRefusedError("Missing or invalid API token: connect with auth={'token': ...}", {"status": 401})
    emit("connection_established", {"message": "Connected to training updates", "sid": request.sid})


def on_subscribe_training(_data: Any = None) -> dict[str, Any]:
    """Answer at once with the current status, so a late client catches up.

    Training events go to every connected client whether it subscribed or not; this is a
    confirmation. The status goes out as a ``training_status`` event and as the acknowledgement.
    """
    status = get_supervisor().status()
    emit("training_status", status)
    return status


def register_socket_events(socketio: SocketIO) -> None:
    """Attach the handlers above to ``socketio`` (default namespace)."""
    socketio.on_event("connect", on_connect)
    socketio.on_event("subscribe_training", on_subscribe_training)
