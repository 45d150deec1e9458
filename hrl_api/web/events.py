"""Socket.IO events on the default namespace."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, SocketIO, emit, join_room, leave_room, rooms
from marshmallow import ValidationError

from hrl_api.core.access import token_accepted
from hrl_api.schemas.training import subscribe_filter
from hrl_api.training.events import EVERYONE, run_room, scenario_room
from hrl_api.training.protocol import get_supervisor


def on_connect(auth: Any = None) -> None:
    """Refuse a client without the API token (when one is set); greet the others with their session id.
    Every client receives every run's training events until it subscribes with a filter."""
    if not token_accepted(auth.get("token") if isinstance(auth, dict) else None):
        raise ConnectionRefusedError("Missing or invalid API token: connect with auth={'token': ...}", {"status": 401})
    join_room(EVERYONE)
    emit("connection_established", {"message": "Connected to training updates", "sid": request.sid})


def on_subscribe_training(data: Any = None) -> dict[str, Any]:
    """Answer at once with the status, so a late client catches up; with a filter (``{"run_id"}`` or
    ``{"scenario_name"}``) receive only that run's or scenario's training events from now on.

    Training events go to every connected client whether it subscribed or not; without a filter this
    is a confirmation (and undoes an earlier filter). The status (of the filtered run or scenario, if
    any) goes out as a ``training_status`` event and as the acknowledgement. A bad filter is answered
    with ``{"message", "errors"}`` and changes nothing.
    """
    try:
        wanted = subscribe_filter.load(data if isinstance(data, dict) else {})
    except ValidationError as exc:
        return {"message": "Invalid subscription filter", "errors": exc.messages}
    for room in rooms():
        if room.startswith("training:"):
            leave_room(room)
    if wanted.get("run_id"):
        join_room(run_room(wanted["run_id"]))
    elif wanted.get("scenario_name"):
        join_room(scenario_room(wanted["scenario_name"]))
    else:
        join_room(EVERYONE)
    status = get_supervisor().status(
        wanted.get("run_id"), None if wanted.get("run_id") else wanted.get("scenario_name")
    )
    emit("training_status", status)
    return status


def register_socket_events(socketio: SocketIO) -> None:
    """Attach the handlers above to ``socketio`` (default namespace)."""
    socketio.on_event("connect", on_connect)
    socketio.on_event("subscribe_training", on_subscribe_training)
