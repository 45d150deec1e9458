"""Service endpoints: the dashboard page and /api/health."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from jinja2 import TemplateNotFound

from hrl_api.core.extensions import socketio
from hrl_api.training.protocol import get_supervisor

system_bp = Blueprint("system", __name__)


@system_bp.get("/")
def index():
    """The dashboard (templates/index.html), or a pointer to the API when it is absent."""
    try:
        return render_template("index.html")
    except TemplateNotFound:
        return jsonify({"message": "HRL Finance Training API", "openapi": "/api/openapi.json"})


@system_bp.get("/api/health")
def health():
    """Liveness, the async mode and the training mode in use (and, in cluster mode, the broker and workers).
    ---
    get:
      tags: [system]
      summary: Health check
      responses:
        200:
          description: The service is up
          content:
            application/json:
              schema: Health
    """
    supervisor = get_supervisor()
    return jsonify(
        {
            "status": "ok",
            "async_mode": socketio.async_mode,
            "is_training": supervisor.is_training,
            **supervisor.health(),
        }
    )
