"""marshmallow schemas of the runs API (/api/runs...): query validation and documented answers.

Instances used by the views are built once, here, at import time.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from hrl_api.schemas.training import (
    NAME_PATTERN,
    FinalMetrics,
    Publication,
    TrainingHistory,
    validate_scenario_name,
)
from hrl_trainer.common.config import (
    RUN_NAME_MAX_LENGTH,
    RUN_NOTES_MAX_LENGTH,
    RUN_TAG_LENGTH,
    RUN_TAGS_MAX,
)
from hrl_trainer.common.errors import FieldErrors
from hrl_trainer.common.validators import Length, Range
from hrl_trainer.common.wording import RUN_ID_RULE, sentence
from hrl_trainer.store.labels import TAG_DOC_PATTERN, TAG_RULE, clean_labels
from hrl_trainer.store.publications import MANUAL_REASONS
from hrl_trainer.store.runs import LISTED_STATUSES, RUN_ID_DOC_PATTERN, RUN_ID_PATTERN, SORT_KEYS, SORT_ORDERS

RUN_ID_MESSAGE = sentence(f"must be a run id: {RUN_ID_RULE}")
MAX_PAGE = 500
DEFAULT_PAGE = 50
MAX_QUERY_LENGTH = 200


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
    q = fields.String(
        validate=Length(max=MAX_QUERY_LENGTH),
        metadata={"description": "only runs with this text (any case) in their name, tags, notes or run id"},
    )
    tag = fields.String(
        validate=Length(max=RUN_TAG_LENGTH[1]), metadata={"description": "only runs with this tag (any case)"}
    )
    sort = fields.String(
        load_default="started_at",
        validate=validate.OneOf(list(SORT_KEYS)),
        metadata={
            "description": "order by: started_at, name, final_reward (final_metrics.avg_reward), held_out "
            "(held_out.avg_reward), episodes (episodes_completed), scenario_name or status; runs without the "
            "value come last"
        },
    )
    order = fields.String(load_default="desc", validate=validate.OneOf(SORT_ORDERS))
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=Range(1, MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=Range(0, 10**9))


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
    name = fields.String(allow_none=True, metadata={"description": "what people call the run (null: unnamed)"})
    notes = fields.String(metadata={"description": 'people\'s notes on the run ("" when none)'})
    tags = fields.List(fields.String(), metadata={"description": "people's tags on the run ([] when none)"})


class RunLabelsRequest(Schema):
    """Body of PATCH /api/runs/{run_id}: any of the run's labels (at least one); the others stay as they are."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": "Request body must be a JSON object."}

    name = fields.String(
        metadata={
            "maxLength": RUN_NAME_MAX_LENGTH,
            "description": f'at most {RUN_NAME_MAX_LENGTH} characters once trimmed; "" clears the name',
        }
    )
    notes = fields.String(metadata={"maxLength": RUN_NOTES_MAX_LENGTH})
    tags = fields.List(
        fields.String(metadata={"pattern": TAG_DOC_PATTERN, "description": TAG_RULE}),
        metadata={"maxItems": RUN_TAGS_MAX, "uniqueItems": True, "description": "replaces every tag of the run"},
    )

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _labels(self, data: dict, original_data: object, **_) -> None:
        if data or not original_data:  # every field given may have failed already: no need to say "give one"
            try:
                clean_labels(data)
            except FieldErrors as exc:
                raise ValidationError(exc.errors) from exc

    @post_load
    def _cleaned(self, data: dict, **_) -> dict:
        return clean_labels(data)


class PublishRequest(Schema):
    """Optional body of POST /api/runs/{run_id}/publish."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": "Request body must be a JSON object."}

    reason = fields.String(
        load_default="manual",
        validate=validate.OneOf(MANUAL_REASONS),
        metadata={
            "description": "recorded with the publish: manual (default), or undo (publishing again the run a "
            "publish replaced)"
        },
    )


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
    publication = fields.Nested(
        Publication,
        allow_none=True,
        metadata={"description": "the record of that publish (reason deleted); null: none"},
    )


class RunDeleted(Schema):
    message = fields.String(metadata={"example": "Run deleted"})
    data = fields.Nested(RunDeletedData)


class RunPublished(Schema):
    message = fields.String(metadata={"example": "Run published"})
    data = fields.Nested(RunSummary)
    publication = fields.Nested(Publication, metadata={"description": "the record of this publish"})


class RunLabelled(Schema):
    message = fields.String(metadata={"example": "Run labelled"})
    data = fields.Nested(RunDetail)


class PublicationList(Schema):
    """GET /api/models/{name}/publications."""

    scenario_name = fields.String()
    publications = fields.List(fields.Nested(Publication), metadata={"description": "newest first"})


runs_query = RunsQuery()
run_labels_request = RunLabelsRequest()
publish_request = PublishRequest()
