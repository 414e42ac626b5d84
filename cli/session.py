"""Opening the database and a transaction for one CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from core.bootstrap import Database, open_database
from core.database import transaction


@contextmanager
def database(*, migrate: bool | None = None, check_schema: bool = True) -> Iterator[Database]:
    """The database for this command, closed at the end."""
    db = open_database(migrate=migrate, check_schema=check_schema)
    try:
        yield db
    finally:
        db.close()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for one command: committed if the command succeeds."""
    with database() as db, transaction(db.sessions) as session:
        yield session
