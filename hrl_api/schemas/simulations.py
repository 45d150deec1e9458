"""marshmallow schemas of the simulations and advice endpoints (requests validated, responses documented)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from hrl_api.schemas.runs import run_id_field
from hrl_api.schemas.training import NAME_PATTERN, validate_scenario_name
from hrl_trainer.common.config import (
    ADVICE_BOUNDS,
    DEFAULT_HOUSEHOLDS,
    MAX_BALANCE,
    SIMULATION_BOUNDS,
    simulation_size_error,
)
from hrl_trainer.common.validators import Range
from hrl_trainer.env.scenarios import StrictBoolean, StrictFloat


def _name(description: str = "", **kwargs) -> fields.String:
    return fields.String(
        validate=validate_scenario_name, metadata={"pattern": NAME_PATTERN, "description": description}, **kwargs
    )


def _balance(**kwargs) -> fields.Float:
    return StrictFloat(validate=Range(0, MAX_BALANCE), **kwargs)


class ModelRequest(Schema):
    """What every request that runs a trained model names: the household and, optionally, a run."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": "Request body must be a JSON object."}

    scenario_name = _name("the household", required=True)
    run_id = run_id_field(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "a training run's final model (trained on any household; GET /api/runs lists them); "
            "default: the scenario's published model"
        },
    )


class SimulationRequest(ModelRequest):
    """Body of POST /api/simulations."""

    households = fields.Integer(
        strict=True, load_default=DEFAULT_HOUSEHOLDS, validate=Range(*SIMULATION_BOUNDS["households"])
    )
    seed = fields.Integer(strict=True, load_default=None, allow_none=True, validate=Range(*SIMULATION_BOUNDS["seed"]))
    months = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=Range(*SIMULATION_BOUNDS["months"]),
        metadata={"description": "default: the scenario's horizon"},
    )
    flat_ppo = StrictBoolean(
        load_default=False,
        metadata={
            "description": "also simulate the model's flat PPO (the Executor alone, trained on the model's own budget, "
            "settings and seed); trained on the first request (as long as the model's own training), "
            "then read from models/baselines/flat_ppo/"
        },
    )

    @validates_schema
    def _bounded(self, data: dict, **_) -> None:
        if data.get("months"):  # without months, the view checks against the scenario's horizon
            check_size(data.get("households", DEFAULT_HOUSEHOLDS), data["months"])


def check_size(households: int, months: int) -> None:
    """ValidationError naming `households` when the simulation would be too large for memory."""
    error = simulation_size_error(households, months)
    if error:
        raise ValidationError({"households": [error]})


class AdviceRequest(ModelRequest):
    """Body of POST /api/advice: the household's balances now (nominal euros)."""

    month = fields.Integer(
        strict=True,
        required=True,
        validate=Range(*ADVICE_BOUNDS["month"]),
        metadata={"description": "months since the start of the scenario (0-based)"},
    )
    savings = _balance(required=True)
    invested = _balance(required=True)
    cash = _balance(
        load_default=None,
        allow_none=True,
        metadata={"description": "money in the current account; default: the initial cash in month 0, else 0"},
    )
    income_loss_months_left = fields.Integer(
        strict=True, load_default=0, validate=Range(*ADVICE_BOUNDS["income_loss_months_left"])
    )


class Bands(Schema):
    p5 = fields.List(fields.Float())
    p25 = fields.List(fields.Float())
    p50 = fields.List(fields.Float())
    p75 = fields.List(fields.Float())
    p95 = fields.List(fields.Float())


class SimulationSeries(Schema):
    liquid = fields.Nested(Bands, metadata={"description": "nominal euros"})
    invested = fields.Nested(Bands, metadata={"description": "nominal euros"})
    real_net_worth = fields.Nested(Bands, metadata={"description": "today's euros"})
    spending = fields.Nested(Bands, metadata={"description": "today's euros"})


class SimulationTotals(Schema):
    median_real_net_worth = fields.Float(metadata={"description": "today's euros, at the end"})
    p5_real_net_worth = fields.Float()
    p95_real_net_worth = fields.Float()
    median_total_spending = fields.Float(metadata={"description": "today's euros"})
    mean_total_spending = fields.Float()
    share_broke = fields.Float()
    share_broke_by_year = fields.List(fields.Float())
    median_broke_month = fields.Integer(allow_none=True)
    share_months_under_buffer = fields.Float()
    avg_reward = fields.Float()


