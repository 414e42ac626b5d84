"""The OpenAPI document, with the errors every operation can answer with.

FastAPI documents only a 422 of its own shape; ChaSen answers every error as problem JSON
(RFC 9457). This states that once, for every operation, so that clients generated from the
document know the shape and the statuses they will meet.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.problems import PROBLEM_JSON, TITLES

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An error (RFC 9457). ``type`` ends in a stable code for machines.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each invalid field (422): where it is and what is wrong.",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "current_version": {
            "type": "integer",
            "description": "The plan's version now (409 on a stale write).",
        },
    },
}

EVERY = (401, 403, 404, 422, 503)
WRITES = (409, 413)
WRITE_METHODS = {"post", "put", "patch", "delete"}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe problem responses on every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _add_problems(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (HS256)"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
OPEN_TAGS = {"operations"}
"""Operations anyone may call (health and readiness)."""


def _add_problems(document: dict[str, Any]) -> None:
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = [{"bearer": []}, {"apiKey": []}]
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if OPEN_TAGS & set(operation.get("tags", [])):
                operation["security"] = []
                continue
            statuses = list(EVERY)
            if method in WRITE_METHODS:
                statuses += WRITES
            names = {p["name"].lower() for p in operation.get("parameters", [])}
            if "if-match" in names and method == "put":
                statuses.append(428)
            content = operation.get("requestBody", {}).get("content", {})
            if content:
                statuses.append(400)  # a body that cannot be read at all
            if "multipart/form-data" in content:
                statuses.append(415)
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses[str(status)] = {
                    "description": TITLES.get(status, "Error"),
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
