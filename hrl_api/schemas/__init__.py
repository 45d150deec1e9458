"""The marshmallow schemas of every request and answer: they validate bodies and build the API documents."""
