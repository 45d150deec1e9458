"""A run's name, notes and tags: what a person calls it, kept in its own file, `runs/{run_id}/labels.json`.

The file is not the summary the training process writes (`run.json`), so labelling a run while it trains
is safe: each writer owns its file, and each file is replaced atomically. The bounds are `common.config`'s
(`RUN_NAME_MAX_LENGTH`, `RUN_NOTES_MAX_LENGTH`, `RUN_TAGS_MAX`, `RUN_TAG_LENGTH`, `RUN_TAG_CHARACTERS`); the
API's schema and the CLI both check through `clean_labels`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hrl_trainer.common.atomic import write_bytes_atomically
from hrl_trainer.common.clock import now_iso
from hrl_trainer.common.config import (
    RUN_NAME_MAX_LENGTH,
    RUN_NOTES_MAX_LENGTH,
    RUN_TAG_CHARACTERS,
    RUN_TAG_LENGTH,
    RUN_TAGS_MAX,
)
from hrl_trainer.common.errors import FieldErrors
from hrl_trainer.common.wording import length, sentence

LABELS_FILE = "labels.json"
LABEL_FIELDS = ("name", "notes", "tags")
NO_LABELS: dict[str, Any] = {"name": None, "notes": "", "tags": []}
"""The labels of a run nobody labelled."""
TAG_PATTERN = re.compile(f"[{RUN_TAG_CHARACTERS}]{{{RUN_TAG_LENGTH[0]},{RUN_TAG_LENGTH[1]}}}")
TAG_DOC_PATTERN = f"^[{RUN_TAG_CHARACTERS}]{{{RUN_TAG_LENGTH[0]},{RUN_TAG_LENGTH[1]}}}$"
"""`TAG_PATTERN` for OpenAPI clients (ECMA-262)."""
TAG_RULE = f"letters, digits, space, - and _ only, {length(*RUN_TAG_LENGTH)}"
"""`TAG_PATTERN` in words."""


def clean_labels(changes: dict[str, Any]) -> dict[str, Any]:
    """The labels `changes` sets (any of `name`, `notes`, `tags`), trimmed and checked: a name of at most
    `RUN_NAME_MAX_LENGTH` characters ("" clears it: None), notes of at most `RUN_NOTES_MAX_LENGTH`, at most
    `RUN_TAGS_MAX` distinct tags of `TAG_RULE`. FieldErrors naming every field at fault; nothing to set is
    an error too."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    unknown = sorted(set(changes) - set(LABEL_FIELDS))
    for field in unknown:
        errors[field] = ["Unknown field."]
    if not changes:
        errors["_schema"] = [f"Give at least one of {', '.join(LABEL_FIELDS)}."]
    if "name" in changes:
        name = changes["name"]
        if name is None:  # cleared (as `clean_labels` leaves an empty name)
            cleaned["name"] = None
        elif not isinstance(name, str):
            errors["name"] = ["Not a valid string."]
        elif len(name.strip()) > RUN_NAME_MAX_LENGTH:
            errors["name"] = [sentence(f'must be {length(high=RUN_NAME_MAX_LENGTH)} ("" clears the name)')]
        else:
            cleaned["name"] = name.strip() or None
    if "notes" in changes:
        notes = changes["notes"]
        if not isinstance(notes, str):
            errors["notes"] = ["Not a valid string."]
        elif len(notes) > RUN_NOTES_MAX_LENGTH:
            errors["notes"] = [sentence(f"must be {length(high=RUN_NOTES_MAX_LENGTH)}")]
        else:
            cleaned["notes"] = notes.strip()
    if "tags" in changes:
        tags, problems = _clean_tags(changes["tags"])
        if problems:
            errors["tags"] = problems
        else:
            cleaned["tags"] = tags
    if errors:
        raise FieldErrors("Invalid labels", errors)
    return cleaned


def _clean_tags(tags: Any) -> tuple[list[str], list[str]]:
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        return [], ["Must be a list of strings."]
    trimmed = [tag.strip() for tag in tags]
    problems = []
    if len(trimmed) > RUN_TAGS_MAX:
        problems.append(sentence(f"at most {RUN_TAGS_MAX} tags"))
    bad = [tag for tag in trimmed if not TAG_PATTERN.fullmatch(tag)]
    if bad:
        problems.append(f"Each tag: {TAG_RULE} (not {bad[0]!r}).")
    if len(set(trimmed)) != len(trimmed):
        problems.append("Tags must be distinct.")
    return trimmed, problems


def read_labels(folder: Path) -> dict[str, Any]:
    """The labels of the run in `folder` (`NO_LABELS` when it has none, or its file is damaged)."""
    try:
        saved = json.loads((folder / LABELS_FILE).read_bytes())
    except (OSError, ValueError):
        return dict(NO_LABELS)
    if not isinstance(saved, dict):
        return dict(NO_LABELS)
    return {field: saved.get(field, NO_LABELS[field]) for field in LABEL_FIELDS}


def write_labels(folder: Path, changes: dict[str, Any]) -> dict[str, Any]:
    """Set the labels `changes` names (checked by `clean_labels`) on the run in `folder`; the others stay. Returns
    every label of the run."""
    labels = {**read_labels(folder), **clean_labels(changes)}
    data = {**labels, "updated_at": now_iso()}
    write_bytes_atomically(folder / LABELS_FILE, json.dumps(data, ensure_ascii=False).encode())
    return labels


def label_text(labels: dict[str, Any]) -> str:
    """Everything a search looks in, lower case: the name, the tags and the notes."""
    return "\n".join([labels.get("name") or "", *labels.get("tags", []), labels.get("notes") or ""]).lower()
