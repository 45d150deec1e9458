"""marshmallow schemas of the runs API (/api/runs...): query validation and documented answers.

Instances used by the views are built once, here, at import time.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from hrl_api.schemas.training import NAME_PATTERN, FinalMetrics, TrainingHistory, validate_scenario_name
from hrl_trainer.store.runs import LISTED_STATUSES, RUN_ID_DOC_PATTERN, RUN_ID_PATTERN

RUN_ID_MESSAGE = "Must look like {scenario}-YYYYMMDD-HHMMSS-xxxx."
MAX_PAGE = 500
DEFAULT_PAGE = 50


def validate_run_id(value: str) -> None:
    if not RUN_ID_PATTERN.fullmatch(value):
        raise ValidationError(RUN_ID_MESSAGE)


def run_id_field(metadata: dict | None = None, **kwargs) -> fields.String:
    """A run id (validated before any disk access)."""
    return fields.String(
        validate=validate_run_id, metadata={"pattern": RUN_ID_DOC_PATTERN, **(metadata or {})}, **kwargs
    )


class RunsQuery(Schema):
    """Query of GET /api/runs."""

    class Meta:
        unknown = RAISE

    scenario_name = fields.String(validate=validate_scenario_name, metadata={"pattern": NAME_PATTERN})
    status = fields.String(validate=validate.OneOf(LISTED_STATUSES))
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(1, MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10**9))


class RunSummary(Schema):
    """A run as listed: what `runs/{run_id}/run.json` holds, and whether it is published."""

    run_id = fields.String(metadata={"example": "bologna_coppia-20261201-073012-3f9a"})
    scenario_name = fields.String()
    status = fields.String(metadata={"enum": list(LISTED_STATUSES)})
    started_at = fields.String(allow_none=True)
    queued_at = fields.String(allow_none=True, metadata={"description": "cluster mode: when a queued run was queued"})
    finished_at = fields.String(allow_none=True)
    episodes_completed = fields.Integer(
        allow_none=True, metadata={"description": "counting the episodes of the run it resumed"}
    )
    total_episodes = fields.Integer(allow_none=True)
    seed = fields.Integer(allow_none=True)
    settings = fields.Dict(
        allow_none=True, metadata={"description": "num_episodes, save_interval, eval_episodes, keep_checkpoints"}
    )
    final_metrics = fields.Nested(FinalMetrics)
    held_out = fields.Nested(
        FinalMetrics, allow_none=True, metadata={"description": "the final agents on 100 held-out households"}
    )
    parent = fields.String(allow_none=True, metadata={"description": "the run this one resumed"})
    episode_offset = fields.Integer(metadata={"description": "episodes of the parent run"})
    published = fields.Boolean()
    adopted = fields.Boolean(metadata={"description": "made from a models folder from before runs"})
    error = fields.String(metadata={"description": "why a failed run failed"})


class RunList(Schema):
    runs = fields.List(fields.Nested(RunSummary))
    total = fields.Integer(metadata={"description": "runs matching the filters, over all pages"})
    limit = fields.Integer()
    offset = fields.Integer()


class RunDetail(RunSummary):
    config = fields.Dict(metadata={"description": "config, seed, versions and scenario figures it was trained on"})


class RunHistory(TrainingHistory):
    run_id = fields.String()
    parent = fields.String(allow_none=True)
    episode_offset = fields.Integer()


class RunDeletedData(Schema):
    run_id = fields.String()
    deleted = fields.Boolean()
    published_run_id = fields.String(
        allow_none=True,
        metadata={"description": "the run published in its place, when the deleted one was published; null otherwise"},
    )


class RunDeleted(Schema):
    message = fields.String(metadata={"example": "Run deleted"})
    data = fields.Nested(RunDeletedData)


class RunPublished(Schema):
    message = fields.String(metadata={"example": "Run published"})
    data = fields.Nested(RunSummary)


runs_query = RunsQuery()
