"""Engines, sessions and the transaction boundary.

Callers at the edge (a CLI command, a request, a job, a tool call) own the transaction through
:func:`transaction`; services below only flush.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.embedded import start_embedded
from core.errors import DatabaseUnavailableError
from core.settings import DatabaseSettings


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` URLs and select the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def resolve_url(settings: DatabaseSettings) -> str:
    """The URL to connect to: ``DATABASE_URL`` when set, else the embedded server's."""
    if settings.url is not None:
        return normalise_url(settings.url.get_secret_value())
    return start_embedded(settings.data_dir, settings.name)


def conninfo(url: URL | str, *, connect_timeout_s: int | None = None) -> str:
    """A libpq connection string for a SQLAlchemy or libpq URL.

    The embedded server's URLs name a unix socket as ``?host=/path``, which libpq reads as a
    keyword while the ``+psycopg`` driver suffix is SQLAlchemy's alone: rebuilding the string
    from the URL's parts serves both kinds of URL.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    params: dict[str, Any] = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    for key, value in parsed.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    if connect_timeout_s is not None:
        params.setdefault("connect_timeout", connect_timeout_s)
    return make_conninfo("", **{k: v for k, v in params.items() if v not in (None, "")})


def describe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(settings: DatabaseSettings) -> Engine:
    """Create an engine for :func:`resolve_url` and check it connects."""
    url = resolve_url(settings)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUnavailableError(
            "DATABASE_URL is not a database URL; expected e.g. "
            "postgresql://user:password@host:5432/dbname"
        ) from None
    engine = create_engine(
        parsed,
        pool_size=settings.pool_size,
        pool_pre_ping=True,
        echo=settings.echo,
        connect_args={"connect_timeout": settings.connect_timeout_s},
    )
    check_connection(engine)
    return engine


def check_connection(engine: Engine) -> None:
    """Raise :class:`DatabaseUnavailableError` naming ``DATABASE_URL`` if nothing answers."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        raise DatabaseUnavailableError(
            f"Cannot connect to the database at {describe_url(str(engine.url))} "
            f"(from DATABASE_URL or the embedded default): {_first_line(exc)}. "
            "Check DATABASE_URL, or unset it to use the embedded server.",
            url=describe_url(str(engine.url)),
        ) from exc


def _first_line(exc: DBAPIError | psycopg.Error) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(cause or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session in one transaction: commit on success, roll back on any error.

    The database going away part way is one :class:`DatabaseUnavailableError`, whichever
    connection noticed: this session's, another session's opened in the block (a tool's
    read), or a bare psycopg one (the agent's checkpoints).
    """
    with factory() as session:
        try:
            yield session
            session.commit()
        except (OperationalError, psycopg.OperationalError) as exc:
            _roll_back(session)
            raise DatabaseUnavailableError(
                f"The database stopped answering: {_first_line(exc)}"
            ) from exc
        except BaseException:
            _roll_back(session)
            raise


def _roll_back(session: Session) -> None:
    # A connection the server dropped has no transaction left to roll back (it went with the
    # connection); failing here would replace the error that explains what happened.
    with contextlib.suppress(OperationalError):
        session.rollback()
