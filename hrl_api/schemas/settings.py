"""GET /api/settings: the defaults and bounds of every form's fields, read from the schemas that validate
the requests (which read them from `hrl_trainer.common.config`), so that a page serves what the API accepts."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, missing, validate

from hrl_api.schemas.simulations import AdviceRequest, SimulationRequest
from hrl_api.schemas.training import StartTrainingRequest
from hrl_trainer.common.config import MAX_HOUSEHOLD_MONTHS
from hrl_trainer.store.households import HouseholdSchema


def field_settings(field: fields.Field) -> dict[str, Any]:
    """A field's ``default`` (when the request may leave it out), inclusive ``min`` and ``max``, and ``choices``."""
    found: dict[str, Any] = {} if field.load_default is missing else {"default": field.load_default}
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            found.update(
                {
                    key: bound
                    for key, bound, inclusive in (
                        ("min", validator.min, validator.min_inclusive),
                        ("max", validator.max, validator.max_inclusive),
                    )
                    if bound is not None and inclusive
                }
            )
        elif isinstance(validator, validate.OneOf):
            found["choices"] = list(validator.choices)
    return found


def form_settings(schema: type[Schema], names: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """The settings of the fields ``names`` of ``schema`` (default: each one with a default or a bound)."""
    declared = schema._declared_fields
    table = {name: field_settings(declared[name]) for name in names or declared}
    return {name: settings for name, settings in table.items() if settings}


SETTINGS: dict[str, Any] = {
    "run": form_settings(StartTrainingRequest, ("num_episodes", "save_interval", "eval_episodes", "seed")),
    "simulation": form_settings(SimulationRequest, ("households", "months", "seed")),
    "advice": form_settings(AdviceRequest, ("month", "savings", "invested", "cash", "income_loss_months_left")),
    "household": form_settings(HouseholdSchema),
    "max_household_months": MAX_HOUSEHOLD_MONTHS,
}
"""The answer of GET /api/settings, built once."""


class FieldSettings(Schema):
    """What a form needs to know of one field."""

    default = fields.Raw(
        allow_none=True,
        metadata={
            "description": "the value the API takes when the request leaves the field out (null: chosen by the server, "
            "such as a random seed); absent when the field is required"
        },
    )
    min = fields.Float(metadata={"description": "lowest accepted value (inclusive)"})
    max = fields.Float(metadata={"description": "highest accepted value (inclusive)"})
    choices = fields.List(fields.String(), metadata={"description": "the accepted values"})


def _form(what: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.Nested(FieldSettings),
        required=True,
        metadata={"description": f"field name -> its settings: {what}"},
    )


class FormSettings(Schema):
    """Body of GET /api/settings."""

    run = _form("the body of POST /api/training/start")
    simulation = _form("the body of POST /api/simulations")
    advice = _form("the body of POST /api/advice (the household's horizon narrows `month`)")
    household = _form("a household (POST /api/scenarios); the fields must also be in proportion with each other")
    max_household_months = fields.Integer(
        required=True, metadata={"description": "largest households x months of one simulation"}
    )
