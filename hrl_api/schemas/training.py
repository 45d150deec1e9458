"""marshmallow schemas: request validation and the documented shape of every response and event.

Instances used by the views are built once, here, at import time.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from hrl_trainer.common.config import (
    DEFAULT_EPISODES,
    DEFAULT_EVAL_EPISODES,
    DEFAULT_PUBLISH,
    DEFAULT_SAVE_INTERVAL,
    MAX_KEEP_CHECKPOINTS,
    PUBLISH_POLICIES,
    SETTING_BOUNDS,
)
from hrl_trainer.common.paths import NAME_PATTERN as TRAINER_NAME_PATTERN
from hrl_trainer.common.validators import Range
from hrl_trainer.common.wording import NAME_RULE, RUN_ID_RULE, sentence
from hrl_trainer.learn.metrics import AGENTS
from hrl_trainer.store.publications import REASONS
from hrl_trainer.store.runs import RUN_ID_DOC_PATTERN, RUN_ID_PATTERN

NAME_PATTERN = "^[a-z0-9_-]{1,64}$"
"""The documented (ECMA-262) form of hrl_trainer's name rule, for OpenAPI clients."""
NAME_MESSAGE = sentence(f"must be {NAME_RULE}")
RUN_ID_VALUE_MESSAGE = sentence(f"must be a run id: {RUN_ID_RULE}")
PHASES = ("training", "evaluating", "saving")


def validate_scenario_name(value: str) -> None:
    """The trainer's own rule (a full match, so no trailing newline slips through)."""
    if not TRAINER_NAME_PATTERN.fullmatch(value):
        raise ValidationError(NAME_MESSAGE)


