"""The chat graph offline: tools with the asker's permissions, and every write approved first."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from agent import offline
from agent.prompts import OFFLINE_WHICH_CLIENT
from agent.runner import ChaSen
from core.bootstrap import Database
from core.database import transaction
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.identity import Person
from core.models import AgentRun, ApprovalRequest, Client, PlanActivity
from ingest.demo_data import ANU, JOHN, LAURA, TRACEY
from planning.permissions import visible_clients
from planning.records import NewPlan, PlanRecord
from planning.service import PlanService
from tests.agent_harness import TODAY, account_plan, running_chasen, seed
from tools.context import ToolContext

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


# --------------------------------------------------------------------------- routing

CALHN = "Central Adelaide Local Health Network"
Routed = list[tuple[str, dict[str, Any]]] | str


def routed(chasen: ChaSen, email: str, text: str, history: tuple[str, ...] = ()) -> Routed:
    """The offline planner's reading of ``text``: each call with its given arguments, or its
    reply when it calls nothing."""
    ctx = ToolContext(chasen.person(email), chasen.database.sessions, TODAY)
    with ctx.reading() as session:
        calls = offline.route(session, ctx, text, history)
    if isinstance(calls, str):
        return calls
    return [(c["name"], {k: v for k, v in c["args"].items() if v is not None}) for c in calls]


def tools_of(messages: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls of a conversation's messages, with their arguments."""
    return [(c["name"], dict(c["args"])) for m in messages for c in getattr(m, "tool_calls", [])]


def territory_plan(chasen: ChaSen, owner: Person) -> PlanRecord:
    """An empty draft territory plan of the owner's territory."""
    assert owner.territory is not None
    new = NewPlan(
        plan_type="territory",
        fiscal_year=TODAY.year,
        primary_owner=owner.name,
        primary_owner_role="CSE",
        owner_id=owner.id,
        territory=owner.territory,
    )
    with transaction(chasen.database.sessions) as session:
        return PlanService(session).create_plan(new, owner.actor)


def test_a_territory_in_the_request_narrows_the_risk_to_its_clients(chasen: ChaSen) -> None:
    tracey = chasen.person(TRACEY)
    with chasen.database.sessions() as session:
        hers = visible_clients(session, tracey)
    in_nz = {c.name for c in hers if c.territory == "NZ"}
    elsewhere = {c.name for c in hers if c.territory != "NZ"}
    assert in_nz and elsewhere

    result = chasen.chat(tracey, "What's at risk in NZ?")

    assert tools_of(result.values["messages"]) == [("churn_risk", {"territory": "NZ"})]
    assert result.answer is not None and "Churn risk in NZ" in result.answer
    assert all(name in result.answer for name in in_nz)
    assert not any(name in result.answer for name in elsewhere)
    # The same rule for other spellings, names of territories and several territories.
    for text in ("Which New Zealand clients might churn?", "any churn risk in nz?"):
        assert routed(chasen, TRACEY, text) == [("churn_risk", {"territory": "NZ"})], text
    assert routed(chasen, TRACEY, "What's at risk in VIC and NZ?") == [
        ("churn_risk", {"territory": "VIC"}),
        ("churn_risk", {"territory": "NZ"}),
    ]
    assert routed(chasen, TRACEY, "Show my portfolio in Victoria") == [
        ("portfolio", {"territory": "VIC"})
    ]
    # A client's name holding a territory's code is the client, not the territory.
    assert routed(chasen, JOHN, "What's the churn risk at WA Health?") == [
        ("churn_risk", {"client": "WA Health"})
    ]
    assert routed(chasen, JOHN, "What's at risk in South Australia?") == [
        ("churn_risk", {"territory": "SA"})  # not "South Metropolitan Health Service"
    ]


def test_a_territory_out_of_reach_is_refused_and_nothing_of_it_is_said(chasen: ChaSen) -> None:
    john = chasen.person(JOHN)
    with chasen.database.sessions() as session:
        nz = [c for c in session.scalars(select(Client)) if c.territory == "NZ"]
        assert nz and not visible_clients(session, john, "NZ")

    result = chasen.chat(john, "What's at risk in NZ?")

    assert result.answer is not None
    assert "cannot see the clients of NZ" in result.answer
    for client in nz:
        assert client.name not in result.answer
        assert f"{int(client.arr):,}" not in result.answer
    assert "score" not in result.answer


