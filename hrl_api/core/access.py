"""Who may control training: an optional API token and the browser origins allowed to call.

With ``API_TOKEN`` set ($HRL_API_TOKEN), starting or stopping a run needs
``Authorization: Bearer <token>`` and a Socket.IO connection needs ``auth={"token": <token>}``.
Reading (status, progress, scenarios, models) stays open. Browsers may call from the page's own
origin, plus the ``CORS_ORIGINS`` list ($HRL_CORS_ORIGINS, comma-separated); never ``*`` by default.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, request

from hrl_api.core.errors import error_response

CORS_HEADERS = {
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
}


def token_accepted(given: Any) -> bool:
    """True when no token is configured, or ``given`` is it (compared in constant time)."""
    expected = current_app.config["API_TOKEN"]
    if not expected:
        return True
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 401 unless the request carries the configured token."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not token_accepted(_bearer_token()):
            response, status = error_response(401, "Missing or invalid API token: send 'Authorization: Bearer <token>'")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response, status
        return view(*args, **kwargs)

    return guarded


def register_cors(app: Flask) -> None:
    """Add CORS headers for the configured origins only (none by default: same origin)."""
    allowed = set(app.config["CORS_ORIGINS"] or ())

    @app.after_request
    def _cors(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if origin in allowed:
            response.headers.update({"Access-Control-Allow-Origin": origin, **CORS_HEADERS})
            response.vary.add("Origin")
        return response