class StartTrainingRequest(Schema):
    """Body of POST /api/training/start."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": "Request body must be a JSON object."}

    scenario_name = fields.String(required=True, validate=validate_scenario_name, metadata={"pattern": NAME_PATTERN})
    num_episodes = fields.Integer(
        strict=True, load_default=DEFAULT_EPISODES, validate=Range(*SETTING_BOUNDS["num_episodes"])
    )
    save_interval = fields.Integer(
        strict=True, load_default=DEFAULT_SAVE_INTERVAL, validate=Range(*SETTING_BOUNDS["save_interval"])
    )
    eval_episodes = fields.Integer(
        strict=True, load_default=DEFAULT_EVAL_EPISODES, validate=Range(*SETTING_BOUNDS["eval_episodes"])
    )
    seed = fields.Integer(strict=True, load_default=None, allow_none=True, validate=Range(*SETTING_BOUNDS["seed"]))
    publish = fields.String(
        load_default=DEFAULT_PUBLISH,
        validate=validate.OneOf(PUBLISH_POLICIES),
        metadata={
            "description": "when the run becomes its scenario's published model: on_finish (default: at its end, "
            "finished or stopped), if_better (only when its held-out score beats the published run's, or none is "
            "published) or manual (never by itself)"
        },
    )
    # No load_default below: TrainConfig holds the defaults.
    keep_checkpoints = fields.Integer(
        strict=True,
        validate=Range(0, MAX_KEEP_CHECKPOINTS),
        metadata={
            "description": "periodic checkpoint folders the run keeps, the newest (default 5); best and final stay"
        },
    )
    resume_from = fields.String(
        allow_none=True,
        validate=validate.Regexp(RUN_ID_PATTERN, error=RUN_ID_VALUE_MESSAGE),
        metadata={
            "pattern": RUN_ID_DOC_PATTERN,
            "description": (
                "continue a finished or stopped run of the same scenario: its networks, "
                "observation normalisers and optimiser state; episodes continue its count"
            ),
        },
    )


class Error(Schema):
    """Every error response."""

    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class TrainingStarted(Schema):
    """``data`` of the start response and the ``training_started`` event (which has no ``status``)."""

    status = fields.String(metadata={"example": "started"})
    scenario_name = fields.String(required=True)
    num_episodes = fields.Integer(required=True)
    start_time = fields.String(required=True, metadata={"example": "2025-11-06T10:30:00"})
    run_id = fields.String(metadata={"example": "bologna_coppia-20261201-073012-3f9a"})


class StartTrainingResponse(Schema):
    message = fields.String(metadata={"example": "Training started successfully"})
    data = fields.Nested(TrainingStarted)


class TrainingStoppedData(Schema):
    run_id = fields.String()
    status = fields.String(metadata={"example": "stopped"})
    scenario_name = fields.String()
    episodes_completed = fields.Integer()
    total_episodes = fields.Integer()


class StopTrainingResponse(Schema):
    message = fields.String(metadata={"example": "Training stopped successfully"})
    data = fields.Nested(TrainingStoppedData)


class FinalMetrics(Schema):
    """The progress metrics, each a mean over the most recent episodes."""

    avg_reward = fields.Float()
    avg_duration = fields.Float()
    avg_cash = fields.Float()
    avg_invested = fields.Float()
    stability = fields.Float()
    goal_adherence = fields.Float()


class PhaseDetail(Schema):
    """What the trainer evaluates on."""

    households = fields.Integer(metadata={"description": "households of the evaluation"})
    purpose = fields.String(
        metadata={
            "enum": ["checkpoint", "held_out"],
            "description": "checkpoint: the periodic evaluation (eval_episodes households); held_out: the final "
            "agents on the held-out households at the run's end",
        }
    )


def phase_field() -> fields.String:
    """`phase`, as the status and the progress events carry it."""
    return fields.String(
        allow_none=True,
        metadata={
            "enum": [*PHASES, None],
            "description": "extra: what the trainer is doing: training (episodes), evaluating (checkpoint or held-out "
            "households; no episode ends meanwhile, so an ETA stands still) or saving; null when no run is active",
        },
    )


def phase_detail_field() -> fields.Nested:
    """`phase_detail`, beside `phase`."""
    return fields.Nested(
        PhaseDetail, allow_none=True, metadata={"description": "extra: while evaluating, on what; else null"}
    )


class TrainingProgress(FinalMetrics):
    """One completed episode: the ``training_progress`` event and ``latest_progress``; in them (not in saved
    histories), what the trainer does after it (``phase``: the record of the last episode before an evaluation says
    ``evaluating``)."""

    episode = fields.Integer(required=True)
    total_episodes = fields.Integer(required=True)
    elapsed_time = fields.Float(required=True, metadata={"description": "seconds since the run started"})
    run_id = fields.String(metadata={"description": "the run (in events and the status; not in saved histories)"})
    phase = phase_field()
    phase_detail = phase_detail_field()


class RunSettings(Schema):
    """The settings a run was started with (seed null: a random one)."""

    num_episodes = fields.Integer()
    save_interval = fields.Integer()
    eval_episodes = fields.Integer()
    seed = fields.Integer(allow_none=True)


class TrainingStatus(Schema):
    """GET /api/training/status: the current run, or the last one when idle."""

    is_training = fields.Boolean(required=True)
    run_id = fields.String(allow_none=True, metadata={"description": "the current or last run (docs/runs.md)"})
    scenario_name = fields.String(required=True, allow_none=True)
    current_episode = fields.Integer(required=True)
    total_episodes = fields.Integer(required=True)
    start_time = fields.String(required=True, allow_none=True)
    latest_progress = fields.Nested(TrainingProgress, required=True, allow_none=True)
    settings = fields.Nested(RunSettings, allow_none=True, metadata={"description": "extra: the run's start settings"})
    outcome = fields.String(
        allow_none=True,
        metadata={"description": "extra: how the last run ended (completed, stopped, failed); null while training"},
    )
    error = fields.String(allow_none=True, metadata={"description": "extra: why the last run failed"})
    state = fields.String(
        allow_none=True,
        metadata={
            "enum": ["queued", "running", "completed", "stopped", "failed", None],
            "description": "extra: where the run is (queued only in cluster mode, docs/cluster.md); null before any run",
        },
    )
    phase = phase_field()
    phase_detail = phase_detail_field()


class ConnectionEstablished(Schema):
    """The ``connection_established`` event, sent to each client as it connects."""

    message = fields.String(required=True, metadata={"example": "Connected to training updates"})
    sid = fields.String(required=True, metadata={"description": "the client's Socket.IO session id"})


class SubscribeTraining(Schema):
    """The ``subscribe_training`` event a client emits: ``{}`` (or nothing) for every run's events, or a
    filter, ``{"run_id": ...}`` or ``{"scenario_name": ...}``, for that run's or that scenario's only
    (a later subscribe replaces the filter). Other fields are ignored."""

    run_id = fields.String(metadata={"description": "only this run's training events"})
    scenario_name = fields.String(metadata={"description": "only this scenario's training events"})


class StopTrainingRequest(Schema):
    """Optional body of POST /api/training/stop: which run to stop (cluster mode may run several)."""

    class Meta:
        unknown = RAISE

    run_id = fields.String(
        validate=validate.Regexp(RUN_ID_PATTERN, error=RUN_ID_VALUE_MESSAGE),
        metadata={
            "pattern": RUN_ID_DOC_PATTERN,
            "description": "the run to stop; needed only when several are queued or training",
        },
    )


class Publication(Schema):
    """The record of one publish (docs/runs.md, "Publishing")."""

    run_id = fields.String(required=True)
    published_at = fields.String(required=True, metadata={"example": "2026-12-01T07:40:12+00:00"})
    reason = fields.String(required=True, metadata={"enum": list(REASONS)})
    replaced_run_id = fields.String(required=True, allow_none=True, metadata={"description": "null: none"})
    held_out = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "the run's held-out score: held_out.avg_reward of its summary (null: none)"},
    )
    replaced_held_out = fields.Float(
        required=True, allow_none=True, metadata={"description": "the replaced run's held-out score (null: none)"}
    )


def publication_field() -> fields.Nested:
    return fields.Nested(
        Publication,
        allow_none=True,
        metadata={
            "description": "an addition: the record of the run's publishing at its end, null when it did not "
            "publish itself (its start's `publish`, or no episode)"
        },
    )


class TrainingCompleted(Schema):
    """The ``training_completed`` event: the run did every episode and saved its model."""

    scenario_name = fields.String(required=True)
    episodes_completed = fields.Integer(required=True)
    final_metrics = fields.Nested(FinalMetrics, required=True)
    run_id = fields.String(metadata={"description": "the run (docs/runs.md); an addition to the spec's fields"})
    held_out = fields.Dict(
        metadata={
            "description": "the final agents on held-out households, as the history's "
            "`held_out` (reward metrics and euros, and `rules` when the "
            "household's tunings are saved); an addition"
        }
    )
    publication = publication_field()


class TrainingStopped(Schema):
    """The ``training_stopped`` event: a stop ended the run after an episode; the model so far is saved."""

    scenario_name = fields.String(required=True)
    episodes_completed = fields.Integer(required=True)
    run_id = fields.String(metadata={"description": "the run (docs/runs.md); an addition to the spec's fields"})
    publication = publication_field()


class TrainingDiagnostics(Schema):
    """The ``training_diagnostics`` event: one agent's PPO update (cleanrl's names; docs/agents.md)."""

    run_id = fields.String(required=True)
    scenario_name = fields.String(required=True)
    agent = fields.String(required=True, metadata={"enum": list(AGENTS)})
    update = fields.Integer(required=True, metadata={"description": "the update's number in the run, from 1"})
    episode = fields.Integer(
        required=True, metadata={"description": "episodes the agents have learned from after this update"}
    )
    policy_loss = fields.Float(required=True)
    value_loss = fields.Float(required=True)
    entropy = fields.Float(required=True)
    approx_kl = fields.Float(required=True)
    clip_fraction = fields.Float(required=True)
    explained_variance = fields.Float(
        required=True, allow_none=True, metadata={"description": "null when the returns did not vary"}
    )
    learning_rate = fields.Float(required=True)


class TrainingError(Schema):
    """The ``training_error`` event: the run failed (the trainer raised, crashed or was killed)."""

    message = fields.String(required=True, metadata={"example": "Training failed"})
    details = fields.String(required=True, metadata={"description": "what went wrong, for a person"})
    run_id = fields.String(metadata={"description": "the run (docs/runs.md); an addition to the spec's fields"})
    scenario_name = fields.String(metadata={"description": "the run's scenario; an addition to the spec's fields"})


class TrainingQueued(Schema):
    """The ``training_queued`` event (cluster mode): a start was accepted while every worker is busy;
    ``training_started`` follows when a worker takes the run."""

    scenario_name = fields.String(required=True)
    num_episodes = fields.Integer(required=True)
    run_id = fields.String(required=True)
    position = fields.Integer(required=True, metadata={"description": "runs ahead of this one in the queue"})


class TrainingProgressLog(Schema):
    """GET /api/training/progress: every episode of the current or last run (from ``since``)."""

    run_id = fields.String(allow_none=True)
    scenario_name = fields.String(allow_none=True)
    progress = fields.List(fields.Nested(TrainingProgress))


class HistoryQuery(Schema):
    """Query of GET /api/models/<name>/history and GET /api/runs/<run_id>/history."""

    class Meta:
        unknown = RAISE

    max_points = fields.Integer(
        load_default=None,
        validate=Range(min=2),
        metadata={
            "description": "At most this many progress records, evenly spread over the run, the first and "
            "the last always kept (default: all)"
        },
    )


class ProgressQuery(HistoryQuery):
    """Query of GET /api/training/progress."""

    since = fields.Integer(
        load_default=0, validate=Range(min=0), metadata={"description": "Only the episodes after this one"}
    )


class ScenarioSummary(Schema):
    """A scenario's household figures (monthly, in euro)."""

    name = fields.String()
    description = fields.String()
    monthly_income = fields.Float()
    fixed_expenses = fields.Float()
    variable_expenses_mean = fields.Float()
    monthly_expenses = fields.Float(metadata={"description": "fixed + mean variable expenses"})
    monthly_margin = fields.Float(metadata={"description": "income - monthly_expenses"})
    read_only = fields.Boolean(metadata={"description": "a bundled household: copy it to change it"})


