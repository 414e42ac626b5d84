"""SQL for spreadsheet imports: loading what is stored once per import, and batched writes.

Inserts and updates go out in batches (SQLAlchemy's bulk INSERT and bulk UPDATE by primary
key), never one query per row. Only flushes or executes: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from core.models import Base, ClientHealthHistory, User

BATCH = 1000
Row = dict[str, Any]


def users(session: Session) -> list[tuple[uuid.UUID, str, str]]:
    """Every user's id, e-mail and name."""
    query = select(User.id, User.email, User.name)
    return [(user.id, user.email, user.name) for user in session.execute(query)]


def stored_rows(session: Session, model: type[Base]) -> list[Row]:
    """Every row of ``model``'s table, as column -> value dicts."""
    return [dict(row) for row in session.execute(select(model.__table__)).mappings()]


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
