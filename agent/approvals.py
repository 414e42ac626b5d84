"""Approval requests: each proposal waiting in a thread, and who decided it.

A row is recorded when the graph pauses for a decision and locked while the decision is
applied, in the same transaction as the write: a second "accept" (a double click, a retried
request, two workers) finds the row decided and writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.identity import Person
from core.models import ApprovalRequest, StrategicPlan
from planning import proposals
from planning.permissions import PlanLike

_NAMESPACE = uuid.UUID("6f1d8a52-3c2e-4c59-9a57-0c8b7f3e2d10")


def approval_id(thread_id: str, task_path: str) -> uuid.UUID:
    """The approval's id, the same each time the node that asks for it re-runs."""
    return uuid.uuid5(_NAMESPACE, f"{thread_id}|{task_path}")


def record_pending(
    session: Session,
    *,
    id: uuid.UUID,
    thread_id: str,
    graph: str,
    kind: str,
    description: str,
    action: dict[str, Any],
    requested_by: uuid.UUID | None,
    plan_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> None:
    """Record a pending approval once (re-running the asking node changes nothing)."""
    session.execute(
        insert(ApprovalRequest)
        .values(
            id=id,
            thread_id=thread_id,
            graph=graph,
            kind=kind,
            description=description,
            action=action,
            requested_by=requested_by,
            plan_id=plan_id,
            client_id=client_id,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )


def note_interrupts(
    session: Session, thread_id: str, interrupts: Sequence[tuple[str, str]]
) -> None:
    """Remember the interrupt id each pending approval of the thread waits in.

    ``interrupts`` are (approval id, interrupt id) pairs read from the paused thread.
    """
    for approval, interrupt in interrupts:
        session.execute(
            update(ApprovalRequest)
            .where(ApprovalRequest.id == uuid.UUID(approval))
            .where(ApprovalRequest.thread_id == thread_id)
            .values(interrupt_id=interrupt)
        )


def get(session: Session, id: uuid.UUID, *, lock: bool = False) -> ApprovalRequest | None:
    """The approval, locked until commit when ``lock``."""
    query = select(ApprovalRequest).where(ApprovalRequest.id == id)
    return session.scalar(query.with_for_update() if lock else query)


def by_interrupt(session: Session, thread_id: str, interrupt_id: str) -> ApprovalRequest | None:
    """The approval waiting in this thread's interrupt, if any."""
    return session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.thread_id == thread_id, ApprovalRequest.interrupt_id == interrupt_id
        )
    )


def pending_in(session: Session, thread_id: str) -> list[ApprovalRequest]:
    """The approvals still waiting in a thread, oldest first."""
    return list(
        session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.thread_id == thread_id, ApprovalRequest.status == "pending")
            .order_by(ApprovalRequest.created_at)
        )
    )


def decide(
    session: Session,
    row: ApprovalRequest,
    *,
    status: str,
    person: Person,
    response: dict[str, Any],
    outcome: str,
) -> None:
    """Record the decision on a locked row."""
    row.status = status
    row.decided_by = person.id
    row.decided_at = func.now()
    row.response = response
    row.outcome = outcome
    session.flush()


def pending_for(session: Session, person: Person, limit: int = 100) -> list[ApprovalRequest]:
    """Pending approvals ``person`` may decide: changes to plans they edit, approvals of plans
    they may approve, and drafts they asked for; oldest first."""
    rows = session.execute(
        select(ApprovalRequest, StrategicPlan)
        .outerjoin(StrategicPlan, StrategicPlan.id == ApprovalRequest.plan_id)
        .where(ApprovalRequest.status == "pending")
        .order_by(ApprovalRequest.created_at)
    ).all()
    mine = []
    for approval, plan in rows:
        move, asker = _move(approval), approval.requested_by
        if proposals.may_decide(session, person, plan, move=move, requested_by=asker):
            mine.append(approval)
        if len(mine) == limit:
            break
    return mine


def check_decider(
    session: Session, person: Person, approval: ApprovalRequest, plan: PlanLike | None
) -> None:
    """Refuse ``person``'s decision on ``approval`` (about ``plan``, None for the draft of a
    new plan) unless they may make it: :func:`planning.proposals.check_decider`."""
    proposals.check_decider(
        session, person, plan, move=_move(approval), requested_by=approval.requested_by
    )


def _move(approval: ApprovalRequest) -> str | None:
    """The workflow move a status-change approval would make (None for other kinds)."""
    if approval.kind != "status_change":
        return None
    move = approval.action["args"].get("action")
    return str(move) if move is not None else None
