"""Trained models: /api/models, /api/models/<name>/history and /api/models/<name>/publications."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from hrl_api.schemas.training import history_query
from hrl_api.web.catalog import get_scenario, history, trained_models
from hrl_trainer.store.publications import read_publications

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


@models_bp.get("/<name>/publications")
def model_publications(name: str):
    """Every publish of the scenario's model, newest first: which run, when, why, and which run it replaced, with
    both held-out scores (docs/runs.md, "Publishing").
    ---
    get:
      tags: [models]
      summary: Publications of a scenario's model
      parameters:
        - ScenarioName
      responses:
        200:
          description: The publications ([] when none was recorded)
          content:
            application/json:
              schema: PublicationList
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        500: {$ref: "#/components/responses/ServerError"}
    """
    scenario = get_scenario(name).name
    return jsonify(
        {"scenario_name": scenario, "publications": read_publications(scenario, current_app.config["MODELS_DIR"])}
    )
