"""Trained models: /api/models and /api/models/<name>/history."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from hrl_api.schemas.training import history_query
from hrl_api.web.catalog import history, trained_models

models_bp = Blueprint("models", __name__, url_prefix="/api/models")


@models_bp.get("")
def list_models():
    """Every trained scenario with its files and final metrics.
    ---
    get:
      tags: [models]
      summary: List trained models
      responses:
        200:
          description: Trained models
          content:
            application/json:
              schema: ModelList
    """
    return jsonify({"models": trained_models()})


@models_bp.get("/<name>/history")
def model_history(name: str):
    """A trained model's saved history: config, progress per episode, evaluations.
    ---
    get:
      tags: [models]
      summary: Training history of a model
      parameters:
        - ScenarioName
        - in: query
          schema: HistoryQuery
      responses:
        200:
          description: The history
          content:
            application/json:
              schema: TrainingHistory
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        500: {$ref: "#/components/responses/ServerError"}
    """
    query = history_query.load(request.args)
    return jsonify(history(name, query["max_points"]))
