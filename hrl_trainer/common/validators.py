"""marshmallow's Range and Length validators, saying what they accept in words (`wording`): "Must be from 0 to
100,000,000." rather than "Must be greater than or equal to 0 and less than or equal to 100000000.0.".

Every schema of the API and of the households uses these instead of marshmallow's own (they are subclasses, so
whatever reads a schema's bounds, `GET /api/settings` say, still finds a `validate.Range`)."""

from __future__ import annotations

from typing import Any

from marshmallow import validate

from hrl_trainer.common.wording import bounds, length, number, sentence


class Range(validate.Range):
    """`validate.Range`, its message in words."""

    def _format_error(self, value: Any, message: str) -> str:
        if self.error:
            return super()._format_error(value, message)
        within = bounds(self.min, self.max, low_inclusive=self.min_inclusive, high_inclusive=self.max_inclusive)
        return sentence(f"must be {within}")


class Length(validate.Length):
    """`validate.Length` of a string (or, with `what="items"`, a list), its message in words."""

    def __init__(self, min: int | None = None, max: int | None = None, *, what: str = "characters", **kwargs: Any):
        super().__init__(min, max, **kwargs)
        self.what = what

    def _format_error(self, value: Any, message: str) -> str:
        if self.error:
            return super()._format_error(value, message)
        if self.equal is not None:
            return sentence(f"must be exactly {number(self.equal)} {self.what}")
        return sentence(f"must be {length(self.min, self.max, self.what)}")
