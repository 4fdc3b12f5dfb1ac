"""JSON errors: every API failure is `{"errors": {field: [message, ...]}}` with a 4xx/5xx."""

from __future__ import annotations

from flask import jsonify, request


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status: int, errors: dict):
    response = jsonify(errors=errors)
    response.status_code = status
    return response


def invalid(errors: dict):
    """422: the body was JSON but its values are not acceptable."""
    return json_error(422, errors)
