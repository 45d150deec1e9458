"""Scenario catalogue and the user's households: /api/scenarios and /api/scenarios/<name>."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from hrl_api.core.access import token_required
from hrl_api.core.payloads import json_body
from hrl_api.web.catalog import all_scenarios, checked_name, get_scenario, household_errors, scenario_summary
from hrl_trainer.store.households import create_household, delete_household, update_household

scenarios_bp = Blueprint("scenarios", __name__, url_prefix="/api/scenarios")


@scenarios_bp.get("")
def list_scenarios():
    """Every scenario with its household figures.
    ---
    get:
      tags: [scenarios]
      summary: List scenarios
      responses:
        200:
          description: Scenarios, sorted by name
          content:
            application/json:
              schema: ScenarioList
    """
    return jsonify({"scenarios": [scenario_summary(s) for s in all_scenarios()]})


@scenarios_bp.get("/<name>")
def show_scenario(name: str):
    """One scenario with every field of its file.
    ---
    get:
      tags: [scenarios]
      summary: Show a scenario
      parameters:
        - ScenarioName
      responses:
        200:
          description: The scenario
          content:
            application/json:
              schema: ScenarioDetail
        400: {$ref: "#/components/responses/BadRequest"}
        404: {$ref: "#/components/responses/NotFound"}
        500: {$ref: "#/components/responses/ServerError"}
    """
    return jsonify(scenario_detail(get_scenario(name)))


def scenario_detail(scenario) -> dict:
    return {**scenario.to_dict(), **scenario_summary(scenario)}


@scenarios_bp.post("")
@token_required
def create_scenario():
    """Create a household (a new scenario file), for example a copy of a bundled one: the body GET returns,
    renamed (its derived fields are ignored). Bounds and why: docs/simulations.md.
    ---
    post:
      tags: [scenarios]
      summary: Create a household
      security: [{}, {ApiToken: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: Household
      responses:
        201:
          description: The household as saved
          content:
            application/json:
              schema: ScenarioDetail
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        409: {$ref: "#/components/responses/Conflict"}
        413: {$ref: "#/components/responses/PayloadTooLarge"}
    """
    with household_errors():
        scenario = create_household(json_body(), current_app.config["SCENARIOS_DIR"])
    return jsonify(scenario_detail(scenario)), 201


@scenarios_bp.put("/<name>")
@token_required
def update_scenario(name: str):
    """Replace a household's figures (the body GET returns, changed); its trained models and runs stay.
    Bundled households are read-only.
    ---
    put:
      tags: [scenarios]
      summary: Edit a household
      security: [{}, {ApiToken: []}]
      parameters:
        - ScenarioName
      requestBody:
        required: true
        content:
          application/json:
            schema: Household
      responses:
        200:
          description: The household as saved
          content:
            application/json:
              schema: ScenarioDetail
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        413: {$ref: "#/components/responses/PayloadTooLarge"}
    """
    checked_name(name)
    with household_errors():
        scenario = update_household(name, json_body(), current_app.config["SCENARIOS_DIR"])
    return jsonify(scenario_detail(scenario))


@scenarios_bp.delete("/<name>")
@token_required
def delete_scenario(name: str):
    """Delete a household; its trained models and runs stay. Bundled households are read-only.
    ---
    delete:
      tags: [scenarios]
      summary: Delete a household
      security: [{}, {ApiToken: []}]
      parameters:
        - ScenarioName
      responses:
        204:
          description: Deleted
        400: {$ref: "#/components/responses/BadRequest"}
        401: {$ref: "#/components/responses/Unauthorized"}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    checked_name(name)
    with household_errors():
        delete_household(name, current_app.config["SCENARIOS_DIR"])
    return "", 204
