"""Opening ChaSen's database the same way from every entry point (CLI, API, worker, tests)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import schema
from core.database import describe_url, make_engine, session_factory
from core.embedded import stop_embedded
from core.errors import SchemaOutdatedError
from core.settings import DatabaseSettings, Settings, get_settings


@dataclass(frozen=True)
class Database:
    """An open, migrated database: its engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]
    embedded: bool

    def describe(self) -> str:
        """Where the data lives, password hidden."""
        where = "embedded PostgreSQL" if self.embedded else "DATABASE_URL"
        return f"{where}: {describe_url(str(self.engine.url))}"

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(
    settings: Settings | None = None, *, migrate: bool | None = None, check_schema: bool = True
) -> Database:
    """Connect (starting the embedded server if no ``DATABASE_URL``) and check the schema.

    ``migrate`` None: migrate the embedded database automatically, but only check one named by
    ``DATABASE_URL`` (its owner runs ``chasen db upgrade``); True/False force either way.
    ``check_schema`` False leaves a schema that is not migrated as it is (for ``chasen db``,
    which is how it gets migrated).
    """
    settings = settings or get_settings()
    embedded = settings.database.url is None
    engine = make_engine(settings.database)
    if migrate if migrate is not None else embedded:
        schema.upgrade(engine)
    elif check_schema and not schema.is_current(engine):
        current = schema.current_revision(engine) or "empty"
        engine.dispose()
        raise SchemaOutdatedError(
            f"The database is at schema revision {current}, this code needs "
            f"{schema.head_revision(engine)}: run `chasen db upgrade`"
        )
    return Database(engine=engine, sessions=session_factory(engine), embedded=embedded)


@contextmanager
def scratch_database(prefix: str = "chasen-scratch-") -> Iterator[Database]:
    """A migrated embedded database in a temporary folder, stopped and removed afterwards.

    For runs that must not touch anyone's data: benchmarks and evaluations.
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        data_dir = Path(folder) / "pg"
        db = open_database(
            Settings(database=DatabaseSettings(url=None, data_dir=data_dir)), migrate=True
        )
        try:
            yield db
        finally:
            db.close()
            stop_embedded(data_dir)
