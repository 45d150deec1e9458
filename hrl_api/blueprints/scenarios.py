"""Scenario catalogue: /api/scenarios and /api/scenarios/<name>."""
from __future__ import annotations

from flask import Blueprint, jsonify

from hrl_api.catalog import all_scenarios, get_scenario, scenario_summary

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
    scenario = get_scenario(name)
    return jsonify({**scenario.to_dict(), **scenario_summary(scenario)})
