"""Service endpoints: the dashboard page, /api/health and /api/settings."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from jinja2 import TemplateNotFound

from hrl_api.core.extensions import socketio
from hrl_api.schemas.settings import SETTINGS
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


@system_bp.get("/api/settings")
def settings():
    """The defaults and bounds of every form's fields: what the API accepts, for a page to offer.
    ---
    get:
      tags: [system]
      summary: Defaults and bounds of the forms' fields
      description: The run settings (POST /api/training/start), a simulation's and advice's options and a
        household's figures, each with the default the API takes when it is left out and its inclusive bounds,
        read from the schemas that validate those requests. The dashboard's forms take them from here.
      responses:
        200:
          description: Each form's fields
          content:
            application/json:
              schema: FormSettings
    """
    return jsonify(SETTINGS)
