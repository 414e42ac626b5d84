"""The Postgres checkpointer on ChaSen's own database, so threads outlive processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from core.bootstrap import Database
from core.database import conninfo
from core.settings import get_settings


@contextmanager
def open_checkpointer(database: Database, max_size: int = 4) -> Iterator[PostgresSaver]:
    """A checkpointer over a small connection pool; its tables come from migration 0007."""
    info = conninfo(
        database.engine.url, connect_timeout_s=get_settings().database.connect_timeout_s
    )
    kwargs: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    with ConnectionPool(
        info, min_size=1, max_size=max_size, kwargs=kwargs, name="chasen-checkpoints"
    ) as pool:
        yield PostgresSaver(pool)  # type: ignore[arg-type]
