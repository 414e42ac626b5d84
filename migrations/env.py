"""Alembic environment: runs on the connection ``core.schema`` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from core.models import Base
from migrations.queue_objects import include_name

# Any stable number: migrations from several processes take turns on this advisory lock.
_MIGRATION_LOCK = 7_100_316_001

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        compare_type=True,
        # The job queue's tables are procrastinate's, not described by ChaSen's models.
        include_name=include_name,
    )
    with context.begin_transaction():
        context.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        context.run_migrations()


_run(config.attributes["connection"])
