"""The registry of task modules, and ``ping``, the smallest task of all.

A worker imports every module in :data:`TASK_MODULES` before it takes jobs, so that it knows
every task a job may name (an unknown task fails its job). Add each new module that
decorates functions with ``scheduler.queue.queue`` here; keep the tasks themselves in modules
named after what they do.
"""

from __future__ import annotations

from scheduler.queue import queue

TASK_MODULES: tuple[str, ...] = (
    "scheduler.tasks",
    "scheduler.digest_jobs",
    "scheduler.ingest_jobs",
    "scheduler.mention_jobs",
    "slack_app.jobs",
)


@queue.task(name="ping")
def ping(message: str = "pong") -> str:
    """Do nothing but succeed: checks that deferring and a worker work end to end."""
    return message
