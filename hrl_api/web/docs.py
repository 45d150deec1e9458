"""The API's documents: OpenAPI (/api/openapi.json), AsyncAPI for the Socket.IO events
(/api/asyncapi.json) and the browsable Swagger UI page over the first (/api/docs).

Both documents name the server that answered, so that tools reading them call that server."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from hrl_api.apidocs.asyncapi import build_asyncapi_document
from hrl_api.apidocs.openapi import openapi_document

docs_bp = Blueprint("docs", __name__, url_prefix="/api")


def request_host() -> str:
    """``host:port`` as the client called it; the listening address when its Host header is invalid."""
    if request.host:
        return request.host
    host, port = request.server or ("127.0.0.1", None)
    return f"{host}:{port}" if port else host


@docs_bp.get("/openapi.json")
def openapi():
    """This API as an OpenAPI 3 document.
    ---
    get:
      tags: [docs]
      summary: OpenAPI document
      responses:
        200:
          description: OpenAPI 3 document
          content:
            application/json:
              schema: {type: object}
    """
    return jsonify(openapi_document(current_app, f"{request.scheme}://{request_host()}{request.script_root}"))


@docs_bp.get("/docs")
def api_docs():
    """An interactive page over /api/openapi.json (Swagger UI, served from static/vendor/).
    ---
    get:
      tags: [docs]
      summary: Browsable API documentation
      responses:
        200:
          description: An HTML page
          content:
            text/html:
              schema: {type: string}
    """
    return render_template("api_docs.html")


@docs_bp.get("/asyncapi.json")
def asyncapi():
    """The Socket.IO events as an AsyncAPI 3.0 document, for the server answering this request.
    ---
    get:
      tags: [docs]
      summary: AsyncAPI document of the Socket.IO events
      responses:
        200:
          description: AsyncAPI 3.0 document
          content:
            application/json:
              schema: {type: object}
    """
    return jsonify(build_asyncapi_document(request_host(), secure=request.is_secure))
