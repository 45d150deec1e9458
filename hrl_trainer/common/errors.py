"""Errors that name the fields at fault, whole after the trip from a worker process to the web process."""

from __future__ import annotations


class FieldErrors(ValueError):
    """Values that do not fit; `errors` maps each field to its messages. Unpickled as `FieldErrors` itself, so
    that the process that receives it needs none of the module that raised a subclass."""

    def __init__(self, message: str, errors: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.errors = errors

    def __reduce__(self) -> tuple[type, tuple[str, dict[str, list[str]]]]:
        return FieldErrors, (str(self), self.errors)
