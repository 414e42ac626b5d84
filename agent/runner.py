"""Running ChaSen's graphs for a person: chat turns, plan drafts, decisions, what is waiting.

The one entry point the CLI, the API and the Slack app use. Each run is recorded (who, which
model, tokens in and out, how it ended); a decision is checked (the thread and interrupt exist
and are still waiting, the person may decide, edited values are valid) before the paused graph
is resumed, so a bad decision is refused with a clear error and leaves the approval waiting.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Interrupt
from sqlalchemy.orm import Session

from agent import approvals, runs
from agent.chat_graph import build_chat_graph
from agent.context import Budgets, ChaSenContext, ModelSettings
from agent.draft_graph import build_draft_graph, edited_sections, resolve_request
from agent.inbox import HumanResponse, edited_args, parse_response
from agent.state import DraftInput
from core.bootstrap import Database
from core.database import transaction
from core.errors import ConflictError, NotFoundError, ValidationError
from core.identity import Person
from core.models import ApprovalRequest, GraphName, User
from planning import directory, proposals
from planning.records import PlanRecord
from planning.service import PlanService


@dataclass(frozen=True)
class PendingDecision:
    """A proposal waiting for a person: where it waits and what it would do."""

    approval_id: uuid.UUID
    thread_id: str
    interrupt_id: str | None
    graph: str
    kind: str
    action: str
    args: dict[str, Any]
    description: str
    plan_id: uuid.UUID | None

    @classmethod
    def of(cls, row: ApprovalRequest) -> PendingDecision:
        """From its approval row."""
        return cls(
            row.id, row.thread_id, row.interrupt_id, row.graph, row.kind,
            row.action["action"], row.action["args"], row.description, row.plan_id,
        )  # fmt: skip


@dataclass(frozen=True)
class ThreadStatus:
    """A thread's latest run and what waits in it."""

    thread_id: str
    status: str
    error: str | None
    decisions: list[PendingDecision]


@dataclass(frozen=True)
class TurnResult:
    """How a run ended: an answer, or decisions waiting; tokens it used."""

    graph: str
    thread_id: str
    run_id: uuid.UUID
    status: Literal["done", "waiting"]
    answer: str | None
    decisions: list[PendingDecision] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunEvent:
    """Progress of a run as it happens: a graph step finished, or text the model wrote."""

    kind: Literal["step", "token"]
    node: str
    text: str = ""


OnEvent = Callable[[RunEvent], None]
"""Called in the run's thread with each event; it must not block for long."""