class ScenarioList(Schema):
    scenarios = fields.List(fields.Nested(ScenarioSummary))


class ScenarioDetail(ScenarioSummary):
    """Every field of the scenario file, plus the summary figures."""

    safety_buffer = fields.Float()
    months = fields.Integer()
    initial_cash = fields.Float()
    risk_tolerance = fields.Float()
    profile = fields.String()
    variable_expenses_std = fields.Float()
    inflation_annual = fields.Float()
    investment_return_annual = fields.Float()
    investment_volatility_monthly = fields.Float()
    savings_interest_annual = fields.Float()
    salary_raise_annual = fields.Float()
    shock_probability_monthly = fields.Float()
    shock_cost_multiplier = fields.Float()
    income_loss_probability_monthly = fields.Float()
    income_loss_min_months = fields.Integer()
    income_loss_max_months = fields.Integer()
    income_loss_factor = fields.Float()
    sell_cost = fields.Float()


class ModelFiles(Schema):
    high_agent = fields.String(allow_none=True)
    low_agent = fields.String(allow_none=True)
    history = fields.String()
    summary = fields.String(allow_none=True)


class TrainedModel(Schema):
    scenario_name = fields.String()
    run_id = fields.String(allow_none=True, metadata={"description": "the published run"})
    files = fields.Nested(ModelFiles)
    episodes_completed = fields.Integer()
    final_metrics = fields.Nested(FinalMetrics)
    finished_at = fields.String()


