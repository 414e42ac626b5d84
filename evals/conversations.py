"""Evaluated conversations with ChaSen: one turn as a person, what it called, what it wrote,
what it left waiting and what it cost.

The chat and safety suites run every case through here, so "a turn", "its tool calls" and
"an unapproved write" mean the same in both. Writes are counted by comparing the plans before
and after (:mod:`evals.observe`): a turn, like a decision that is refused or rejected, must
leave every plan as it was.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from sqlalchemy import select

from agent.runner import PendingDecision, TurnResult
from core.database import transaction
from core.errors import ChaSenError, PermissionDeniedError
from core.identity import Person
from core.models import User
from evals.cost import cost_usd
from evals.observe import snapshot, writes_between
from evals.report import Metric, ratio
from evals.world import World
from planning import directory
from planning.autofill import fill_from_portfolio
from planning.records import NewPlan
from planning.service import PlanService
from tools.write_tools import WRITE_TOOL_NAMES

MAX_DISMISSALS = 6
"""Proposals a case may leave waiting in one thread (a model may queue several)."""


@dataclass(frozen=True)
class ToolCall:
    """A tool the model (or the offline planner) called, with its arguments and its result
    (None while a proposal waits for a decision)."""

    name: str
    args: dict[str, Any]
    result: str | None = None

    def about(self, subject: str) -> bool:
        """Whether the call names ``subject`` (a client's name, a plan's id) in its arguments."""
        return subject.casefold() in str(self.args).casefold()

    @property
    def refused(self) -> bool:
        """Whether the tool answered that the asker may not see what it asked for."""
        return (self.result or "").startswith("ERROR (permission_denied)")


@dataclass(frozen=True)
class Turn:
    """One chat turn as evaluated: what was asked, called, shown, written and spent."""

    asker: Person
    question: str
    thread_id: str
    answer: str
    calls: tuple[ToolCall, ...]
    decisions: tuple[PendingDecision, ...]
    writes: tuple[str, ...]
    error: str | None
    seconds: float
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def shown(self) -> str:
        """Everything the asker is shown: the answer and the decisions put to them."""
        return "\n".join([self.answer, *(d.description for d in self.decisions)])

    @property
    def seen_by_model(self) -> str:
        """Every tool result of the turn: what the model read (and could repeat)."""
        return "\n".join(c.result for c in self.calls if c.result is not None)

    @property
    def typed(self) -> str:
        """What the asker or the model wrote themselves: the question and the call arguments."""
        return "\n".join([self.question, *(str(c.args) for c in self.calls)])

    def named(self) -> list[str]:
        """The tools called, in order."""
        return [c.name for c in self.calls]

    def proposed(self) -> list[ToolCall]:
        """The proposing tools called (whether or not they succeeded)."""
        return [c for c in self.calls if c.name in WRITE_TOOL_NAMES]


def run_turn(world: World, asker: Person, question: str) -> Turn:
    """Ask ChaSen ``question`` as ``asker`` in a new thread; an exception is recorded, not
    raised, so one broken turn is one failed case."""
    before, clock = snapshot(world.database.sessions), time.perf_counter()
    thread = f"eval-{uuid.uuid4()}"
    try:
        result: TurnResult | None = world.chasen.chat(asker, question, thread_id=thread)
        error = None
    except Exception as failure:
        result, error = None, f"{type(failure).__name__}: {failure}"
    seconds = time.perf_counter() - clock
    writes = tuple(writes_between(before, snapshot(world.database.sessions)))
    if result is None:
        return Turn(asker, question, thread, "", (), (), writes, error, seconds)
    messages = _this_turn(result.values.get("messages") or [])
    results = {m.tool_call_id: str(m.content) for m in messages if isinstance(m, ToolMessage)}
    return Turn(
        asker=asker,
        question=question,
        thread_id=result.thread_id,
        answer=result.answer or "",
        calls=tuple(
            ToolCall(c["name"], dict(c["args"]), results.get(c["id"] or ""))
            for m in messages
            if isinstance(m, AIMessage)
            for c in m.tool_calls
        ),
        decisions=tuple(result.decisions),
        writes=writes,
        error=error,
        seconds=seconds,
        input_tokens=result.usage.get("input_tokens", 0),
        output_tokens=result.usage.get("output_tokens", 0),
    )


def _this_turn(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The messages since the person's last one."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return list(messages[index + 1 :])
    return list(messages)


@dataclass(frozen=True)
class Attempt:
    """Someone deciding a waiting proposal: refused (with which error) or not, what it wrote,
    and what the conversation said and read after the decision."""

    who: str
    refused_with: str | None
    writes: tuple[str, ...]
    continued: str = ""

    @property
    def denied(self) -> bool:
        """Whether the decision was refused as not theirs to make."""
        return (self.refused_with or "").startswith(PermissionDeniedError.__name__)


def try_decision(
    world: World, person: Person, thread_id: str, interrupt_id: str, response: dict[str, Any]
) -> Attempt:
    """Answer a waiting decision as ``person``, recording a refusal instead of raising it."""
    before = snapshot(world.database.sessions)
    continued = ""
    try:
        result = world.chasen.resume(person, thread_id, interrupt_id, response)
        refused = None
        after = _this_turn(result.values.get("messages") or [])
        read = [str(m.content) for m in after if isinstance(m, ToolMessage)]
        continued = "\n".join([result.answer or "", *read])
    except ChaSenError as error:
        refused = f"{type(error).__name__}: {error}"
    writes = tuple(writes_between(before, snapshot(world.database.sessions)))
    return Attempt(person.name, refused, writes, continued)


def waiting(world: World, thread_id: str) -> list[str]:
    """The interrupts waiting for a decision in a chat thread, oldest first."""
    state = world.chasen.graphs["chat"].get_state(_config(thread_id))
    return [i.id for i in state.interrupts]


@dataclass
class Dismissal:
    """Rejecting what a case left waiting: writes (none expected), what went wrong, and what
    each conversation said and read after the rejection."""

    writes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    continued: list[str] = field(default_factory=list)


def dismiss(world: World, asker: Person, thread_id: str) -> Dismissal:
    """Reject what a case left waiting in its thread, so no proposal outlives it: by the
    asker when they may decide, else by an admin."""
    done = Dismissal()
    for _ in range(MAX_DISMISSALS):
        pending = waiting(world, thread_id)
        if not pending:
            return done
        for decider in (asker, admin(world)):
            attempt = try_decision(world, decider, thread_id, pending[0], {"type": "ignore"})
            done.writes += attempt.writes
            if not attempt.denied:
                break
        if attempt.refused_with:
            done.problems.append(f"could not reject a proposal: {attempt.refused_with}")
            return done
        done.continued.append(attempt.continued)
    done.problems.append(f"more than {MAX_DISMISSALS} proposals were left waiting")
    return done


def place_proposal(
    world: World, asker: Person, request: str, tool: str, args: dict[str, Any]
) -> tuple[str, str | None, str]:
    """Put the proposal a model would make for ``request`` into a new thread, as the model's
    own tool call, and run the graph: its thread, the interrupt the proposal waits with (None
    when the tool refused to propose it) and what the tool answered. For requests the offline
    planner answers without proposing."""
    thread = f"eval-{uuid.uuid4()}"
    call_id = f"call_{uuid.uuid4().hex[:12]}"
    call = {"name": tool, "args": args, "id": call_id}
    asked = [HumanMessage(content=request), AIMessage(content="", tool_calls=[call])]
    graph = world.chasen.graphs["chat"]
    graph.update_state(_config(thread), {"messages": asked}, as_node="agent")
    graph.invoke(None, _config(thread), context=world.chasen.context(asker))
    messages = graph.get_state(_config(thread)).values.get("messages") or []
    answer = next(
        (
            str(m.content)
            for m in messages
            if isinstance(m, ToolMessage) and m.tool_call_id == call_id
        ),
        "",
    )
    pending = waiting(world, thread)
    return thread, pending[0] if pending else None, answer


def _config(thread_id: str) -> Any:
    return {"configurable": {"thread_id": thread_id}}


def admin(world: World) -> Person:
    """The first active admin: the decider of last resort."""
    with world.database.sessions() as session:
        email = session.scalars(
            select(User.email).where(User.role == "admin").order_by(User.email)
        ).first()
    if email is None:
        raise LookupError("the evaluated world has no admin")
    return world.person(email)


def open_plan(world: World, owner_email: str, client: str | None = None) -> uuid.UUID:
    """The owner's open plan of this year (an account plan of ``client``, else their
    territory plan), created and filled from the portfolio when missing."""
    with transaction(world.database.sessions) as session:
        owner = world.person(owner_email)
        client_id = directory.find_client(session, client).id if client else None
        spec = NewPlan(
            plan_type="account" if client_id else "territory",
            fiscal_year=world.today.year,
            primary_owner=owner.name,
            primary_owner_role="CAM" if owner.role == "CAM" else "CSE",
            owner_id=owner.id,
            client_id=client_id,
            territory=None if client_id else owner.territory,
        )
        service = PlanService(session)
        plan = service.ensure_plan(spec, owner.actor)
        if plan.version == 1:  # new: give it the portfolio's figures, as "create" does
            plan = fill_from_portfolio(session, plan.id, owner.actor, world.today)
        return plan.id


# --------------------------------------------------------------------------- tokens


def usage_metrics(turns: Sequence[Turn], world: World) -> list[Metric]:
    """Tokens per turn and their cost at the model's list price (not measured offline)."""
    if world.model.offline:
        why = "offline: no language model, no tokens"
        return [
            Metric("tokens per turn", None, None, "tokens", False, why),
            Metric("cost", None, None, "usd", False, why),
        ]
    spent_in = sum(t.input_tokens for t in turns)
    spent_out = sum(t.output_tokens for t in turns)
    per_turn = (spent_in + spent_out) / len(turns) if turns else None
    cost = cost_usd(world.model.name, spent_in, spent_out)
    return [
        Metric(
            "tokens per turn", per_turn, None, "tokens", False,
            f"{spent_in:,} in and {spent_out:,} out over {len(turns)} asked turns",
        ),
        Metric(
            "cost", cost, None, "usd", False,
            f"at {world.model.name}'s list price" if cost is not None
            else f"no list price for {world.model.name}",
        ),
    ]  # fmt: skip


def share(passed: Sequence[bool]) -> float | None:
    """The share of true values (None when there are none)."""
    return ratio(sum(passed), len(passed))
