"""``chasen worker``: run background and scheduled jobs until interrupted."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import errors
from cli.session import database
from scheduler.queue import load_task_modules, run_worker


def worker_command(
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Jobs this worker runs at once.")
    ] = 1,
    queues: Annotated[
        list[str] | None,
        typer.Option(
            "--queue", metavar="NAME", help="Take jobs from this queue (repeatable); default all."
        ),
    ] = None,
) -> None:
    """Run a worker on the configured database until Ctrl-C (SIGINT) or SIGTERM.

    Running jobs finish before the worker stops.

    The embedded database is started and migrated as for every command.
    """
    modules = load_task_modules()
    with database() as db:
        where = ", ".join(queues) if queues else "all queues"
        errors.print(
            f"worker on {db.describe()}: {where}, concurrency {concurrency}, "
            f"tasks from {', '.join(modules)}. Ctrl-C to stop.",
            highlight=False,
        )
        run_worker(db, queues=queues, concurrency=concurrency, wait=True)
