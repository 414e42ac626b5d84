"""Errors as RFC 9457 problem JSON, rendered in one place from ChaSen's typed errors."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (
    ChaSenError,
    ConfigurationError,
    ConflictError,
    DatabaseUnavailableError,
    NotFoundError,
    PermissionDeniedError,
    SchemaOutdatedError,
    ValidationError,
    VersionConflictError,
)

log = logging.getLogger("chasen.api")
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://chasen.example.com/problems/"

STATUS: list[tuple[type[ChaSenError], int]] = [
    (NotFoundError, 404),
    (ValidationError, 422),
    (ConflictError, 409),
    (PermissionDeniedError, 403),
    (DatabaseUnavailableError, 503),
    (SchemaOutdatedError, 503),
    (ConfigurationError, 503),
]
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    500: "Internal error",
    503: "Service unavailable",
}


class ApiError(Exception):
    """An HTTP-only problem (authentication, preconditions) with its status and code."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers or {}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body = problem_body(status, code, detail, extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_body(
    status: int, code: str, detail: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The RFC 9457 body of a problem."""
    return {
        "type": TYPE_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **(extra or {}),
    }


def domain_problem(error: ChaSenError) -> tuple[dict[str, Any], dict[str, str]]:
    """The problem body of a domain error, and the headers that go with it."""
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(error, ValidationError):
        extra["errors"] = error.details.get("errors", [])
    if isinstance(error, VersionConflictError):
        extra["current_version"] = error.current_version
        headers["ETag"] = etag(error.current_version)
    return problem_body(status_of(error), error.code, error.message, extra), headers


def status_of(error: ChaSenError) -> int:
    """The HTTP status of a domain error."""
    return next((status for kind, status in STATUS if isinstance(error, kind)), 400)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem JSON."""

    @app.exception_handler(ChaSenError)
    async def domain(request: Request, error: ChaSenError) -> JSONResponse:
        body, headers = domain_problem(error)
        return JSONResponse(
            body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers
        )

    @app.exception_handler(ApiError)
    async def api(request: Request, error: ApiError) -> JSONResponse:
        return problem(error.status, error.code, error.detail, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"path": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
        return problem(422, "validation_error", detail, extra={"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers) if error.headers else None
        return problem(error.status_code, "http_error", str(error.detail), headers=headers)

    @app.exception_handler(DataError)
    async def unstorable(request: Request, error: DataError) -> JSONResponse:
        # The database refused a value the models let through (a NUL character, say).
        reason = str(error.orig).splitlines()[0] if error.orig else "a value is out of range"
        return problem(422, "unstorable_value", f"a value cannot be stored: {reason}")

    @app.exception_handler(UnicodeEncodeError)
    async def unencodable(request: Request, error: UnicodeEncodeError) -> JSONResponse:
        return problem(
            422,
            "invalid_text",
            f"the text holds characters that are not valid Unicode: {error.reason}",
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal_error", "Something went wrong on our side; it is logged.")


def etag(version: int) -> str:
    """The ETag of a plan at ``version``."""
    return f'"v{version}"'
