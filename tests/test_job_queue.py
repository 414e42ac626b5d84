"""The job queue: real procrastinate workers on the test run's embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from procrastinate import JobContext, RetryStrategy
from procrastinate.jobs import Job
from psycopg_pool import PoolTimeout
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from core import schema
from core.bootstrap import Database
from core.database import make_engine, session_factory, transaction
from core.errors import DatabaseUnavailableError
from core.settings import DatabaseSettings
from scheduler.digest_jobs import MAX_ATTEMPTS
from scheduler.queue import (
    AlreadyEnqueued,
    conninfo,
    job_database,
    open_queue,
    queue,
    run_worker,
    run_worker_async,
)
from scheduler.slack_delivery import DeliveryError, SlackRetry
from scheduler.tasks import ping

FAILED_RUNS: list[int] = []


@queue.task(name="tests.add_client", pass_context=True)
def add_client(context: JobContext, name: str) -> None:
    """A task that writes a row in its own transaction, on the worker's database."""
    with transaction(job_database(context).sessions) as session:
        session.execute(
            text("INSERT INTO clients (name, territory, region) VALUES (:n, 'VIC', 'ANZ')"),
            {"n": name},
        )


@queue.task(name="tests.always_fails", retry=RetryStrategy(max_attempts=2))
def always_fails(run: int) -> None:
    """Fails every time: two retries after the first run, then the job is failed."""
    FAILED_RUNS.append(run)
    raise RuntimeError("the service is down")


@queue.task(name="tests.fan_out")
def fan_out(messages: list[str], through_open_queue: bool) -> None:
    """Defers a ping per message from inside a job, directly or through open_queue."""
    for message in messages:
        if through_open_queue:
            with open_queue():  # inside a worker: reuses its open connector
                ping.defer(message=message)
        else:
            ping.defer(message=message)


