"""Runs: /api/runs, /api/runs/<run_id>, its labels, history (JSON and CSV), archive, publishing and deletion."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Response, current_app, jsonify, request

from hrl_api.core.access import token_required
from hrl_api.core.errors import ApiError
from hrl_api.core.payloads import csv_response, json_body, optional_json_body
from hrl_api.schemas.runs import RUN_ID_MESSAGE, publish_request, run_labels_request, runs_query
from hrl_api.schemas.training import history_query
from hrl_api.training.protocol import get_supervisor
from hrl_trainer.common.errors import FieldErrors
from hrl_trainer.store import runs
from hrl_trainer.store.runlock import ScenarioLocked

runs_bp = Blueprint("runs", __name__, url_prefix="/api/runs")


@contextmanager
def run_errors(field: str = "run_id") -> Iterator[None]:
    """Translate the runs domain's errors: unknown run 404, run still training or scenario being written 409,
    bad value 400."""
    try:
        yield
    except runs.RunStillTraining as exc:
        raise ApiError(409, str(exc), {field: [str(exc)]}) from exc
    except runs.RunNotFound as exc:
        raise ApiError(404, str(exc), {field: [str(exc)]}) from exc
    except ScenarioLocked as exc:
        raise ApiError(409, str(exc), {"scenario_name": [str(exc)]}) from exc
    except FieldErrors as exc:
        raise ApiError(400, str(exc), exc.errors) from exc
    except ValueError as exc:
        raise ApiError(400, str(exc), {field: [str(exc)]}) from exc


def checked_run_id(run_id: str) -> str:
    try:
        return runs.validate_run_id(run_id)
    except ValueError as exc:
        raise ApiError(400, "Invalid run id", {"run_id": [RUN_ID_MESSAGE]}) from exc


def saved_run_id(run_id: str) -> str:
    """``run_id`` checked, and not a queued run (cluster mode), which has nothing saved yet, not even a folder: 409."""
    checked_run_id(run_id)
    if any(run["run_id"] == run_id and run["status"] == "queued" for run in get_supervisor().pending_runs()):
        message = f"Run '{run_id}' is queued: its agents and history are saved once it has trained"
        raise ApiError(409, message, {"run_id": [message]})
    return run_id


def models_dir() -> str:
    return current_app.config["MODELS_DIR"]


@runs_bp.get("")
def list_runs():
    """Every run with its labels, newest first (or as ``sort`` and ``order`` say), optionally of one scenario, status
    or tag, or with some text in its name, tags, notes or id (``q``); filters and order apply before the page.
    ---
    get:
      tags: [runs]
      summary: List runs
      parameters:
        - in: query
          schema: RunsQuery
      responses:
        200:
          description: A page of runs
          content:
            application/json:
              schema: RunList
        400: {$ref: "#/components/responses/BadRequest"}
    """
    query = runs_query.load(request.args)
    page, total = runs.list_runs(models_dir(), **query, pending=get_supervisor().pending_runs())
    return jsonify({"runs": page, "total": total, "limit": query["limit"], "offset": query["offset"]})


@runs_bp.get("/<run_id>")
def show_run(run_id: str):
    """A run: status, times, episodes, final metrics, held-out evaluation, parent, whole config.
    ---
    get:
      tags: [runs]
      summary: Show a run
      parameters:
        - RunId
      responses:
        200:
          description: The run
          content:
            application/json:
              schema: RunDetail
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    with run_errors():
        return jsonify(runs.read_run(checked_run_id(run_id), models_dir()))


@runs_bp.patch("/<run_id>")
@token_required
def label_run(run_id: str):
    """Name, annotate or tag a run (any of ``name``, ``notes``, ``tags``; the others stay). Safe while it trains:
    the labels have their own file.
    ---
    patch:
      tags: [runs]
      summary: Label a run
      security: [{}, {ApiToken: []}]
      parameters:
        - RunId
      requestBody:
        required: true
        content:
          application/json:
            schema: RunLabelsRequest
      responses:
        200:
          description: The run with its new labels
          content:
            application/json:
              schema: RunLabelled
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/StillTraining"}
        413: {$ref: "#/components/responses/PayloadTooLarge"}
    """
    checked_run_id(run_id)
    changes = run_labels_request.load(json_body())
    saved_run_id(run_id)
    with run_errors():
        data = runs.label_run(run_id, changes, models_dir())
    return jsonify({"message": "Run labelled", "data": data})


