"""Every error the API returns, as JSON ``{"message": ..., "errors": {field: [...]}}``."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

ErrorDetails = dict[str, list[str]]


class ApiError(Exception):
    """An error a view raises to answer with ``status`` and a JSON body."""

    def __init__(
        self, status: int, message: str, errors: ErrorDetails | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.headers = headers or {}


def error_response(status: int, message: str, errors: ErrorDetails | None = None) -> tuple[Response, int]:
    """Build the JSON error body every endpoint uses."""
    return jsonify({"message": message, "errors": errors or {}}), status


def _as_field_errors(messages: Any) -> ErrorDetails:
    return messages if isinstance(messages, dict) else {"_schema": list(messages)}


def register_error_handlers(app: Flask) -> None:
    """Turn API errors, validation errors, HTTP errors and crashes into JSON."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        response, status = error_response(error.status, error.message, error.errors)
        response.headers.update(error.headers)
        return response, status

    @app.errorhandler(ValidationError)
    def _validation_error(error: ValidationError):
        return error_response(400, "Invalid request body", _as_field_errors(error.messages))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        response, status = error_response(error.code or 500, error.description or error.name)
        allowed = getattr(error, "valid_methods", None)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response, status

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception):
        app.logger.exception("Unhandled error")
        return error_response(500, "Internal server error")
