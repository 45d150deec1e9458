"""Flask extensions, created unbound and bound to an app in the factory."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_socketio import SocketIO

if TYPE_CHECKING:
    from hrl_api.supervisor import TrainingSupervisor

socketio = SocketIO()

SUPERVISOR_KEY = "hrl_training_supervisor"


def get_supervisor() -> TrainingSupervisor:
    """The current app's training supervisor."""
    return current_app.extensions[SUPERVISOR_KEY]
