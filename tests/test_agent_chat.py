"""The chat graph offline: tools with the asker's permissions, and every write approved first."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from agent.runner import ChaSen
from core.bootstrap import Database
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.models import AgentRun, ApprovalRequest, PlanActivity
from ingest.demo_data import ANU, JOHN, TRACEY
from planning.permissions import visible_clients
from planning.service import PlanService
from tests.agent_harness import account_plan, running_chasen, seed

CLIENT = "Barwon Health"


@pytest.fixture
def chasen(committed_factory: sessionmaker[Session], engine: object) -> Iterator[ChaSen]:
    seed(committed_factory)
    database = Database(engine=engine, sessions=committed_factory, embedded=True)  # type: ignore[arg-type]
    with running_chasen(database) as running:
        yield running


def activity_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(PlanActivity)) or 0


def test_a_question_is_answered_from_the_tools_and_labelled_offline(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    result = chasen.chat(anu, f"Who is the economic buyer at {CLIENT}?")
    assert result.status == "done"
    assert result.answer is not None
    assert "offline" in result.answer
    tool_messages = [m for m in result.values["messages"] if m.type == "tool"]
    assert [m.name for m in tool_messages] == ["list_stakeholders"]


def test_what_is_at_risk_lists_only_the_askers_clients(chasen: ChaSen) -> None:
    tracey = chasen.person(TRACEY)
    result = chasen.chat(tracey, "What's at risk in my territory?")
    assert result.answer is not None
    with chasen.database.sessions() as session:
        mine = {c.name for c in visible_clients(session, tracey)}
        everyone = {
            c.name for c in visible_clients(session, chasen.person("sam.whitford@example.com"))
        }
    others = everyone - mine
    assert any(name in result.answer for name in mine)
    assert not any(name in result.answer for name in others)


def test_a_cse_cannot_read_another_territory_through_chasen(chasen: ChaSen) -> None:
    john = chasen.person(JOHN)
    result = chasen.chat(john, f"Snapshot of {CLIENT}")
    assert result.answer is not None
    assert "permission" in result.answer.lower() or "cannot see" in result.answer


def test_adding_an_action_waits_for_approval_then_writes_once(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    plan = account_plan(chasen.database.sessions, anu, CLIENT)
    before = activity_count(chasen.database.sessions)

    result = chasen.chat(anu, f"Add an action to call the CIO of {CLIENT} before the QBR")

    assert result.status == "waiting"
    [decision] = result.decisions
    assert decision.kind == "section_change"
    assert decision.args["section"] == "actions"
    assert "Call the CIO" in decision.description
    assert [d.approval_id for d in chasen.pending(anu)] == [decision.approval_id]
    with chasen.database.sessions() as session:
        assert PlanService(session).get_plan(plan.id).sections["actions"] in ([], None)
    assert activity_count(chasen.database.sessions) == before

    done = chasen.resume(anu, result.thread_id, decision.interrupt_id or "", {"type": "accept"})

    assert done.status == "done"
    with chasen.database.sessions() as session:
        written = PlanService(session).get_plan(plan.id)
        [action] = written.sections["actions"]
        assert action["title"].startswith("Call the CIO")
        assert written.version == plan.version + 1
        row = session.get(ApprovalRequest, decision.approval_id)
        assert row is not None and row.status == "accepted" and row.decided_by == anu.id
        [entry] = PlanService(session).activity(plan.id, limit=1)
        assert entry.user_name == anu.name
    assert chasen.pending(anu) == []

    with pytest.raises(ConflictError, match="already made"):
        chasen.resume(anu, result.thread_id, decision.interrupt_id or "", {"type": "accept"})
    assert activity_count(chasen.database.sessions) == before + 1


def test_an_edit_writes_the_edited_section(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    plan = account_plan(chasen.database.sessions, anu, CLIENT)
    result = chasen.chat(anu, f"Add an action to book the QBR with {CLIENT}")
    [decision] = result.decisions
    after = decision.args["after"]
    after[0]["title"] = "Book the QBR for early December"

    chasen.resume(
        anu,
        result.thread_id,
        decision.interrupt_id or "",
        {"type": "edit", "args": {"after": after}},
    )

    with chasen.database.sessions() as session:
        [action] = PlanService(session).get_plan(plan.id).sections["actions"]
    assert action["title"] == "Book the QBR for early December"


def test_reject_and_reply_write_nothing(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    plan = account_plan(chasen.database.sessions, anu, CLIENT)
    first = chasen.chat(anu, f"Add an action to call {CLIENT}'s CIO")
    rejected = chasen.resume(
        anu, first.thread_id, first.decisions[0].interrupt_id or "", {"type": "ignore"}
    )
    assert rejected.status == "done" and "rejected" in (rejected.answer or "")

    second = chasen.chat(anu, f"Add an action to email {CLIENT}", thread_id=first.thread_id)
    replied = chasen.resume(
        anu,
        second.thread_id,
        second.decisions[0].interrupt_id or "",
        {"type": "response", "args": "Not yet, after the board meeting"},
    )
    assert "after the board meeting" in (replied.answer or "")
    with chasen.database.sessions() as session:
        assert PlanService(session).get_plan(plan.id).version == plan.version


def test_bad_decisions_are_refused_and_the_proposal_keeps_waiting(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    tracey = chasen.person(TRACEY)
    account_plan(chasen.database.sessions, anu, CLIENT)
    result = chasen.chat(anu, f"Add an action to call the CIO of {CLIENT}")
    [decision] = result.decisions
    interrupt = decision.interrupt_id or ""

    with pytest.raises(NotFoundError, match="no conversation"):
        chasen.resume(anu, "no-such-thread", interrupt, {"type": "accept"})
    with pytest.raises(NotFoundError, match="no decision"):
        chasen.resume(anu, result.thread_id, "0" * 32, {"type": "accept"})
    with pytest.raises(ValidationError, match="a decision is"):
        chasen.resume(anu, result.thread_id, interrupt, {"type": "approve"})
    with pytest.raises(ValidationError):
        bad = [{"title": "", "owner": "x", "due_date": "soon"}]
        chasen.resume(anu, result.thread_id, interrupt, {"type": "edit", "args": {"after": bad}})
    with pytest.raises(PermissionDeniedError):
        chasen.resume(tracey, result.thread_id, interrupt, {"type": "accept"})

    assert [d.approval_id for d in chasen.pending(anu)] == [decision.approval_id]
    done = chasen.resume(anu, result.thread_id, interrupt, {"type": "accept"})
    assert done.status == "done"


def test_runs_are_recorded_with_their_model_and_tokens(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    result = chasen.chat(anu, f"Churn risk for {CLIENT}")
    with chasen.database.sessions() as session:
        run = session.get(AgentRun, result.run_id)
    assert run is not None
    assert (run.status, run.model, run.graph, run.user_id) == ("done", "offline", "chat", anu.id)
    assert (run.input_tokens, run.output_tokens, run.model_calls) == (0, 0, 0)


def test_two_accepts_at_once_write_once(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    plan = account_plan(chasen.database.sessions, anu, CLIENT)
    result = chasen.chat(anu, f"Add an action to call the CIO of {CLIENT}")
    interrupt = result.decisions[0].interrupt_id or ""
    outcomes: list[str] = []

    def accept() -> None:
        try:
            done = chasen.resume(anu, result.thread_id, interrupt, {"type": "accept"})
            outcomes.append(done.answer or "")
        except ConflictError as refused:
            outcomes.append(f"refused: {refused}")

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2
    with chasen.database.sessions() as session:
        written = PlanService(session).get_plan(plan.id)
    assert len(written.sections["actions"]) == 1
    assert written.version == plan.version + 1


def test_langgraph_json_names_both_compiled_graphs() -> None:
    root = Path(__file__).resolve().parents[1]
    config = json.loads((root / "langgraph.json").read_text())
    for name, target in config["graphs"].items():
        path, attribute = target.split(":")
        module = importlib.import_module(
            path.removeprefix("./").removesuffix(".py").replace("/", ".")
        )
        graph = getattr(module, attribute)
        assert graph.name == name
        assert {"__start__"} < set(graph.get_graph().nodes)
