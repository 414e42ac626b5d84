"""``chasen slack --socket``: the Slack app over Socket Mode, for local use without a public URL."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import errors
from cli.session import database
from core.errors import ConfigurationError
from core.settings import get_settings
from scheduler.queue import run_worker
from slack_app.received import QUEUE


def slack_command(
    socket: Annotated[
        bool, typer.Option("--socket", help="Connect to Slack over Socket Mode (SLACK_APP_TOKEN).")
    ] = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Slack jobs handled at once.")
    ] = 2,
) -> None:
    """Run the Slack app over Socket Mode, with a worker for its jobs, until Ctrl-C.

    In production the app is served over HTTP by ``chasen serve`` at ``/slack/events``, and
    ``chasen worker`` handles its jobs; Socket Mode needs no public URL, for trying it locally.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from slack_app.app import create_bolt_app

    if not socket:
        raise ConfigurationError(
            "over HTTP the Slack app is served by `chasen serve` at /slack/events (with "
            "`chasen worker` for its jobs); `chasen slack --socket` runs it over Socket Mode"
        )
    settings = get_settings().slack
    if settings.app_token is None or not settings.app_token.get_secret_value():
        raise ConfigurationError(
            "SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...) with "
            "the connections:write scope (Basic Information > App-Level Tokens)"
        )
    with database() as db:
        app = create_bolt_app(db, settings, socket_mode=True)
        handler = SocketModeHandler(app, settings.app_token.get_secret_value())
        handler.connect()  # type: ignore[no-untyped-call]  # events arrive on its own threads
        errors.print(f"Slack app connected over Socket Mode on {db.describe()}; Ctrl-C to stop.")
        try:
            run_worker(db, queues=[QUEUE], concurrency=concurrency, wait=True)
        finally:
            handler.close()  # type: ignore[no-untyped-call]
