"""Bulk writes through COPY, for the few places that store thousands of rows at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy.orm import Session


def driver_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session's transaction (for COPY and driver types)."""
    record = session.connection().connection
    conn: psycopg.Connection[Any] = record.driver_connection  # type: ignore[assignment]
    return conn


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY ``rows`` into ``table`` in the session's transaction (Python values, text format)."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with driver_connection(session).cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
