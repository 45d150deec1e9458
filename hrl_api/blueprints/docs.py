"""Browsable documentation: the Swagger UI page (/api/docs) and the AsyncAPI document of the
Socket.IO events (/api/asyncapi.json)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from hrl_api.asyncapi import build_asyncapi_document

docs_bp = Blueprint("docs", __name__, url_prefix="/api")


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
    return jsonify(build_asyncapi_document(request.host, secure=request.is_secure))