@runs_bp.get("/<run_id>/history")
def run_history(run_id: str):
    """A run's saved history (config, progress per episode, evaluations), thinned with ``max_points``.
    ---
    get:
      tags: [runs]
      summary: Training history of a run
      parameters:
        - RunId
        - in: query
          schema: HistoryQuery
      responses:
        200:
          description: The history
          content:
            application/json:
              schema: RunHistory
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/StillTraining"}
    """
    saved_run_id(run_id)
    query = history_query.load(request.args)
    with run_errors():
        return jsonify(runs.read_run_history(run_id, models_dir(), query["max_points"]))


@runs_bp.get("/<run_id>/history.csv")
def run_history_csv(run_id: str):
    """A run's progress as CSV: one row per episode, one column per series of the history (thinned with
    ``max_points``).
    ---
    get:
      tags: [runs]
      summary: Training history of a run, as CSV
      parameters:
        - RunId
        - in: query
          schema: HistoryQuery
      responses:
        200:
          description: "Columns: episode, then avg_reward, avg_duration, avg_cash, avg_invested, stability,
            goal_adherence, elapsed_time"
          content:
            text/csv:
              schema: {type: string}
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/StillTraining"}
    """
    saved_run_id(run_id)
    query = history_query.load(request.args)
    with run_errors():
        history = runs.read_run_history(run_id, models_dir(), query["max_points"])
    return csv_response(runs.history_columns(history["progress"]), history["progress"], f"{run_id}-history.csv")


@runs_bp.get("/<run_id>/archive")
def run_archive(run_id: str):
    """A zip of the run's agents, summary, config and history (`python -m hrl_trainer evaluate --run`).
    ---
    get:
      tags: [runs]
      summary: Download a run
      parameters:
        - RunId
      responses:
        200:
          description: The zip
          content:
            application/zip:
              schema: {type: string, format: binary}
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/StillTraining"}
    """
    with run_errors():
        data = runs.archive_run(saved_run_id(run_id), models_dir())
    return Response(
        data, mimetype="application/zip", headers={"Content-Disposition": f'attachment; filename="{run_id}.zip"'}
    )


@runs_bp.post("/<run_id>/publish")
@token_required
def publish_run(run_id: str):
    """Make a finished or stopped run the scenario's model (the spec's model and checkpoint paths); the publish is
    recorded in the scenario's publications (``reason`` manual, or undo).
    ---
    post:
      tags: [runs]
      summary: Publish a run
      security: [{}, {ApiToken: []}]
      parameters:
        - RunId
      requestBody:
        required: false
        content:
          application/json:
            schema: PublishRequest
      responses:
        200:
          description: Published
          content:
            application/json:
              schema: RunPublished
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
        413: {$ref: "#/components/responses/PayloadTooLarge"}
    """
    checked_run_id(run_id)
    params = publish_request.load(optional_json_body())
    with run_errors():
        data = runs.publish_run(run_id, models_dir(), reason=params["reason"])
    publication = data.pop("publication")
    return jsonify({"message": "Run published", "data": data, "publication": publication})


@runs_bp.delete("/<run_id>")
@token_required
def delete_run(run_id: str):
    """Delete a run. Deleting the published run publishes the newest other finished run of its scenario,
    or leaves the scenario without a model.
    ---
    delete:
      tags: [runs]
      summary: Delete a run
      security: [{}, {ApiToken: []}]
      parameters:
        - RunId
      responses:
        200:
          description: Deleted
          content:
            application/json:
              schema: RunDeleted
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
    """
    with run_errors():
        data = runs.delete_run(checked_run_id(run_id), models_dir())
    return jsonify({"message": "Run deleted", "data": data})
