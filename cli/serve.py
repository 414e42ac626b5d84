"""``chasen serve`` (the HTTP API under uvicorn) and ``chasen token`` (a development token)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cli.session import unit_of_work
from core.logging import configure_logging, logging_config
from core.settings import get_settings
from planning import directory


class LogFormat(StrEnum):
    """How ``chasen serve`` writes its log lines."""

    json = "json"
    text = "text"


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_format: Annotated[
        LogFormat, typer.Option(help="json: one JSON object per line; text: for a terminal.")
    ] = LogFormat.json,
) -> None:
    """Serve the HTTP API (on the embedded database unless DATABASE_URL is set)."""
    import uvicorn

    level = get_settings().log_level
    json = log_format is LogFormat.json
    configure_logging(level, json=json)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=10,
        log_level=level.lower(),
        # uvicorn applies log_config again in each worker process it spawns (which inherit
        # nothing from this one), so it gets the same configuration rather than None.
        log_config=logging_config(level, json=json),
        access_log=False,  # the API writes its own access line, with the request id
    )


def token_command(
    user: Annotated[str, typer.Option("--user", help="E-mail of an active ChaSen user.")],
    ttl: Annotated[int | None, typer.Option("--ttl", min=60, help="Seconds it lasts.")] = None,
) -> None:
    """Print a signed bearer token for a user (for development and scripts)."""
    from api.tokens import mint

    with unit_of_work() as session:
        person = directory.get_active_user(session, user)
        subject, email = str(person.id), person.email
    print(mint(get_settings().api, subject=subject, email=email, ttl_s=ttl))
