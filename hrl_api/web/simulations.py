"""Simulations in euros and this month's advice: /api/simulations[/<id>[/report]], /api/advice and the policies'
labels and colours, /api/policies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Response, current_app, jsonify, request

from hrl_api.core.access import token_required
from hrl_api.core.errors import ApiError
from hrl_api.core.extensions import socketio
from hrl_api.core.payloads import csv_response, json_body
from hrl_api.core.simulation_pool import SimulationPool, SimulationsBusy, WorkerLost
from hrl_api.schemas.simulations import advice_request, check_size, simulation_request
from hrl_api.web.catalog import checked_name, get_scenario
from hrl_trainer.common.errors import FieldErrors
from hrl_trainer.common.money import pick_locale
from hrl_trainer.store import simulation_store
from hrl_trainer.store.model_lookup import ModelNotFound
from hrl_trainer.use.flat_store import FlatUnavailable
from hrl_trainer.use.policy_looks import looks_document
from hrl_trainer.use.report import render_report
from hrl_trainer.use.tables import TABLE_COLUMNS, table_rows

simulations_bp = Blueprint("simulations", __name__, url_prefix="/api")


def _models_dir():
    return current_app.config["MODELS_DIR"]


@contextmanager
def simulation_errors() -> Iterator[None]:
    """404 for a missing model (naming scenario_name or run_id) or simulation (naming id)."""
    try:
        yield
    except ModelNotFound as exc:
        raise ApiError(404, str(exc), {exc.field: ["No such trained model."]}) from exc
    except simulation_store.SimulationNotFound as exc:
        raise ApiError(404, str(exc), {"id": ["Unknown simulation."]}) from exc
    except simulation_store.SimulationDamaged as exc:
        raise ApiError(500, str(exc), {"id": ["The saved file is damaged."]}) from exc
    except FlatUnavailable as exc:
        raise ApiError(409, str(exc), {"flat_ppo": ["No flat PPO can be trained for this model."]}) from exc
    except SimulationsBusy as exc:
        raise ApiError(
            503,
            str(exc),
            {"_schema": ["Too many simulations requested at once."]},
            {"Retry-After": str(exc.retry_after)},
        ) from exc
    except WorkerLost as exc:
        raise ApiError(500, str(exc), {"_schema": ["The simulation did not finish."]}) from exc


def request_locale() -> str:
    """The locale of the asking browser (Accept-Language), picked as the page picks its own (common.money): the
    report and the advice sentence write amounts and dates as the page around them does."""
    return pick_locale(language for language, _ in request.accept_languages)


def simulation_pool() -> SimulationPool:
    """The app's worker processes for simulations (SIMULATIONS_AT_ONCE of them, SIMULATIONS_QUEUED waiting)."""
    pool = current_app.extensions.get("hrl_simulation_pool")
    if pool is None:
        pool = current_app.extensions.setdefault(
            "hrl_simulation_pool",
            SimulationPool(
                int(current_app.config["SIMULATIONS_AT_ONCE"]),
                int(current_app.config["SIMULATIONS_QUEUED"]),
                sleep=socketio.sleep,
            ),
        )
    return pool


def saved_simulation(simulation_id: str) -> dict:
    """The saved simulation of ``simulation_id``: a malformed id 400, an unknown one 404."""
    checked_name(simulation_id, "id")
    with simulation_errors():
        return simulation_store.load_simulation(simulation_id, _models_dir())


@simulations_bp.post("/simulations")
@token_required
def create_simulation():
    """Simulate the trained model and the baselines on the same households, in euros, and save it.
    ---
    post:
      tags: [simulations]
      summary: Run and save a simulation
      security: [{}, {ApiToken: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: SimulationRequest
      responses:
        201:
          description: The saved simulation
          content:
            application/json:
              schema: Simulation
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/FlatUnavailable"}
        413: {$ref: "#/components/responses/PayloadTooLarge"}
        500: {$ref: "#/components/responses/ServerError"}
        503: {$ref: "#/components/responses/SimulationsBusy"}
    """
    params = simulation_request.load(json_body())
    scenario = get_scenario(params["scenario_name"], field="scenario_name")
    check_size(params["households"], params["months"] or scenario.months)
    with simulation_errors():
        text = simulation_pool().run(
            "simulate",
            scenario=scenario,
            run_id=params["run_id"],
            households=params["households"],
            seed=params["seed"],
            months=params["months"],
            models_dir=_models_dir(),
            flat_ppo=params["flat_ppo"],
            scenarios_dir=current_app.config["SCENARIOS_DIR"],
            keep=int(current_app.config["SIMULATIONS_KEPT"]),
        )
    return Response(text, 201, mimetype="application/json")


