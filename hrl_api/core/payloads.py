"""What requests carry and answers hold beside JSON objects: the request's JSON body (when there is one), and CSV
answers to download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Response, request


def json_body() -> Any:
    """The request's JSON; None when it is not JSON or is nested too deeply to parse."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def optional_json_body() -> Any:
    """`json_body`, or {} when the request has no body at all (an optional body left out)."""
    return json_body() if request.get_data() else {}


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """`rows` as CSV with a header of `columns` (a row's missing or null value: an empty cell; numbers as Python
    writes them, in full)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(column) is None else row[column] for column in columns])
    return out.getvalue()


def csv_response(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], filename: str) -> Response:
    """A `text/csv` download of `rows` named `filename`."""
    return Response(
        csv_text(columns, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
