"""Bulk writes through COPY, for the few places that store thousands of rows at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy.orm import Session


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY ``rows`` into ``table`` in the session's transaction (Python values, text format)."""
    record = session.connection().connection
    conn: psycopg.Connection[Any] = record.driver_connection  # type: ignore[assignment]
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