def jobs(engine: Engine, task: str | None = None) -> list[tuple[str, str, int]]:
    """(task, status, attempts) of every job (or every job of ``task``), oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT task_name, status, attempts FROM procrastinate_jobs "
                "WHERE task_name = :t OR CAST(:t AS text) IS NULL ORDER BY id"
            ),
            {"t": task},
        )
        return [(row.task_name, str(row.status), row.attempts) for row in rows]


def test_a_deferred_job_runs_on_a_worker_that_drains_the_queue(queue_database: Database) -> None:
    with open_queue(queue_database):
        add_client.defer(name="Deferred Health")
        ping.defer()

    run_worker(queue_database, wait=False)

    assert jobs(queue_database.engine) == [
        ("tests.add_client", "succeeded", 1),
        ("ping", "succeeded", 1),
    ]
    with queue_database.engine.connect() as connection:
        names = connection.scalars(text("SELECT name FROM clients")).all()
    assert names == ["Deferred Health"]


def test_an_async_worker_runs_inside_an_event_loop(queue_database: Database) -> None:
    with open_queue(queue_database):
        ping.defer(message="from the loop")

    asyncio.run(run_worker_async(queue_database, wait=False))

    assert jobs(queue_database.engine) == [("ping", "succeeded", 1)]


@pytest.mark.parametrize("through_open_queue", [False, True])
def test_a_job_can_defer_more_jobs(queue_database: Database, through_open_queue: bool) -> None:
    with open_queue(queue_database):
        fan_out.defer(messages=["a", "b"], through_open_queue=through_open_queue)

    run_worker(queue_database, wait=False)

    assert jobs(queue_database.engine) == [
        ("tests.fan_out", "succeeded", 1),
        ("ping", "succeeded", 1),
        ("ping", "succeeded", 1),
    ]


def test_a_failing_job_is_retried_then_ends_failed(queue_database: Database) -> None:
    FAILED_RUNS.clear()
    with open_queue(queue_database):
        always_fails.defer(run=1)

    run_worker(queue_database, wait=False)

    assert FAILED_RUNS == [1, 1, 1]
    assert jobs(queue_database.engine) == [("tests.always_fails", "failed", 3)]
    with queue_database.engine.connect() as connection:
        events = connection.scalars(
            text("SELECT type::text FROM procrastinate_events ORDER BY id")
        ).all()
    # Each retry also records a "scheduled" event (when it may run again).
    assert [event for event in events if event != "scheduled"] == [
        "deferred",
        *["started", "deferred_for_retry"] * 2,
        "started",
        "failed",
    ]


def test_the_retry_strategy_backs_off_exponentially() -> None:
    strategy = RetryStrategy(max_attempts=3, exponential_wait=3)
    waits: list[float | None] = []
    for attempts in range(4):  # attempts: the runs that already failed before this one
        job = Job(queue="default", lock=None, queueing_lock=None, task_name="t", attempts=attempts)
        before = datetime.now(UTC)
        decision = strategy.get_retry_decision(exception=RuntimeError(), job=job)
        retry_at = decision.retry_at if decision else None
        waits.append(round((retry_at - before).total_seconds()) if retry_at else None)
    assert waits == [3, 9, 27, None]  # three retries, then the job is failed


def _retry_wait(exception: BaseException, attempts: int) -> int | None:
    """Seconds until SlackRetry retries a job that failed with ``exception`` (None: never)."""
    job = Job(queue="default", lock=None, queueing_lock=None, task_name="t", attempts=attempts)
    before = datetime.now(UTC)
    decision = SlackRetry(MAX_ATTEMPTS).get_retry_decision(exception=exception, job=job)
    if decision is None:
        return None
    assert decision.retry_at is not None
    return round((decision.retry_at - before).total_seconds())


def _delivery_error(*, retryable: bool) -> DeliveryError:
    slack_error = "ratelimited" if retryable else "channel_not_found"
    return DeliveryError(
        f"Slack said {slack_error}", slack_error=slack_error, destination="C1", retryable=retryable
    )


def test_slack_retry_backs_off_on_retryable_delivery_errors_until_attempts_run_out() -> None:
    waits = [
        _retry_wait(_delivery_error(retryable=True), attempts)
        for attempts in range(MAX_ATTEMPTS + 1)
    ]
    assert waits == [10, 100, 1_000, 10_000, 100_000, None]


def test_slack_retry_retries_connection_failures_but_not_refusals() -> None:
    assert _retry_wait(ConnectionResetError("reset by peer"), 0) == 10
    assert _retry_wait(OSError("network is unreachable"), 2) == 1_000
    assert _retry_wait(OSError("network is unreachable"), MAX_ATTEMPTS) is None
    assert _retry_wait(_delivery_error(retryable=False), 0) is None
    assert _retry_wait(RuntimeError("a bug"), 0) is None


def test_slack_retry_retries_the_database_going_away_however_it_is_reported() -> None:
    # A job meets it as SQLAlchemy's error, as psycopg's (the agent's checkpoints, a pool
    # timing out), or as ChaSen's own once a transaction has translated it.
    reports: list[BaseException] = [
        DatabaseUnavailableError("The database stopped answering: connection refused"),
        psycopg.OperationalError("server closed the connection unexpectedly"),
        PoolTimeout("couldn't get a connection after 5.00 sec"),
        OperationalError("SELECT 1", {}, psycopg.OperationalError("terminating connection")),
    ]
    for report in reports:
        assert _retry_wait(report, 0) == 10, report
        assert _retry_wait(report, MAX_ATTEMPTS) is None, report


def test_a_queueing_lock_refuses_a_second_job_while_the_first_waits(
    queue_database: Database,
) -> None:
    with open_queue(queue_database):
        ping.configure(queueing_lock="weekly-digest").defer()
        with pytest.raises(AlreadyEnqueued):
            ping.configure(queueing_lock="weekly-digest").defer()
        ping.configure(queueing_lock="another-team").defer()

        run_worker(queue_database, wait=False)
        # Once the first has run, the same key may be queued again.
        ping.configure(queueing_lock="weekly-digest").defer()

    assert jobs(queue_database.engine) == [
        ("ping", "succeeded", 1),
        ("ping", "succeeded", 1),
        ("ping", "todo", 0),
    ]


def test_a_worker_takes_jobs_from_its_queues_only(queue_database: Database) -> None:
    with open_queue(queue_database):
        ping.configure(queue="digests").defer()
        ping.defer()

    run_worker(queue_database, queues=["digests"], wait=False)

    with queue_database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT queue_name, status::text FROM procrastinate_jobs ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [("digests", "succeeded"), ("default", "todo")]


def test_conninfo_reaches_the_embedded_server_over_its_socket(engine: Engine) -> None:
    info = conninfo(engine.url, connect_timeout_s=5)
    assert "host=/" in info  # a unix socket folder, not a TCP host
    assert "+psycopg" not in info
    import psycopg

    with psycopg.connect(info) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_the_downgrade_removes_every_queue_object(engine: Engine, pg_data_dir: Path) -> None:
    settings = DatabaseSettings(url=None, data_dir=pg_data_dir, name=f"q_{uuid.uuid4().hex[:8]}")
    queue_engine = make_engine(settings)
    try:
        schema.upgrade(queue_engine, "0005")
        schema.downgrade(queue_engine, "0004")
        with queue_engine.connect() as connection:
            left = connection.scalar(
                text(
                    "SELECT (SELECT count(*) FROM pg_class WHERE relname LIKE '%procrastinate%')"
                    " + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%')"
                    " + (SELECT count(*) FROM pg_type WHERE typname LIKE '%procrastinate%')"
                )
            )
        assert left == 0
        schema.upgrade(queue_engine, "0005")
    finally:
        queue_engine.dispose()
        _drop_database(engine, settings.name)


def _drop_database(engine: Engine, name: str) -> None:
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- chasen worker --------------------------------------------------------------------------


def chasen() -> str:
    """The installed ``chasen`` console script."""
    return shutil.which("chasen") or str(Path(sys.executable).parent / "chasen")


def test_chasen_worker_help_lists_its_options() -> None:
    result = subprocess.run(
        [chasen(), "worker", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "--concurrency" in result.stdout
    assert "--queue" in result.stdout


def test_chasen_worker_runs_jobs_on_a_fresh_database_until_interrupted(
    engine: Engine, pg_data_dir: Path, tmp_path: Path
) -> None:
    """A real worker process: it creates and migrates its database, runs a job, stops on ^C.

    Depending on ``engine`` keeps the run's embedded server up for the process to join.
    """
    name = f"worker_{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CHASEN_DB_URL"}}
    env.update(CHASEN_DB_DATA_DIR=str(pg_data_dir), CHASEN_DB_NAME=name)
    process = subprocess.Popen(
        [chasen(), "worker", "--concurrency", "2", "--queue", "default"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    db_engine = make_engine(DatabaseSettings(url=None, data_dir=pg_data_dir, name=name))
    try:
        _wait_for(lambda: schema.is_current(db_engine) and _workers(db_engine) > 0)
        database = Database(db_engine, session_factory(db_engine), embedded=True)
        with open_queue(database):
            ping.defer(message="hello")
        # The process's own periodic jobs (digest ticks) may run beside it.
        _wait_for(lambda: jobs(db_engine, "ping") == [("ping", "succeeded", 1)])
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
        assert _workers(db_engine) == 0  # it unregistered on the way out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
        db_engine.dispose()
        _drop_database(engine, name)


def _workers(engine: Engine) -> int:
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT to_regclass('procrastinate_workers') IS NOT NULL"))
        if not exists:
            return 0
        return int(connection.scalar(text("SELECT count(*) FROM procrastinate_workers")) or 0)


def _wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # the database may not exist yet
            pass
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")
