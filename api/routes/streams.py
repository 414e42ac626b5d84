"""Server-Sent Events: a plan's live updates, a run's progress, and chat as it is written.

Each stream subscribes before it reads the current state, so nothing that happens in between
is missed; the first event is that state, the rest are changes. Browsers' ``EventSource``
cannot send headers, so clients use a fetch-based SSE reader with the bearer token.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from agent.runner import ChaSen, RunEvent, TurnResult
from agent.runs import CHANNEL as RUN_CHANNEL
from api.deps import ChaSenDep, PersonDep, database_of
from api.problems import domain_problem
from api.routes.agent import ChatRequest, ThreadStatus, Turn
from core.bootstrap import Database
from core.database import transaction
from core.errors import ChaSenError
from core.identity import Person
from core.notifications import Listener, Message
from planning.events import CHANNEL as PLAN_CHANNEL
from planning.service import PlanService

router = APIRouter(tags=["live"])

LISTENED = {PLAN_CHANNEL: "plan_id", RUN_CHANNEL: "thread_id"}
"""The channels the app listens on, and the payload field each is keyed by."""

FINISHED = {"done", "waiting", "failed"}


def listener_of(request: Request) -> Listener:
    """The app's one LISTEN connection."""
    listener: Listener = request.app.state.listener
    return listener


async def plan_subscription(
    plan_id: uuid.UUID,
    request: Request,
    person: PersonDep,
    database: Annotated[Database, Depends(database_of)],
) -> AsyncIterator[tuple[asyncio.Queue[Message], dict[str, Any]]]:
    """Subscribed to the plan's updates, then its current state (404 / 403 before streaming)."""
    with listener_of(request).subscribe(PLAN_CHANNEL, str(plan_id)) as queue:
        state = await run_in_threadpool(_visible_plan, database, person, plan_id)
        yield queue, state


async def thread_subscription(
    thread_id: str, request: Request, person: PersonDep, chasen: ChaSenDep
) -> AsyncIterator[tuple[asyncio.Queue[Message], ThreadStatus]]:
    """Subscribed to the thread's runs, then where it stands (404 unless it is the caller's)."""
    with listener_of(request).subscribe(RUN_CHANNEL, thread_id) as queue:
        yield queue, await run_in_threadpool(_thread_status, chasen, person, thread_id)


def checked_chat(body: ChatRequest, person: PersonDep, chasen: ChaSenDep) -> ChatRequest:
    """A chat request that may start (422 / 404 before streaming)."""
    chasen.check_chat(person, body.message, body.thread_id)
    return body


@router.get("/plans/{plan_id}/events", response_class=EventSourceResponse)
async def plan_events(
    subscription: Annotated[
        tuple[asyncio.Queue[Message], dict[str, Any]], Depends(plan_subscription)
    ],
) -> AsyncIterator[ServerSentEvent]:
    """The plan as it changes: ``plan`` (version, status), ``comment`` and ``presence``
    events, each with who did it, starting with a ``plan`` event of the current version."""
    queue, state = subscription
    yield ServerSentEvent(event="plan", data=state)
    while True:
        message = await queue.get()
        yield ServerSentEvent(event=str(message.get("event", "plan")), data=message)


@router.get("/threads/{thread_id}/events", response_class=EventSourceResponse)
async def thread_events(
    thread_id: str,
    person: PersonDep,
    chasen: ChaSenDep,
    subscription: Annotated[
        tuple[asyncio.Queue[Message], ThreadStatus], Depends(thread_subscription)
    ],
) -> AsyncIterator[ServerSentEvent]:
    """A run's progress: ``step`` events as the graph moves, then the thread's ``status``
    (``done``, ``waiting`` with its decisions, or ``failed``), after which the stream ends."""
    queue, status = subscription
    while status.status not in FINISHED:
        message = await queue.get()
        if message.get("event") == "step":
            yield ServerSentEvent(event="step", data={"node": message.get("node")})
        elif message.get("status") in FINISHED:
            status = await run_in_threadpool(_thread_status, chasen, person, thread_id)
    yield ServerSentEvent(event="status", data=status)


@router.post("/chat/stream", response_class=EventSourceResponse)
async def chat_stream(
    body: Annotated[ChatRequest, Depends(checked_chat)], person: PersonDep, chasen: ChaSenDep
) -> AsyncIterator[ServerSentEvent]:
    """One chat turn as it happens: ``step`` and ``token`` events, then the ``turn`` (the
    same body as ``POST /chat``), or an ``error`` event with problem JSON."""
    send, receive = anyio.create_memory_object_stream[RunEvent | Turn | ChaSenError](100)

    def on_event(event: RunEvent) -> None:
        anyio.from_thread.run(send.send, event)

    def turn() -> TurnResult:
        return chasen.chat(person, body.message, thread_id=body.thread_id, on_event=on_event)

    async def run() -> None:
        async with send:
            try:
                await send.send(Turn.model_validate(await anyio.to_thread.run_sync(turn)))
            except ChaSenError as error:
                await send.send(error)

    async with anyio.create_task_group() as tasks, receive:
        tasks.start_soon(run)
        async for item in receive:
            yield _chat_event(item)


def _chat_event(item: RunEvent | Turn | ChaSenError) -> ServerSentEvent:
    if isinstance(item, Turn):
        return ServerSentEvent(event="turn", data=item)
    if isinstance(item, ChaSenError):
        return ServerSentEvent(event="error", data=domain_problem(item)[0])
    if item.kind == "token":
        return ServerSentEvent(event="token", data={"node": item.node, "text": item.text})
    return ServerSentEvent(event="step", data={"node": item.node})


def _visible_plan(database: Database, person: Person, plan_id: uuid.UUID) -> dict[str, Any]:
    with transaction(database.sessions) as session:
        plan = PlanService(session).readable_plan(plan_id, person)
        return {
            "plan_id": str(plan.id),
            "event": "plan",
            "version": plan.version,
            "status": plan.status,
            "updated_at": plan.updated_at.isoformat() if plan.updated_at else None,
        }


def _thread_status(chasen: ChaSen, person: Person, thread_id: str) -> ThreadStatus:
    return ThreadStatus.model_validate(chasen.thread(person, thread_id))
