"""Typed domain errors. Each edge (CLI, HTTP, Slack, tools) renders them its own way."""

from __future__ import annotations

from typing import Any


class ChaSenError(Exception):
    """Base of every error ChaSen raises on purpose; ``code`` is stable for machines."""

    code = "chasen_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFoundError(ChaSenError):
    """An id that names nothing (plan, client, user, section)."""

    code = "not_found"


class ValidationError(ChaSenError):
    """Input of the wrong shape or value; ``details['errors']`` lists each problem."""

    code = "validation_error"


class ConflictError(ChaSenError):
    """The request clashes with the current state (duplicate key, illegal move)."""

    code = "conflict"


class VersionConflictError(ConflictError):
    """A write based on a stale version; ``current_version`` says what to retry with."""

    code = "version_conflict"

    def __init__(self, message: str, *, current_version: int, **details: Any) -> None:
        super().__init__(message, current_version=current_version, **details)
        self.current_version = current_version


class IllegalTransitionError(ConflictError):
    """A workflow move the plan's current status does not allow."""

    code = "illegal_transition"


class PermissionDeniedError(ChaSenError):
    """The acting user may not do this."""

    code = "permission_denied"


class DatabaseUnavailableError(ChaSenError):
    """The database refused or dropped the connection."""

    code = "database_unavailable"


class SchemaOutdatedError(ChaSenError):
    """The database is behind this code's migrations."""

    code = "schema_outdated"


class ConfigurationError(ChaSenError):
    """Something this machine lacks: a tiktoken encoding, a model package, a setting."""

    code = "configuration"
