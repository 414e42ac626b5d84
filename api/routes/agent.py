"""ChaSen over HTTP: "Generate Plan Draft", chat, and the decisions waiting for people."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks
from pydantic import BaseModel, ConfigDict, Field

from agent.runner import ChaSen
from agent.state import DraftInput
from api.deps import ChaSenDep, PersonDep
from core.identity import Person

router = APIRouter(tags=["agent"])


class Decision(BaseModel):
    """A decision waiting for a person (Agent Inbox shape in ``action``)."""

    model_config = ConfigDict(from_attributes=True)

    approval_id: uuid.UUID
    thread_id: str
    interrupt_id: str | None
    kind: str
    plan_id: uuid.UUID | None
    description: str
    action: str
    args: dict[str, Any]


class Turn(BaseModel):
    """How a run ended: the answer, or the decisions it waits for; tokens used."""

    model_config = ConfigDict(from_attributes=True)

    thread_id: str
    run_id: uuid.UUID
    status: Literal["done", "waiting"]
    answer: str | None
    decisions: list[Decision]
    notices: list[str]
    usage: dict[str, int]


class DraftStarted(BaseModel):
    """A draft under way: follow it at ``/threads/{thread_id}``."""

    thread_id: str
    status: Literal["running"] = "running"


class ThreadStatus(BaseModel):
    """Where a thread's latest run stands, and what waits in it."""

    model_config = ConfigDict(from_attributes=True)

    thread_id: str
    status: Literal["running", "waiting", "done", "failed"]
    error: str | None
    decisions: list[Decision]


class DraftRequest(BaseModel):
    """A new plan to draft: an account plan for a client, or the caller's territory plan."""

    model_config = ConfigDict(extra="forbid")

    client: str | None = Field(default=None, description="Client name or id (account plan).")
    plan_type: Literal["account", "territory"] | None = None
    territory: str | None = None
    fiscal_year: int | None = Field(default=None, ge=2000, le=2100)


class ChatRequest(BaseModel):
    """One message to ChaSen, in a thread (new when omitted)."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=8000)
    thread_id: str | None = Field(default=None, max_length=200)


class DecisionRequest(BaseModel):
    """A decision: accept, edit (with the edited arguments), response (a reply), ignore."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["accept", "edit", "response", "ignore"]
    args: str | dict[str, Any] | None = None


@router.post("/plans/{plan_id}/draft", status_code=202, response_model=DraftStarted)
def draft_plan(
    plan_id: uuid.UUID, person: PersonDep, chasen: ChaSenDep, background: BackgroundTasks
) -> DraftStarted:
    """ "Generate Plan Draft" on a plan: starts at once; the draft waits for approval."""
    return _start(chasen, person, DraftInput(plan_id=str(plan_id)), background)


@router.post("/drafts", status_code=202, response_model=DraftStarted)
def draft_new_plan(
    request: DraftRequest, person: PersonDep, chasen: ChaSenDep, background: BackgroundTasks
) -> DraftStarted:
    """Draft a plan that does not exist yet; it is created only if the draft is accepted."""
    draft = DraftInput()
    if request.client is not None:
        draft["client"] = request.client
    if request.plan_type is not None:
        draft["plan_type"] = request.plan_type
    if request.territory is not None:
        draft["territory"] = request.territory
    if request.fiscal_year is not None:
        draft["fiscal_year"] = request.fiscal_year
    return _start(chasen, person, draft, background)


@router.get("/threads/{thread_id}", response_model=ThreadStatus)
def thread_status(thread_id: str, person: PersonDep, chasen: ChaSenDep) -> ThreadStatus:
    """The latest run of a thread the caller started, and the decisions waiting in it."""
    return ThreadStatus.model_validate(chasen.thread(person, thread_id))


@router.post("/chat", response_model=Turn)
def chat(request: ChatRequest, person: PersonDep, chasen: ChaSenDep) -> Turn:
    """One chat turn; a proposed change comes back as a decision, not a write."""
    return Turn.model_validate(chasen.chat(person, request.message, thread_id=request.thread_id))


@router.get("/approvals", response_model=list[Decision])
def approvals(person: PersonDep, chasen: ChaSenDep) -> list[Decision]:
    """Decisions waiting for the caller."""
    return [Decision.model_validate(d) for d in chasen.pending(person)]


@router.post("/approvals/{thread_id}/{interrupt_id}", response_model=Turn)
def decide(
    thread_id: str,
    interrupt_id: str,
    decision: DecisionRequest,
    person: PersonDep,
    chasen: ChaSenDep,
) -> Turn:
    """Accept, edit, reply to or ignore a waiting decision; a second accept is 409."""
    response = decision.model_dump(exclude_none=True)
    return Turn.model_validate(chasen.resume(person, thread_id, interrupt_id, response))


def _start(
    chasen: ChaSen, person: Person, draft: DraftInput, background: BackgroundTasks
) -> DraftStarted:
    # What the draft is about is checked now, so that a wrong client or plan is a 4xx here
    # rather than a failed run later.
    chasen.check_draft(person, draft)
    thread_id = f"draft-{uuid.uuid4()}"
    # Recorded now, so the thread can be followed (GET /threads/..., its events) at once.
    run_id = chasen.begin("plan_draft", person, thread_id)
    background.add_task(_run_draft, chasen, person, draft, thread_id, run_id)
    return DraftStarted(thread_id=thread_id)


def _run_draft(
    chasen: ChaSen, person: Person, draft: DraftInput, thread_id: str, run_id: uuid.UUID
) -> None:
    # Failures are recorded on the run (status failed, with the error) for /threads to show.
    try:
        chasen.draft(person, draft, thread_id=thread_id, run_id=run_id)
    except Exception:
        return
