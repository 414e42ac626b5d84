"""The job queue's own database objects, which ChaSen's models do not describe.

Migration 0005 installs procrastinate's schema; its objects are all named ``procrastinate_*``.
Migration 0007 installs LangGraph's checkpoint tables, all named ``checkpoint*``.
:func:`include_name` is the Alembic ``include_name`` hook that leaves them out when the models
are compared with the database (``alembic revision --autogenerate`` and the schema tests).
"""

from __future__ import annotations

from alembic.runtime.environment import NameFilterParentNames, NameFilterType

QUEUE_PREFIX = "procrastinate_"
CHECKPOINT_PREFIX = "checkpoint"


def include_name(
    name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames
) -> bool:
    """False for the job queue's and the checkpointer's tables (their indexes and constraints
    go with them)."""
    return not (
        type_ == "table" and name is not None and name.startswith((QUEUE_PREFIX, CHECKPOINT_PREFIX))
    )
