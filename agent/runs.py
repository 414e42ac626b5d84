"""SQL for ``agent_runs``: each run of a graph, who asked, which model, tokens, how it ended."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.models import AgentRun

CHANNEL = "agent_runs"
"""Where a run's progress is announced (``pg_notify``), keyed by ``thread_id``."""


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
) -> None:
    """Record how a run ended and the tokens it used."""
    thread_id = session.scalar(
        update(AgentRun)
        .where(AgentRun.id == run_id)
        .values(
            status=status,
            error=error,
            finished_at=func.now(),
            input_tokens=usage.get("input_tokens", 0),
            output_tokens=usage.get("output_tokens", 0),
            model_calls=usage.get("model_calls", 0),
        )
        .returning(AgentRun.thread_id)
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
    """Tell whoever follows ``thread_id`` that its run moved (sent when the session commits)."""
    if isinstance(fields.get("error"), str):
        fields["error"] = fields["error"][:2000]  # a notification holds at most 8000 bytes
    payload = {"thread_id": thread_id, "run_id": str(run_id), "event": event, **fields}
    session.execute(select(func.pg_notify(CHANNEL, json.dumps(payload, default=str))))
