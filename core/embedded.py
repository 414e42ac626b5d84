"""The embedded PostgreSQL 16 + pgvector server (PyPI ``pgserver``), ChaSen's default database.

Every process that calls :func:`start_embedded` on the same data folder shares one server;
``pgserver`` counts the processes and stops the server when the last one exits.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from core.errors import DatabaseUnavailableError

_servers: dict[Path, Any] = {}


def _get_server(data_dir: Path) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver then uses /tmp, which is fine.
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

        return get_server(data_dir, cleanup_mode="stop")


def start_embedded(data_dir: Path, database: str) -> str:
    """Start (or join) the embedded server in ``data_dir``; return a URL for ``database``.

    The database is created when missing, so a fresh folder is ready to migrate.
    """
    data_dir = data_dir.expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = _servers.get(data_dir)
    if server is None:
        try:
            server = _get_server(data_dir)
        except Exception as exc:  # pgserver raises bare subprocess/OS errors
            raise DatabaseUnavailableError(
                f"The embedded PostgreSQL server in {data_dir} did not start: {exc}. "
                "Set DATABASE_URL to use another Postgres, or CHASEN_DB_DATA_DIR to use "
                "another data folder."
            ) from exc
        _servers[data_dir] = server
    _ensure_database(server.get_uri(), database)
    libpq_uri: str = server.get_uri(database)
    return libpq_uri.replace("postgresql://", "postgresql+psycopg://", 1)


def _ensure_database(admin_uri: str, database: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists:
            return
        with contextlib.suppress(pg_errors.DuplicateDatabase):  # another process was first
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def stop_embedded(data_dir: Path) -> None:
    """Let go of the server in ``data_dir``; it stops if no other process still uses it."""
    server = _servers.pop(data_dir.expanduser().resolve(), None)
    if server is not None:
        server.cleanup()
