"""The Postgres checkpointer on ChaSen's own database, so threads outlive processes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from core.bootstrap import Database
from core.database import conninfo
from core.settings import get_settings


class PooledPostgresSaver(PostgresSaver):
    """LangGraph's Postgres checkpointer, each operation on a pooled connection of its own.

    ``PostgresSaver`` runs every operation under one lock, which its single-connection mode
    needs; over a pool the lock only queues all runs of the process behind the slowest
    operation (langgraph#7259). While the database is away, that is one operation after
    another each waiting out the pool's timeout. The pool bounds the concurrency instead.
    """

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        super().__init__(pool)
        self.lock = contextlib.nullcontext()  # type: ignore[assignment]


@contextmanager
def open_checkpointer(database: Database, max_size: int = 4) -> Iterator[PostgresSaver]:
    """A checkpointer over a small connection pool; its tables come from migration 0007.

    Each connection is checked as it leaves the pool: after a database restart the pooled
    ones are dead, and handing one out would fail the next run or decision on a database that
    is up again. Waiting for a connection gives up after the connect timeout, as a connection
    attempt does: while the database is away a run fails then, rather than after the pool's
    default 30 s.
    """
    timeout_s = get_settings().database.connect_timeout_s
    info = conninfo(database.engine.url, connect_timeout_s=timeout_s)
    kwargs: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    with ConnectionPool(
        info,
        min_size=1,
        max_size=max_size,
        kwargs=kwargs,
        check=ConnectionPool.check_connection,
        timeout=timeout_s,
        name="chasen-checkpoints",
    ) as pool:
        yield PooledPostgresSaver(pool)