class ChaSen:
    """ChaSen's graphs on one database and checkpointer."""

    def __init__(
        self,
        database: Database,
        checkpointer: BaseCheckpointSaver[Any],
        *,
        model: ModelSettings | None = None,
        budgets: Budgets | None = None,
        today: date | None = None,
    ) -> None:
        self.database = database
        self.model = model or ModelSettings.from_settings()
        self.budgets = budgets or Budgets()
        self.today = today
        self.graphs: dict[str, CompiledStateGraph[Any, Any, Any, Any]] = {
            "chat": build_chat_graph(checkpointer),
            "plan_draft": build_draft_graph(checkpointer),
        }

    def person(self, email: str) -> Person:
        """The active user with this e-mail; NotFoundError otherwise."""
        with self.database.sessions() as session:
            return Person.of(directory.get_active_user(session, email))

    def context(self, person: Person, decider: Person | None = None) -> ChaSenContext:
        """The runtime context of a run for ``person`` (resumed by ``decider``'s decision)."""
        return ChaSenContext(
            user_email=person.email,
            person=person,
            sessions=self.database.sessions,
            today=self.today,
            model=self.model,
            budgets=self.budgets,
            decider=decider,
        )

    # -- runs --------------------------------------------------------------------------------

    def chat(
        self,
        person: Person,
        text: str,
        *,
        thread_id: str | None = None,
        on_event: OnEvent | None = None,
    ) -> TurnResult:
        """One chat turn in a thread (a new thread when none is given)."""
        self.check_chat(person, text, thread_id)
        thread = thread_id or str(uuid.uuid4())
        message = {"messages": [HumanMessage(content=text)]}
        return self._run("chat", person, message, thread, on_event)

    def draft(
        self,
        person: Person,
        request: DraftInput,
        *,
        thread_id: str | None = None,
        on_event: OnEvent | None = None,
        run_id: uuid.UUID | None = None,
    ) -> TurnResult:
        """Draft a plan ("Generate Plan Draft"); it ends waiting for a person's approval.

        ``run_id`` continues a run recorded by :meth:`begin` (a draft started in the
        background), so that its thread can be followed from the moment it was asked for."""
        thread = thread_id or f"draft-{uuid.uuid4()}"
        return self._run("plan_draft", person, dict(request), thread, on_event, run_id)

    def begin(self, graph: GraphName, person: Person, thread_id: str) -> uuid.UUID:
        """Record a run as running before it starts (for runs started in the background)."""
        with transaction(self.database.sessions) as session:
            return runs.start(
                session, thread_id=thread_id, graph=graph, user_id=person.id,
                model=self.model.label,
            )  # fmt: skip

    def resume(
        self, person: Person, thread_id: str, interrupt_id: str, response: Any
    ) -> TurnResult:
        """Answer a waiting decision (accept, edit, response or ignore) as ``person``.

        The decision is written as ``person``; the run then goes on for whoever asked, with
        their reach: what ChaSen says next belongs to the asker's conversation, so it must not
        draw on what only the decider may see."""
        decision = parse_response(response)
        with transaction(self.database.sessions) as session:
            row = self._waiting(session, thread_id, interrupt_id)
            graph: GraphName = "chat" if row.graph == "chat" else "plan_draft"
            self._check_decision(session, person, row, decision)
            requester = session.get(User, row.requested_by) if row.requested_by else None
            asker = Person.of(requester) if requester else person
        command: Command[Any] = Command(resume={interrupt_id: decision.model_dump()})
        return self._run(graph, asker, command, thread_id, decider=person)

    def pending(self, person: Person) -> list[PendingDecision]:
        """Decisions waiting for ``person`` (what is waiting for me?)."""
        with self.database.sessions() as session:
            return [PendingDecision.of(r) for r in approvals.pending_for(session, person)]

    def thread(self, person: Person, thread_id: str) -> ThreadStatus:
        """Where ``person``'s thread stands: its latest run and the decisions waiting in it."""
        with self.database.sessions() as session:
            run = runs.latest(session, thread_id)
            if run is None or run.user_id != person.id:
                raise NotFoundError(f"no thread {thread_id} of yours")
            waiting = approvals.pending_in(session, thread_id)
            return ThreadStatus(
                thread_id, run.status, run.error, [PendingDecision.of(r) for r in waiting]
            )

    def check_chat(self, person: Person, text: str, thread_id: str | None) -> None:
        """Refuse at once an empty message, or a thread ``person`` did not start."""
        if not text.strip():
            raise ValidationError("say something: the message is empty")
        if thread_id is not None:
            self.check_thread(person, thread_id)

    def check_thread(self, person: Person, thread_id: str) -> None:
        """A thread is continued only by the person who started it (a new id starts one)."""
        with self.database.sessions() as session:
            run = runs.latest(session, thread_id)
        if run is not None and run.user_id != person.id:
            raise NotFoundError(f"no thread {thread_id} of yours")

    def check_draft(self, person: Person, request: DraftInput) -> None:
        """Refuse at once a draft of an unknown or forbidden subject (before running it)."""
        with self.database.sessions() as session:
            resolve_request(session, person, request, self.today or date.today())

    # -- helpers -----------------------------------------------------------------------------

    def _run(
        self,
        graph_name: GraphName,
        person: Person,
        payload: Any,
        thread_id: str,
        on_event: OnEvent | None = None,
        run_id: uuid.UUID | None = None,
        decider: Person | None = None,
    ) -> TurnResult:
        graph = self.graphs[graph_name]
        config: Any = {"configurable": {"thread_id": thread_id}, "recursion_limit": 50}
        if run_id is None:
            run_id = self.begin(graph_name, person, thread_id)
        try:
            # Read inside the try: a run recorded by begin() whose checkpoints cannot be read
            # must end failed, not stay "running" for ever.
            before = graph.get_state(config).values
            context = self.context(person, decider)
            self._stream(graph, payload, config, context, thread_id, run_id, on_event)
            snapshot = graph.get_state(config)
            values: dict[str, Any] = dict(snapshot.values)
            # The thread's state adds up over its runs: this run's share is what it added.
            used = dict(before.get("usage") or {})
            usage = {k: v - used.get(k, 0) for k, v in (values.get("usage") or {}).items()}
            notices = _added(before, values, "notices")
            waiting = [(str(_approval_id(i)), i.id) for i in snapshot.interrupts]
            with transaction(self.database.sessions) as session:
                approvals.note_interrupts(session, thread_id, waiting)
                decisions = [
                    PendingDecision.of(row)
                    for approval, _ in waiting
                    if (row := approvals.get(session, uuid.UUID(approval))) is not None
                ]
            status: Literal["done", "waiting"] = "waiting" if waiting else "done"
            fell_back = _added(before, values, "model_down")
            self._finish(run_id, status, usage, **self._fallback_record(fell_back, usage))
        except Exception as error:
            self._finish(run_id, "failed", {}, error=f"{type(error).__name__}: {error}")
            raise
        return TurnResult(
            graph=graph_name,
            thread_id=thread_id,
            run_id=run_id,
            status=status,
            answer=_answer(graph_name, values, waiting),
            decisions=decisions,
            notices=notices,
            usage=usage,
            values=values,
        )

    def _fallback_record(self, reasons: list[str], usage: dict[str, int]) -> dict[str, str]:
        """What a run's row says when the offline planner stood in for a failed model service:
        the failure as its error (the run itself ended well, so its status does not say it),
        and ``offline`` as its model when the model answered none of it."""
        if not reasons:
            return {}
        why = "; ".join(dict.fromkeys(reasons))  # once each, in the order they happened
        record = {"error": f"{self.model.name} unavailable ({why}): answered offline"}
        if not usage.get("model_calls"):
            record["model"] = "offline"
        return record

    def _stream(
        self,
        graph: CompiledStateGraph[Any, Any, Any, Any],
        payload: Any,
        config: Any,
        context: ChaSenContext,
        thread_id: str,
        run_id: uuid.UUID,
        on_event: OnEvent | None,
    ) -> None:
        """Run the graph, announcing each finished step (and model text to ``on_event``)."""
        modes: Any = ["updates", "messages"] if on_event else ["updates"]
        stream: Any = graph.stream(payload, config, context=context, stream_mode=modes)
        for mode, chunk in stream:
            if mode == "updates":
                for node in chunk:
                    if node.startswith("__"):
                        continue  # an interrupt, not a step
                    with transaction(self.database.sessions) as session:
                        runs.announce(session, thread_id, run_id, "step", node=node)
                    if on_event:
                        on_event(RunEvent("step", node))
            elif on_event:
                message, meta = chunk
                text = message.text if isinstance(message, AIMessageChunk | AIMessage) else ""
                if text and not getattr(message, "tool_calls", None):
                    on_event(RunEvent("token", str(meta.get("langgraph_node", "")), text))

    def _finish(
        self,
        run_id: uuid.UUID,
        status: str,
        usage: dict[str, int],
        error: str | None = None,
        model: str | None = None,
    ) -> None:
        with transaction(self.database.sessions) as session:
            runs.finish(session, run_id, status, usage, error, model=model)

    def _waiting(self, session: Session, thread_id: str, interrupt_id: str) -> ApprovalRequest:
        """The approval this interrupt waits with, locked; refuses unknown or decided ones."""
        row = approvals.by_interrupt(session, thread_id, interrupt_id)
        if row is None:
            row = self._from_checkpoint(session, thread_id, interrupt_id)
        if row.status != "pending":
            raise already_decided(session, row)
        config: Any = {"configurable": {"thread_id": thread_id}}
        if interrupt_id not in {i.id for i in self.graphs[row.graph].get_state(config).interrupts}:
            raise NotFoundError(f"no decision {interrupt_id} is waiting in thread {thread_id}")
        return row

    def _from_checkpoint(
        self, session: Session, thread_id: str, interrupt_id: str
    ) -> ApprovalRequest:
        config: Any = {"configurable": {"thread_id": thread_id}}
        known_thread = False
        for graph in self.graphs.values():
            snapshot = graph.get_state(config)
            known_thread = known_thread or bool(snapshot.values)
            for waiting in snapshot.interrupts:
                if waiting.id == interrupt_id:
                    row = approvals.get(session, _approval_id(waiting))
                    if row is not None:
                        return row
        if not known_thread:
            raise NotFoundError(f"no conversation or draft with thread id {thread_id}")
        raise NotFoundError(f"no decision {interrupt_id} is waiting in thread {thread_id}")

    @staticmethod
    def _check_decision(
        session: Session, person: Person, row: ApprovalRequest, decision: HumanResponse
    ) -> None:
        proposal = _proposal_of(row)
        approvals.check_decider(session, person, row, _plan_of(session, row, proposal))
        if decision.type != "edit":
            return
        if proposal is None:
            edited_sections(edited_args(decision))
        else:
            proposals.edited(proposal, edited_args(decision))


