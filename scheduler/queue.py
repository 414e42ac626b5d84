"""ChaSen's job queue: one procrastinate :class:`~procrastinate.App` on ChaSen's own database.

Task modules decorate functions with :data:`queue` at import time and list themselves in
``scheduler.tasks.TASK_MODULES`` so that every worker knows them::

    from procrastinate import RetryStrategy

    from scheduler.queue import queue

    @queue.periodic(cron="0 7 * * 1-5")  # weekdays 07:00 UTC; the worker defers it
    @queue.task(
        name="risk.rescore",
        lock="risk.rescore",  # never two at once
        retry=RetryStrategy(max_attempts=4, exponential_wait=5, retry_exceptions={OSError}),
    )
    def rescore(timestamp: int) -> None:  # periodic tasks receive their cron tick
        ...

Deferring from ordinary code (CLI, tests, the API) is synchronous::

    with open_queue(database) as app:
        ingest_file.defer(path="/tmp/call.vtt")
        ingest_file.configure(lock="client-42", schedule_in={"minutes": 5}).defer(path=...)
        app.configure_task("ingest.file").defer(path=...)  # by name, without importing it

Semantics worth knowing before writing a task:

- **Retries.** ``retry=RetryStrategy(max_attempts=N, exponential_wait=B)``: after a failure the
  job runs again up to N more times (N + 1 runs in all), waiting ``B ** attempt`` seconds
  (B, B², B³ ...; ``wait``/``linear_wait`` add constant or linear terms). ``retry_exceptions``
  limits retries to errors worth retrying (e.g. ``DeliveryError`` with ``retryable``: write a
  ``BaseRetryStrategy`` subclass to decide per error). When the attempts run out the job ends
  ``failed`` in ``procrastinate_jobs``.
- **"Never two at once": ``lock``.** Jobs sharing a lock run one after the other, in the order
  they were deferred, on any number of workers. Set it on the task, or per job with
  ``task.configure(lock=f"client-{client_id}")``.
- **"Never queued twice": ``queueing_lock``.** At most one job with that key may wait in the
  queue (status ``todo``); deferring another raises :class:`AlreadyEnqueued` until the first
  starts (a periodic tick that meets it is skipped quietly). With ``lock`` as well: at most one
  waiting and one running.
- **queueing_lock and retries do not mix** (procrastinate 3.10, issues #1446 and #1543): a
  retry puts its job back to ``todo``; if another job with the same queueing lock was queued
  while it ran, that violates the unique index, the worker cannot record the outcome and the
  job stays ``doing`` for good. Give a retried task a ``lock``, not a ``queueing_lock``, or make
  sure nothing defers its key while it runs.
- **Deferring with a row.** :func:`defer_in_transaction` puts a job on a SQLAlchemy session's
  own connection: it becomes visible to workers when that transaction commits, and vanishes
  with it on a rollback, so a job never outlives (or precedes) the row it is about.
- **Deferring from a job.** Inside a task call ``other.defer(...)`` (or ``await
  other.defer_async(...)`` in an async task) directly: the worker's connection is open.
- **Transactions.** A task owns its transaction: run with ``pass_context=True`` and open it
  with ``core.database.transaction(job_database(context).sessions)``.
- **Blocking code.** Synchronous tasks run in threads, so ``concurrency`` also applies to them.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector, SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from core.bootstrap import Database, open_database
from core.bulk import driver_connection
from core.database import conninfo, transaction
from core.settings import get_settings

__all__ = [
    "AlreadyEnqueued",
    "conninfo",
    "defer_in_transaction",
    "job_database",
    "job_pending",
    "load_task_modules",
    "open_queue",
    "queue",
    "run_worker",
    "run_worker_async",
]

# Not connected until open_queue/run_worker swap in a connector for ChaSen's database;
# decorating tasks needs no database.
queue = App(connector=PsycopgConnector())

_DATABASE_KEY = "chasen_database"

# Deferring on a connection we pass in needs no pool of its own. A separate App, because the
# shared one may be bound to a worker's async connector, which cannot use a sync connection.
_in_transaction = App(connector=SyncPsycopgConnector())

# How many open_queue/run_worker blocks have bound the queue in this process. The App is one
# per process, so code running inside a worker's job must reuse the worker's open connector
# rather than swap in another under it.
_bindings = 0


def _connector(database: Database, max_size: int) -> PsycopgConnector:
    timeout = get_settings().database.connect_timeout_s
    info = conninfo(database.engine.url, connect_timeout_s=timeout)
    return PsycopgConnector(conninfo=info, min_size=1, max_size=max_size, name="chasen-queue")


@contextmanager
def _database(database: Database | None) -> Iterator[Database]:
    # No database given: open the configured one the way every entry point does (the embedded
    # server is started and migrated; a DATABASE_URL is checked to be current).
    if database is not None:
        yield database
        return
    opened = open_database()
    try:
        yield opened
    finally:
        opened.close()


def load_task_modules() -> tuple[str, ...]:
    """Import every module listed in ``scheduler.tasks.TASK_MODULES``; return their names."""
    from scheduler.tasks import TASK_MODULES

    for name in TASK_MODULES:
        importlib.import_module(name)
    return TASK_MODULES


@contextmanager
def open_queue(database: Database | None = None) -> Iterator[App]:
    """Bind :data:`queue` to ``database`` (default: the configured one) for deferring jobs.

    Inside the block ``task.defer(...)`` and ``app.configure_task(name).defer(...)`` work
    synchronously; the connection pool is closed at the end. Where the queue is bound already
    (inside a job, or a nested block) the block reuses that binding.
    """
    if _bindings:
        yield queue
        return
    with _database(database) as db, _bound(_connector(db, max_size=2)) as app:
        load_task_modules()
        app.open()
        try:
            yield app
        finally:
            app.close()


@contextmanager
def _bound(connector: PsycopgConnector) -> Iterator[App]:
    global _bindings  # noqa: PLW0603 - one App per process, see _bindings
    with queue.replace_connector(connector) as app:
        _bindings += 1
        try:
            yield app
        finally:
            _bindings -= 1


def _worker_options(
    database: Database,
    queues: Iterable[str] | None,
    concurrency: int,
    wait: bool,
    name: str | None,
    *,
    own_signals: bool,
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "queues": list(queues) if queues else None,
        "concurrency": concurrency,
        "wait": wait,
        # SIGINT/SIGTERM stop the worker gracefully; only when it owns the process.
        "install_signal_handlers": own_signals,
        "additional_context": {_DATABASE_KEY: database},
    }
    if name is not None:
        options["name"] = name
    return options


def run_worker(
    database: Database | None = None,
    *,
    queues: Iterable[str] | None = None,
    concurrency: int = 1,
    wait: bool = True,
    name: str | None = None,
) -> None:
    """Run a worker on ``database`` (default: the configured one) in this thread.

    ``wait=True`` works until SIGINT/SIGTERM, then finishes the running jobs. ``wait=False``
    runs every job that is due and returns: with ``concurrency=1`` that includes retries
    that are due at once (a retry scheduled for later, or one whose lock is held, is left in
    the queue).
    """
    load_task_modules()
    with _database(database) as db:
        options = _worker_options(db, queues, concurrency, wait, name, own_signals=wait)
        # Each job may hold a connection, plus one each for fetching and the heartbeat.
        with _bound(_connector(db, max_size=concurrency + 2)) as app:
            app.run_worker(**options)


async def run_worker_async(
    database: Database,
    *,
    queues: Iterable[str] | None = None,
    concurrency: int = 1,
    wait: bool = True,
    name: str | None = None,
) -> None:
    """:func:`run_worker` inside a running event loop (e.g. beside the API server).

    Signals stay with the host application: stop the worker by cancelling its task.
    """
    load_task_modules()
    options = _worker_options(database, queues, concurrency, wait, name, own_signals=False)
    with _bound(_connector(database, max_size=concurrency + 2)) as app:
        async with app.open_async():
            await app.run_worker_async(**options)


def job_database(context: JobContext) -> Database:
    """The database of the worker running this job (for tasks with ``pass_context=True``)."""
    database = context.additional_context.get(_DATABASE_KEY)
    if not isinstance(database, Database):
        raise RuntimeError("this job is not running in a ChaSen worker (see run_worker)")
    return database


def job_pending(sessions: sessionmaker[Session], task_name: str, args: dict[str, Any]) -> bool:
    """Whether a job of this task with exactly these arguments waits in the queue or runs.

    A stand-in for a queueing lock where the task retries: procrastinate cannot requeue a
    retried job while another job holds its queueing lock (procrastinate #1446).
    """
    with transaction(sessions) as session:
        return bool(
            session.scalar(
                text(
                    "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE task_name = :task "
                    "AND status IN ('todo', 'doing') AND args = CAST(:args AS jsonb))"
                ),
                {"task": task_name, "args": json.dumps(args)},
            )
        )


def defer_in_transaction(
    session: Session,
    task_name: str,
    *,
    queue_name: str,
    lock: str | None = None,
    queueing_lock: str | None = None,
    **kwargs: Any,
) -> int:
    """Defer the task named ``task_name`` inside ``session``'s transaction; return the job id.

    The job is inserted on the session's own connection, so workers see it only once the
    caller commits, and a rollback takes it away with everything else the transaction wrote.
    ``kwargs`` are the task's arguments (so a task cannot take one named like the options).
    A ``queueing_lock`` already held by a waiting job raises :class:`AlreadyEnqueued` and
    leaves the transaction aborted: give each job a key no other deferral can share.
    """
    connection = driver_connection(session)
    return _in_transaction.configure_task(
        task_name,
        queue=queue_name,
        lock=lock,
        queueing_lock=queueing_lock,
        connection=connection,
    ).defer(**kwargs)
