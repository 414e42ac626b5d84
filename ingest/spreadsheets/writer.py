"""Comparing a row with what is stored, and writing many rows in few statements.

Inserts and updates go out in batches (SQLAlchemy's bulk INSERT and bulk UPDATE by primary
key), never one query per row. Only flushes: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from core.models import Base, ClientHealthHistory
from ingest.spreadsheets.report import RowOutcome

BATCH = 1000
Row = dict[str, Any]


@dataclass
class Writes:
    """The rows one import inserts and updates in one table, and health readings to record."""

    model: type[Base]
    inserts: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    history: list[Row] = field(default_factory=list)

    def apply(self, session: Session) -> None:
        """Write everything (batched); only flushes."""
        insert_rows(session, self.model, self.inserts)
        update_rows(session, self.model, self.updates)
        if self.history:
            upsert_health_history(session, self.history)
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


def insert_rows(session: Session, model: type[Base], rows: Sequence[Row]) -> None:
    """Insert ``rows`` (dicts of column values, all with the same keys) in batches."""
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), list(rows[start : start + BATCH]))


def update_rows(session: Session, model: type[Base], rows: Sequence[Row]) -> None:
    """Update rows by primary key (``id`` in each dict), grouped by the columns they set."""
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        for start in range(0, len(group), BATCH):
            session.execute(update(model), group[start : start + BATCH])


def upsert_health_history(session: Session, rows: Sequence[Row]) -> None:
    """Write today's readings; a second import on the same day replaces the first's."""
    for start in range(0, len(rows), BATCH):
        statement = pg_insert(ClientHealthHistory).values(list(rows[start : start + BATCH]))
        statement = statement.on_conflict_do_update(
            index_elements=["client_id", "recorded_on"],
            set_={
                "health_score": statement.excluded.health_score,
                "nps": statement.excluded.nps,
                "arr": statement.excluded.arr,
            },
        )
        session.execute(statement)
