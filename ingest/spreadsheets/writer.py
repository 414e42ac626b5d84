"""Comparing a row with what is stored, and the writes an import decided on.

The writes go out batched (see :mod:`ingest.spreadsheets.repository`). Only flushes: the
caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.models import Base
from ingest.spreadsheets import repository
from ingest.spreadsheets.report import RowOutcome
from ingest.spreadsheets.repository import Row


@dataclass
class Writes:
    """The rows one import inserts and updates in one table, and health readings to record."""

    model: type[Base]
    inserts: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    history: list[Row] = field(default_factory=list)

    def apply(self, session: Session) -> None:
        """Write everything (batched); only flushes."""
        repository.insert_rows(session, self.model, self.inserts)
        repository.update_rows(session, self.model, self.updates)
        repository.upsert_health_history(session, self.history)
        session.flush()


@dataclass
class Plan:
    """What an importer decided: an outcome per row, and the writes of the accepted rows."""

    outcomes: list[RowOutcome]
    writes: Writes
    other_changes: list[RowOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def same(before: Any, after: Any) -> bool:
    """Equal as stored: 5 and 5.00 are the same amount."""
    if isinstance(before, Decimal | int) and isinstance(after, Decimal | int):
        if isinstance(before, bool) or isinstance(after, bool):
            return before is after
        return Decimal(before) == Decimal(after)
    return bool(before == after)


def changes(
    stored: Mapping[str, Any], wanted: Mapping[str, Any], columns: Iterable[str]
) -> dict[str, tuple[Any, Any]]:
    """Column -> (stored, wanted) for each of ``columns`` in ``wanted`` that differs."""
    return {
        column: (stored.get(column), wanted[column])
        for column in columns
        if column in wanted and not same(stored.get(column), wanted[column])
    }


def now() -> datetime:
    """The time to stamp ``updated_at`` with."""
    return datetime.now(UTC)
