"""REST control of the training run: /api/training/start, /stop, /status, /progress."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from hrl_api.core.access import token_required
from hrl_api.core.payloads import json_body, optional_json_body
from hrl_api.schemas.training import progress_query, start_training_request, stop_training_request
from hrl_api.training.protocol import get_supervisor
from hrl_api.web.catalog import get_scenario
from hrl_api.web.runs import run_errors
from hrl_trainer.store.runs import resume_point

training_bp = Blueprint("training", __name__, url_prefix="/api/training")


@training_bp.post("/start")
@token_required
def start_training():
    """Start training a model on a scenario, in the background.
    ---
    post:
      tags: [training]
      summary: Start a training run
      security: [{}, {ApiToken: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: StartTrainingRequest
      responses:
        202:
          description: Training started
          content:
            application/json:
              schema: StartTrainingResponse
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
        413: {$ref: "#/components/responses/PayloadTooLarge"}
        500: {$ref: "#/components/responses/ServerError"}
        503: {$ref: "#/components/responses/Unavailable"}
    """
    params = start_training_request.load(json_body())
    get_scenario(params["scenario_name"], field="scenario_name")
    offset = 0
    if params.get("resume_from"):
        with run_errors("resume_from"):
            offset = resume_point(params["resume_from"], params["scenario_name"], current_app.config["MODELS_DIR"])
    with run_errors():
        data = get_supervisor().start(params, episode_offset=offset)
    return jsonify({"message": "Training started successfully", "data": data}), 202


@training_bp.post("/stop")
@token_required
def stop_training():
    """Stop the current run after its episode; answers once the model is saved. In cluster mode a
    queued run is cancelled, and the body names the run when several are queued or training.
    ---
    post:
      tags: [training]
      summary: Stop the training run gracefully
      security: [{}, {ApiToken: []}]
      requestBody:
        required: false
        content:
          application/json:
            schema: StopTrainingRequest
      responses:
        200:
          description: Training stopped and saved
          content:
            application/json:
              schema: StopTrainingResponse
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        413: {$ref: "#/components/responses/PayloadTooLarge"}
        500: {$ref: "#/components/responses/ServerError"}
        503: {$ref: "#/components/responses/Unavailable"}
    """
    params = stop_training_request.load(optional_json_body())  # the spec's stop has no body
    data = get_supervisor().stop(params.get("run_id"))
    return jsonify({"message": "Training stopped successfully", "data": data})


@training_bp.get("/status")
def training_status():
    """The current run, or the last one when idle.
    ---
    get:
      tags: [training]
      summary: Training status
      responses:
        200:
          description: Status
          content:
            application/json:
              schema: TrainingStatus
    """
    return jsonify(get_supervisor().status())


@training_bp.get("/progress")
def training_progress():
    """The episodes so far of the current (or last) run, so a late client can draw its charts.

    Every episode of the latest 1000 and, before them, at most 1000 more evenly spread over the run
    (memory stays bounded however long the run); ``max_points`` thins the answer further.
    ---
    get:
      tags: [training]
      summary: Progress records of the current or last run
      parameters:
        - in: query
          schema: ProgressQuery
      responses:
        200:
          description: Progress records after episode `since`, in episode order
          content:
            application/json:
              schema: TrainingProgressLog
        400: {$ref: "#/components/responses/BadRequest"}
    """
    query = progress_query.load(request.args)
    return jsonify(get_supervisor().progress_log(query["since"], query["max_points"]))