def test_a_client_is_known_by_a_distinctive_part_of_its_name_or_its_initials(
    chasen: ChaSen,
) -> None:
    for text, tool in (
        ("Who are the key stakeholders at Central Adelaide?", "list_stakeholders"),
        ("How is CALHN doing?", "client_snapshot"),
        ("What's the churn risk for central adelaide's network?", "churn_risk"),
    ):
        assert routed(chasen, LAURA, text) == [(tool, {"client": CALHN})], text
    assert routed(chasen, LAURA, "Who is the champion at Northern Adelaide?") == [
        ("list_stakeholders", {"client": "Northern Adelaide Local Health Network"})
    ]
    assert routed(chasen, TRACEY, "How is Waikato doing?") == [
        ("client_snapshot", {"client": "Te Whatu Ora Waikato"})
    ]
    # A part several clients share names none of them: the planner asks.
    for text in ("Who are the stakeholders at Adelaide?", "How is Te Whatu Ora doing?"):
        assert routed(chasen, TRACEY, text) == OFFLINE_WHICH_CLIENT, text
    # Words every client's name has ("Health") name no client, and still ask for a snapshot.
    assert routed(chasen, TRACEY, "What's the health of Eastern?") == [
        ("client_snapshot", {"client": "Eastern Health"})
    ]


def test_what_a_client_said_is_searched_in_its_meetings(chasen: ChaSen) -> None:
    for text, query in (
        ("What did WA Health say about the renewal?", "renewal"),
        ("What has WA Health said regarding the SLA breaches?", "SLA breaches"),
        ("Find where WA Health mentioned Patient Flow Analytics", "Patient Flow Analytics"),
        ("Search the WA Health transcripts for pricing", "pricing"),
    ):
        assert routed(chasen, ANU, text) == [
            ("search_transcripts", {"query": query, "client": "WA Health", "limit": 5})
        ], text
    summarised = routed(chasen, ANU, "Summarise our recent meetings with Barwon Health")
    assert not isinstance(summarised, str)
    [(tool, args)] = summarised
    assert (tool, args["client"]) == ("search_transcripts", "Barwon Health")
    assert "Barwon" not in args["query"] and "ummarise" not in args["query"]
    # "They" is the client of the conversation so far.
    asked_before = ("How is Barwon Health doing?",)
    assert routed(chasen, ANU, "What did they say about pricing?", asked_before) == [
        ("search_transcripts", {"query": "pricing", "client": "Barwon Health", "limit": 5})
    ]
    # Not every "say" asks for a quote, and a client's "Health" is not a health question.
    assert routed(chasen, ANU, "What should I say to Barwon Health about the renewal?") == [
        ("suggest_actions", {"client": "Barwon Health"})
    ]
    assert routed(chasen, ANU, "How is WA Health doing?") == [
        ("client_snapshot", {"client": "WA Health"})
    ]


def test_a_plan_asked_about_is_read_and_plans_asked_for_are_listed(chasen: ChaSen) -> None:
    tracey, anu = chasen.person(TRACEY), chasen.person(ANU)
    mine = territory_plan(chasen, tracey)
    barwon = account_plan(chasen.database.sessions, anu, CLIENT)

    result = chasen.chat(tracey, "What's in my territory plan?")

    assert tools_of(result.values["messages"]) == [("read_plan", {"plan_id": str(mine.id)})]
    assert result.answer is not None
    assert f"Plan {mine.id} | territory plan FY{TODAY.year} | {tracey.territory}" in result.answer
    assert "\nportfolio: " in result.answer and "% complete" in result.answer
    assert routed(chasen, TRACEY, "Show me my plan") == [("read_plan", {"plan_id": str(mine.id)})]
    assert routed(chasen, ANU, f"What's in the {CLIENT} account plan?") == [
        ("read_plan", {"plan_id": str(barwon.id)})
    ]
    assert routed(chasen, TRACEY, "Show me my plans") == [("find_plans", {})]
    assert routed(chasen, ANU, "Which plan should I finish first?") == [("find_plans", {})]
    # Someone who may not see the plan is refused, by its id or by its client.
    by_id = chasen.chat(chasen.person(JOHN), f"Read plan {barwon.id}")
    assert tools_of(by_id.values["messages"]) == [("read_plan", {"plan_id": str(barwon.id)})]
    assert "cannot see plan" in (by_id.answer or "")
    assert routed(chasen, JOHN, f"Show me the {CLIENT} account plan") == [
        ("find_plans", {"client": CLIENT})  # no plan of it is in reach: the tool refuses
    ]
    # Comments are read from the plan the request means.
    assert routed(chasen, ANU, f"What do the comments on my {CLIENT} plan say?") == [
        ("read_comments", {"plan_id": str(barwon.id)})
    ]