def decision_for(session: Session, person: Person, approval_id: uuid.UUID) -> PendingDecision:
    """The decision ``person`` is about to make (before opening an edit form, say): refused
    when it names nothing (NotFoundError), was made (ConflictError) or is not theirs to make
    (PermissionDeniedError)."""
    row = approvals.get(session, approval_id)
    if row is None:
        raise NotFoundError(f"no decision {approval_id}")
    if row.status != "pending":
        raise already_decided(session, row)
    approvals.check_decider(session, person, row, _plan_of(session, row, _proposal_of(row)))
    return PendingDecision.of(row)


def already_decided(session: Session, row: ApprovalRequest) -> ConflictError:
    """The refusal of a second decision: who made the first one, and when."""
    who = session.get(User, row.decided_by) if row.decided_by else None
    return ConflictError(
        f"This decision was already made ({row.status}"
        + (f" by {who.name}" if who else "")
        + (f" at {row.decided_at:%Y-%m-%d %H:%M}" if row.decided_at else "")
        + "); nothing was applied again",
        status=row.status,
        approval_id=row.id,
    )


def _proposal_of(row: ApprovalRequest) -> proposals.Proposal | None:
    """The chat proposal an approval decides (None for a plan draft)."""
    if row.kind == "plan_draft":
        return None
    args = {k: v for k, v in row.action["args"].items() if k != "approval_id"}
    return proposals.Proposal.model_validate(args)


def _plan_of(
    session: Session, row: ApprovalRequest, proposal: proposals.Proposal | None
) -> PlanRecord | None:
    """The plan a decision is about; None for the draft of a plan not created yet."""
    plan_id = proposal.plan_id if proposal is not None else row.plan_id
    return PlanService(session).get_plan(plan_id) if plan_id is not None else None


def _approval_id(waiting: Interrupt) -> uuid.UUID:
    """The id of the approval an interrupt waits with (in its Agent Inbox request's args)."""
    return uuid.UUID(waiting.value[0]["action_request"]["args"]["approval_id"])


def _added(before: dict[str, Any], after: dict[str, Any], channel: str) -> list[str]:
    """What a run appended to a list channel of the thread's state (notices, model failures)."""
    return list(after.get(channel) or [])[len(before.get(channel) or []) :]


def _answer(graph: str, values: dict[str, Any], waiting: list[tuple[str, str]]) -> str | None:
    if graph == "plan_draft":
        return values.get("outcome") if not waiting else None
    if waiting:
        return None
    messages = values.get("messages") or []
    last = messages[-1] if messages else None
    return str(last.content) if isinstance(last, AIMessage) else None
