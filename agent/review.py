"""Asking a person to decide, inside a graph node, and applying their decision exactly once.

The node that asks re-runs from its start when the thread is resumed, so everything before the
``interrupt()`` is idempotent: the approval row is recorded with an id derived from the node's
task, and inserting it again changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langgraph.config import get_config
from langgraph.types import interrupt
from sqlalchemy.orm import Session

from agent import approvals
from agent.context import ChaSenContext
from agent.inbox import HumanResponse, human_interrupt, parse_response
from core.database import transaction
from core.errors import ChaSenError
from core.identity import Person

Apply = Callable[[Session, Person, HumanResponse], str]
"""Writes an accepted (or edited) decision in the given session; returns what happened."""


@dataclass(frozen=True)
class Question:
    """What to ask: the action and its arguments, shown with a description."""

    graph: str
    kind: str
    action: str
    args: dict[str, Any]
    description: str
    plan_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    allow_edit: bool = True


@dataclass(frozen=True)
class Decision:
    """How it ended: the approval's status and a sentence for the person and the model."""

    approval_id: uuid.UUID
    status: str
    outcome: str
    response: HumanResponse


def ask(ctx: ChaSenContext, question: Question) -> tuple[uuid.UUID, HumanResponse]:
    """Record the approval (once) and pause the graph until a person answers."""
    configurable = get_config()["configurable"]
    thread_id = str(configurable["thread_id"])
    key = approvals.approval_id(thread_id, str(configurable.get("checkpoint_ns", "")))
    args = {**question.args, "approval_id": str(key)}
    with transaction(ctx.session_factory()) as session:
        approvals.record_pending(
            session,
            id=key,
            thread_id=thread_id,
            graph=question.graph,
            kind=question.kind,
            description=question.description,
            action={"action": question.action, "args": args},
            requested_by=ctx.acting_person().id,
            plan_id=question.plan_id,
            client_id=question.client_id,
        )
    request = human_interrupt(
        question.action, args, question.description, allow_edit=question.allow_edit
    )
    return key, parse_response(interrupt([request]))


def settle(
    ctx: ChaSenContext, approval_id: uuid.UUID, response: HumanResponse, apply: Apply
) -> Decision:
    """Apply the decision once, as the person deciding: the approval row is locked in the
    write's own transaction."""
    person = ctx.deciding_person()
    sessions = ctx.session_factory()
    try:
        with transaction(sessions) as session:
            row = approvals.get(session, approval_id, lock=True)
            if row is None:
                raise LookupError(f"approval {approval_id} was never recorded")
            if row.status != "pending":
                return Decision(
                    approval_id,
                    row.status,
                    f"Already decided ({row.status}); nothing was written again.",
                    response,
                )
            status, outcome = _decide(session, person, response, apply)
            approvals.decide(
                session,
                row,
                status=status,
                person=person,
                response=response.model_dump(),
                outcome=outcome,
            )
            return Decision(approval_id, status, outcome, response)
    except ChaSenError as error:
        outcome = f"Not written: {error.message}"
        with transaction(sessions) as session:
            row = approvals.get(session, approval_id, lock=True)
            if row is not None and row.status == "pending":
                approvals.decide(
                    session,
                    row,
                    status="failed",
                    person=person,
                    response=response.model_dump(),
                    outcome=outcome,
                )
        return Decision(approval_id, "failed", outcome, response)


def _decide(
    session: Session, person: Person, response: HumanResponse, apply: Apply
) -> tuple[str, str]:
    if response.type in ("accept", "edit"):
        outcome = apply(session, person, response)
        return ("accepted" if response.type == "accept" else "edited"), outcome
    if response.type == "response":
        return "responded", f"{person.name} replied instead of deciding: {response.args}"
    return "rejected", f"{person.name} rejected the proposal; nothing was written."
