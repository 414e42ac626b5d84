"""SQL for ``agent_runs``: each run of a graph, who asked, which model, tokens, how it ended.

Also :func:`backlog_counts`, the runs and pending approvals that wait (for the metrics).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.orm import Session

from core.models import AgentRun
from core.notifications import notify

CHANNEL = "agent_runs"
"""Where a run's progress is announced (``pg_notify``), keyed by ``thread_id``."""
ESSENTIALS = ("thread_id", "run_id", "event", "status")
"""What a notification too big to send whole keeps (followers read the rest from the run)."""


def start(
    session: Session, *, thread_id: str, graph: str, user_id: uuid.UUID, model: str
) -> uuid.UUID:
    """Record a run as running; returns its id."""
    run = AgentRun(thread_id=thread_id, graph=graph, user_id=user_id, model=model)
    session.add(run)
    session.flush()
    announce(session, thread_id, run.id, "status", status="running", graph=graph)
    return run.id


def finish(
    session: Session,
    run_id: uuid.UUID,
    status: str,
    usage: dict[str, int],
    error: str | None = None,
    *,
    model: str | None = None,
) -> None:
    """Record how a run ended and the tokens it used.

    ``error`` is why it failed, or for a run that ended well, the failure it worked around
    (the model service was down). ``model`` replaces the model recorded at the start, when
    something else answered (the offline planner).
    """
    values: dict[str, Any] = {
        "status": status,
        "error": error,
        "finished_at": func.now(),
        "input_tokens": usage.get("input_tokens", 0),
        "output_tokens": usage.get("output_tokens", 0),
        "model_calls": usage.get("model_calls", 0),
    }
    if model is not None:
        values["model"] = model
    thread_id = session.scalar(
        update(AgentRun).where(AgentRun.id == run_id).values(**values).returning(AgentRun.thread_id)
    )
    if thread_id is not None:
        announce(session, thread_id, run_id, "status", status=status, error=error)


def latest(session: Session, thread_id: str) -> AgentRun | None:
    """The thread's most recent run, if any."""
    return session.scalars(
        select(AgentRun)
        .where(AgentRun.thread_id == thread_id)
        .order_by(AgentRun.started_at.desc())
        .limit(1)
    ).first()


def announce(
    session: Session, thread_id: str, run_id: uuid.UUID, event: str, **fields: Any
) -> None:
    """Tell whoever follows ``thread_id`` that its run moved (sent when the session commits).

    A payload too big for a notification (a long error) is sent as :data:`ESSENTIALS` only.
    """
    payload = {"thread_id": thread_id, "run_id": str(run_id), "event": event, **fields}
    notify(session, CHANNEL, payload, ESSENTIALS)


@dataclass(frozen=True)
class Backlog:
    """The pending approvals, the runs on record by ``(graph, status)``, and by graph the runs
    that ended well only because the offline planner stood in for a failed model service."""

    approvals_pending: int
    runs: dict[tuple[str, str], int]
    model_down: dict[str, int]


# One round trip: the pending approvals (always one row), the runs by state, and the runs that
# ended well with an error on record (what finish() writes when the model service failed).
_BACKLOG_QUERY = text(
    """
    SELECT 'approvals_pending' AS metric, '' AS graph, '' AS status, count(*) AS n
      FROM approval_requests WHERE status = 'pending'
    UNION ALL
    SELECT 'agent_runs', graph, status, count(*) FROM agent_runs GROUP BY graph, status
    UNION ALL
    SELECT 'model_down', graph, '', count(*) FROM agent_runs
     WHERE status IN ('done', 'waiting') AND error IS NOT NULL GROUP BY graph
    """
)


def backlog_counts(connection: Connection) -> Backlog:
    """How much work waits: pending approvals and runs by graph and status, in one query."""
    pending, runs, model_down = 0, dict[tuple[str, str], int](), dict[str, int]()
    for metric, graph, status, count in connection.execute(_BACKLOG_QUERY).all():
        if metric == "approvals_pending":
            pending = count
        elif metric == "model_down":
            model_down[graph] = count
        else:
            runs[(graph, status)] = count
    return Backlog(approvals_pending=pending, runs=runs, model_down=model_down)
