"""The API documents: OpenAPI for the REST endpoints and AsyncAPI for the Socket.IO events, built from the schemas."""