class YearlySplit(Schema):
    """How a policy split the money, year by year, over the months of the households alive in them."""

    invest = fields.List(fields.Float(), metadata={"description": "mean share of the month's money invested"})
    save = fields.List(fields.Float(), metadata={"description": "mean share saved"})
    spend = fields.List(fields.Float(), metadata={"description": "mean share spent"})
    liquid = fields.List(
        fields.Float(), metadata={"description": "mean liquid money at the months' end, nominal euros"}
    )
    liquid_buffers = fields.List(fields.Float(), metadata={"description": "the same in safety buffers"})


class PolicyResult(Schema):
    description = fields.String()
    split = fields.List(fields.Float(), metadata={"description": "invest / save / spend shares, when fixed"})
    emergency_fund_months = fields.Float()
    tuned = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={
            "description": "a target-liquidity rule's tuned numbers: k (safety buffers) and spend, or k, spend_below, "
            "spend_above and close"
        },
    )
    trained = fields.Dict(metadata={"description": "the flat PPO's training: scenario_name, episodes, seed"})
    totals = fields.Nested(SimulationTotals)
    series = fields.Nested(SimulationSeries)
    yearly = fields.Nested(YearlySplit)


class SimulationIdentity(Schema):
    """What identifies a saved simulation."""

    id = fields.String()
    created_at = fields.String()
    scenario_name = fields.String()
    run_id = fields.String(allow_none=True)
    households = fields.Integer()
    months = fields.Integer()
    seed = fields.Integer()


class SimulationSummary(SimulationIdentity):
    totals = fields.Nested(SimulationTotals, allow_none=True, metadata={"description": "the trained model's"})


class SimulationList(Schema):
    simulations = fields.List(fields.Nested(SimulationSummary))


class Simulation(SimulationIdentity):
    """A saved simulation: the trained model and the baselines on the same households."""

    scenario = fields.Dict(metadata={"description": "the household's figures"})
    model = fields.Dict(metadata={"description": "the simulated model and its training"})
    units = fields.Dict(keys=fields.String(), values=fields.String())
    policies = fields.Dict(keys=fields.String(), values=fields.Nested(PolicyResult))
    paired = fields.Dict(
        metadata={
            "description": "trained model minus each baseline, household by household: "
            "{reward, real_net_worth, total_spending} each {diff, stderr}"
        }
    )


class Shares(Schema):
    invest = fields.Float()
    save = fields.Float()
    spend = fields.Float()


class Goal(Shares):
    buffer = fields.Float(metadata={"description": "target liquid money, nominal euros"})


class ModelReference(Schema):
    """Which model answered."""

    source = fields.String(metadata={"enum": ["run", "published"]})
    run_id = fields.String(allow_none=True, metadata={"description": "the run given, or the published model's run"})


class Advice(Schema):
    """This month's advice (nominal euros of this month)."""

    scenario_name = fields.String()
    month = fields.Integer()
    units = fields.String()
    income = fields.Float()
    expenses = fields.Float()
    available = fields.Float()
    shortfall = fields.Float()
    split = fields.Nested(Shares)
    amounts = fields.Nested(Shares)
    goal = fields.Nested(Goal)
    sentence = fields.String()
    model = fields.Nested(ModelReference)


class Look(Schema):
    label = fields.String()
    color = fields.String(metadata={"description": "a CSS hex colour, at least 3:1 against white"})


class PolicyLook(Look):
    name = fields.String(metadata={"description": "the key of the policy in a simulation's `policies`"})


class PolicyLooks(Schema):
    """How the dashboard and the printable report name and colour the simulated policies."""

    policies = fields.List(fields.Nested(PolicyLook), metadata={"description": "in the order legends list them"})
    other_color = fields.String(
        metadata={"description": "the colour of a policy missing from `policies` (labelled with its name)"}
    )
    safety_buffer = fields.Nested(Look, metadata={"description": "the reference line of the liquid-money charts"})


simulation_request = SimulationRequest()
advice_request = AdviceRequest()
