"""Service endpoints: the dashboard page, /api/health and /api/openapi.json."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from jinja2 import TemplateNotFound

from hrl_api.extensions import get_supervisor, socketio
from hrl_api.openapi import openapi_document

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
    """Liveness and the async mode in use.
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
    return jsonify({"status": "ok", "async_mode": socketio.async_mode, "is_training": get_supervisor().is_training})


@system_bp.get("/api/openapi.json")
def openapi():
    """This API as an OpenAPI 3 document; its server is the one answering.
    ---
    get:
      tags: [docs]
      summary: OpenAPI document
      responses:
        200:
          description: OpenAPI 3 document
          content:
            application/json:
              schema: {type: object}
    """
    return jsonify(openapi_document(current_app, request.url_root.rstrip("/")))