@simulations_bp.get("/simulations")
def list_simulations():
    """Every saved simulation, newest first, with the trained model's headline totals.
    ---
    get:
      tags: [simulations]
      summary: List saved simulations
      responses:
        200:
          description: Saved simulations
          content:
            application/json:
              schema: SimulationList
    """
    return jsonify({"simulations": simulation_store.list_simulations(_models_dir())})


@simulations_bp.get("/policies")
def policy_looks():
    """The label and colour of every simulated policy, as the dashboard and the printable report show them.
    ---
    get:
      tags: [simulations]
      summary: Policy labels and colours
      responses:
        200:
          description: The policies' labels and colours
          content:
            application/json:
              schema: PolicyLooks
    """
    return jsonify(looks_document())


@simulations_bp.get("/simulations/<simulation_id>")
def show_simulation(simulation_id: str):
    """A saved simulation with every policy's month-by-month percentiles and totals.
    ---
    get:
      tags: [simulations]
      summary: Show a simulation
      parameters:
        - SimulationId
      responses:
        200:
          description: The simulation
          content:
            application/json:
              schema: Simulation
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        500: {$ref: "#/components/responses/ServerError"}
    """
    return jsonify(saved_simulation(simulation_id))


@simulations_bp.delete("/simulations/<simulation_id>")
@token_required
def delete_simulation(simulation_id: str):
    """Delete a saved simulation.
    ---
    delete:
      tags: [simulations]
      summary: Delete a simulation
      security: [{}, {ApiToken: []}]
      parameters:
        - SimulationId
      responses:
        204:
          description: Deleted
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    checked_name(simulation_id, "id")
    with simulation_errors():
        simulation_store.delete_simulation(simulation_id, _models_dir())
    return "", 204


@simulations_bp.get("/simulations/<simulation_id>/report")
def simulation_report(simulation_id: str):
    """A standalone printable HTML report of a simulation (inline SVG charts, no scripts, no external URLs).
    ---
    get:
      tags: [simulations]
      summary: Printable report of a simulation
      parameters:
        - SimulationId
      responses:
        200:
          description: The report
          content:
            text/html:
              schema: {type: string}
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        500: {$ref: "#/components/responses/ServerError"}
    """
    return Response(render_report(saved_simulation(simulation_id), request_locale()), mimetype="text/html")


@simulations_bp.get("/simulations/<simulation_id>/table.csv")
def simulation_table_csv(simulation_id: str):
    """A simulation's comparison table as CSV: one row per policy with its totals at the end, and the trained model
    minus it in real net worth (mean paired difference, standard error, verdict at 2 standard errors).
    ---
    get:
      tags: [simulations]
      summary: Comparison table of a simulation, as CSV
      parameters:
        - SimulationId
      responses:
        200:
          description: "Columns: policy, label, median_real_net_worth, p5_real_net_worth, p95_real_net_worth,
            median_total_spending, mean_total_spending, share_broke, share_months_under_buffer, avg_reward, then
            the model minus the policy: measure, unit, statistic, households, mean, se, verdict (empty on the
            model's own row); euros are today's euros"
          content:
            text/csv:
              schema: {type: string}
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        500: {$ref: "#/components/responses/ServerError"}
    """
    return csv_response(TABLE_COLUMNS, table_rows(saved_simulation(simulation_id)), f"simulation-{simulation_id}.csv")


@simulations_bp.post("/advice")
def advice():
    """This month's split of the money available, the Strategist's goal and one sentence, in euros.
    ---
    post:
      tags: [simulations]
      summary: This month's advice
      requestBody:
        required: true
        content:
          application/json:
            schema: AdviceRequest
      responses:
        200:
          description: The advice (nominal euros of this month)
          content:
            application/json:
              schema: Advice
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        413: {$ref: "#/components/responses/PayloadTooLarge"}
        500: {$ref: "#/components/responses/ServerError"}
    """
    params = advice_request.load(json_body())
    scenario = get_scenario(params.pop("scenario_name"), field="scenario_name")
    try:
        with simulation_errors():
            text = simulation_pool().run(
                "advise",
                scenario=scenario,
                run_id=params.pop("run_id"),
                models_dir=_models_dir(),
                locale=request_locale(),
                **params,
            )
    except FieldErrors as exc:  # the household's state does not fit the scenario (use.advice.AdviceError)
        raise ApiError(400, "Invalid household state", exc.errors) from exc
    return Response(text, 200, mimetype="application/json")
