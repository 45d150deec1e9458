"""Every publish of a scenario, recorded: which run, when, why, and which run it replaced, with both held-out scores.

`models/publications/{scenario}.json` holds the scenario's log, oldest first; it is rewritten atomically by whoever
publishes, while holding the scenario's lock (`runlock`), so two publishes never lose each other's record. A record:

    {"run_id", "published_at" (UTC, ISO 8601 with its offset), "reason", "replaced_run_id" (null: none),
     "held_out", "replaced_held_out"}

`reason` is why the run was published (`REASONS`): its end ("finished", "stopped", or "resumed" for a run that
continued another), by hand ("manual"), by hand to take a publish back ("undo"), or because the published run was
deleted ("deleted"). `held_out` is the run's held-out score: the mean reward per household of its final agents on
the held-out households of the run's end (`held_out.avg_reward` of its summary, what the runs listing shows as
`held_out`); null for a run that has none (recorded by hand, or adopted from before runs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hrl_trainer.common.atomic import write_bytes_atomically
from hrl_trainer.common.clock import now_iso
from hrl_trainer.common.paths import resolve_models_dir, validate_name

PUBLICATIONS_FOLDER = "publications"
REASONS = ("finished", "stopped", "manual", "resumed", "undo", "deleted")
MANUAL_REASONS = ("manual", "undo")
"""The reasons a person may give when publishing by hand."""
KEPT_PUBLICATIONS = 1000
"""Records kept per scenario, the newest (a record is about 200 bytes)."""

Publication = dict[str, Any]


def publications_path(scenario: str, models_dir: str | Path | None = None) -> Path:
    """`models/publications/{scenario}.json`."""
    return resolve_models_dir(models_dir) / PUBLICATIONS_FOLDER / f"{validate_name(scenario)}.json"


def held_out_score(summary: dict | None) -> float | None:
    """A run's held-out score: `held_out.avg_reward` of its summary (None when it has none)."""
    score = ((summary or {}).get("held_out") or {}).get("avg_reward")
    return float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None


def new_publication(summary: dict, reason: str, replaced: dict | None) -> Publication:
    """The record of publishing the run of `summary` for `reason` in place of the run of `replaced` (None: none)."""
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}, got {reason!r}")
    return {
        "run_id": summary["run_id"],
        "published_at": now_iso(),
        "reason": reason,
        "replaced_run_id": replaced.get("run_id") if replaced else None,
        "held_out": held_out_score(summary),
        "replaced_held_out": held_out_score(replaced),
    }


def _saved(scenario: str, models_dir: str | Path | None) -> list[Publication]:
    try:
        saved = json.loads(publications_path(scenario, models_dir).read_bytes())
    except (OSError, ValueError):
        return []  # none yet (or a damaged file, which the next publish replaces)
    records = saved.get("publications") if isinstance(saved, dict) else None
    return [record for record in records if isinstance(record, dict)] if isinstance(records, list) else []


def read_publications(scenario: str, models_dir: str | Path | None = None) -> list[Publication]:
    """The scenario's publications, newest first ([] when none was recorded)."""
    return list(reversed(_saved(scenario, models_dir)))


def append_publication(scenario: str, record: Publication, models_dir: str | Path | None = None) -> None:
    """Add `record` to the scenario's log (the caller holds the scenario's lock), keeping the newest
    `KEPT_PUBLICATIONS`."""
    records = [*_saved(scenario, models_dir), record][-KEPT_PUBLICATIONS:]
    data = {"scenario_name": scenario, "publications": records}
    write_bytes_atomically(publications_path(scenario, models_dir), json.dumps(data, allow_nan=False).encode())
