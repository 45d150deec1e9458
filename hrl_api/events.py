"""Socket.IO events on the default namespace."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, SocketIO, emit, join_room

from hrl_api.access import token_accepted
from hrl_api.extensions import get_supervisor
from hrl_api.supervisor import TRAINING_ROOM


def on_connect(auth: Any = None) -> None:
    """Refuse a client without the API token (when one is set); greet the others with their session id."""
    if not token_accepted(auth.get("token") if isinstance(auth, dict) else None):
        raise ConnectionRefusedError("Missing or invalid API token: connect with auth={'token': ...}", {"status": 401})
    emit("connection_established", {"message": "Connected to training updates", "sid": request.sid})


def on_subscribe_training(_data: Any = None) -> dict[str, Any]:
    """Join the training room and answer at once with the status, so late clients catch up.

    The status goes out as a ``training_status`` event and as the acknowledgement.
    """
    join_room(TRAINING_ROOM)
    status = get_supervisor().status()
    emit("training_status", status)
    return status


def register_socket_events(socketio: SocketIO) -> None:
    """Attach the handlers above to ``socketio`` (default namespace)."""
    socketio.on_event("connect", on_connect)
    socketio.on_event("subscribe_training", on_subscribe_training)