class ModelList(Schema):
    models = fields.List(fields.Nested(TrainedModel))


class AgentDiagnostics(Schema):
    """One agent's PPO diagnostics as columns, one row per update (docs/agents.md)."""

    update = fields.List(fields.Integer())
    episode = fields.List(fields.Integer())
    policy_loss = fields.List(fields.Float())
    value_loss = fields.List(fields.Float())
    entropy = fields.List(fields.Float())
    approx_kl = fields.List(fields.Float())
    clip_fraction = fields.List(fields.Float())
    explained_variance = fields.List(fields.Float(allow_none=True))
    learning_rate = fields.List(fields.Float())


class Diagnostics(Schema):
    strategist = fields.Nested(AgentDiagnostics)
    executor = fields.Nested(AgentDiagnostics)


class TrainingHistory(Schema):
    """A finished run's ``{scenario}_history.json``."""

    scenario_name = fields.String()
    config = fields.Dict()
    scenario = fields.Dict(metadata={"description": "the scenario file's fields at training time"})
    seed = fields.Integer(allow_none=True)
    versions = fields.Dict()
    started_at = fields.String()
    finished_at = fields.String()
    episodes_completed = fields.Integer()
    total_episodes = fields.Integer()
    stopped = fields.Boolean()
    final_metrics = fields.Nested(FinalMetrics)
    held_out = fields.Dict(
        metadata={
            "description": "the final agents on held-out households: `households`, "
            "the metrics, and in today's euros `median_real_net_worth`, "
            "`p5_real_net_worth` and `share_broke` (empty if no episode ran); "
            "`rules` when the household's tunings are saved in models/baselines/: "
            "{target_liquidity_2, target_liquidity_4} each {tuned, paired: "
            "{reward, real_net_worth, total_spending} each {diff, stderr}}, "
            "the model minus the rule"
        }
    )
    notes = fields.List(fields.String(), metadata={"description": "what the run had to replace, and why"})
    progress = fields.List(fields.Nested(TrainingProgress))
    evaluations = fields.List(fields.Dict())
    diagnostics = fields.Nested(
        "Diagnostics",
        metadata={
            "description": "each agent's PPO diagnostics, one row per update ({} before they were "
            "recorded); thinned with max_points"
        },
    )


class Health(Schema):
    status = fields.String(metadata={"example": "ok"})
    async_mode = fields.String(metadata={"example": "eventlet"})
    is_training = fields.Boolean()
    mode = fields.String(metadata={"enum": ["embedded", "cluster"], "description": "docs/cluster.md"})
    broker = fields.String(metadata={"enum": ["up", "down"], "description": "cluster mode: whether Redis answers"})
    workers = fields.Integer(metadata={"description": "cluster mode: training slots of the live workers"})


start_training_request = StartTrainingRequest()
progress_query = ProgressQuery()
stop_training_request = StopTrainingRequest()
subscribe_filter = SubscribeTraining(unknown=EXCLUDE)
history_query = HistoryQuery()
