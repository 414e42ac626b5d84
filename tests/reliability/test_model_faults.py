"""The model service misbehaving: timeouts, 5xx, 429 and garbage tool calls, end to end.

The real runner, ChatOpenAI client and Postgres checkpointer against the local OpenAI stub.
Whatever the service does, a turn ends with an answer (the offline planner's when the service
gives up, with a notice), the client's retries stay within ``max_retries``, and nothing is
written to a plan without a person's decision. A run the offline planner finished for a failed
service says so on its record (``agent_runs``: the failure as its error, ``offline`` as its
model when the model answered none of it), and only that run: the notice and the record belong
to the turn that fell back, not to the next one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from agent.context import Budgets, ModelSettings
from agent.runner import ChaSen, TurnResult
from core.bootstrap import Database
from core.models import AgentRun, ApprovalRequest
from ingest.demo_data import ANU
from planning.records import PlanRecord
from planning.service import PlanService
from tests.agent_harness import account_plan, running_chasen
from tests.openai_stub import (
    OpenAIStub,
    Reply,
    running_stub,
    text_reply,
    tool_call_reply,
    tool_calls_reply,
)

CLIENT = "Barwon Health"
DOWN = "The language model is unavailable right now"
ANSWERED = "the model service answered %d"
FAST = 0.01
"""Retry-After (seconds) sent with faults, so the client's retries do not sleep for long."""


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with running_stub() as running:
        yield running


@contextmanager
def chasen_on(
    database: Database, stub: OpenAIStub, *, retries: int, timeout_s: float = 5.0
) -> Iterator[ChaSen]:
    model = ModelSettings(
        name="gpt-4o-mini", base_url=stub.base_url, api_key="test", timeout_s=timeout_s,
        max_retries=retries, offline=False,
    )  # fmt: skip
    with running_chasen(database, model=model, budgets=Budgets(max_steps=4)) as chasen:
        yield chasen


def recorded(chasen: ChaSen, result: TurnResult) -> AgentRun:
    with chasen.database.sessions() as session:
        run = session.get(AgentRun, result.run_id)
        assert run is not None
        return run


def version(chasen: ChaSen, plan: PlanRecord) -> int:
    with chasen.database.sessions() as session:
        return PlanService(session).get_plan(plan.id).version


def approvals(chasen: ChaSen, thread_id: str) -> list[str]:
    with chasen.database.sessions() as session:
        query = select(ApprovalRequest.status).where(ApprovalRequest.thread_id == thread_id)
        return list(session.scalars(query))


def tool_results(request: dict[str, Any]) -> dict[str, str]:
    """The tool messages of a chat request, by the id of the call they answer."""
    return {
        m["tool_call_id"]: str(m["content"]) for m in request["messages"] if m["role"] == "tool"
    }


# -- the service is slow ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "question", ["Hello", f"Churn risk for {CLIENT}"], ids=["answered-directly", "via-a-tool"]
)
def test_a_service_that_always_times_out_is_tried_once_per_turn_then_offline(
    database: Database, stub: OpenAIStub, question: str
) -> None:
    stub.delay_s = 0.5  # every answer comes after the client's timeout
    with chasen_on(database, stub, retries=2, timeout_s=0.15) as chasen:
        anu = chasen.person(ANU)
        plan = account_plan(chasen.database.sessions, anu, CLIENT)
        result = chasen.chat(anu, question)

        # One request and max_retries retries for the whole turn, then offline: a turn that
        # has given up on the service does not wait for it again at its next step.
        assert len(stub.chat_requests()) == 1 + 2
        assert result.status == "done" and result.answer is not None
        notice = f"{DOWN} (the model service timed out), so this answer comes from"
        assert result.answer.startswith(notice) and "offline" in result.answer
        assert len(result.notices) == 1 and result.notices[0].startswith(notice)
        # The turn ended well, and its record says that the offline planner answered it.
        run = recorded(chasen, result)
        assert (run.status, run.error, run.model_calls, run.model) == (
            "done", "gpt-4o-mini unavailable (the model service timed out): answered offline",
            0, "offline",
        )  # fmt: skip
        assert version(chasen, plan) == plan.version
        assert approvals(chasen, result.thread_id) == []


def test_one_slow_answer_is_retried_and_the_turn_succeeds(
    database: Database, stub: OpenAIStub
) -> None:
    def slow(_body: dict[str, Any]) -> Reply:
        time.sleep(0.4)  # past the client's timeout: this reply is never read
        return text_reply("Too late.")

    stub.script.extend([slow, text_reply("Here you are.")])
    with chasen_on(database, stub, retries=2, timeout_s=0.15) as chasen:
        result = chasen.chat(chasen.person(ANU), "Hello")

        assert (result.answer, result.notices) == ("Here you are.", [])
        assert len(stub.chat_requests()) == 2
        run = recorded(chasen, result)
        assert (run.status, run.error, run.model_calls) == ("done", None, 1)
        assert run.input_tokens > 0 and run.output_tokens > 0


# -- the service answers errors ----------------------------------------------------------------


def test_500s_within_the_retry_budget_are_retried_and_the_turn_succeeds(
    database: Database, stub: OpenAIStub
) -> None:
    stub.fail(2, 500, retry_after=FAST)
    stub.script.append(text_reply("All good."))
    with chasen_on(database, stub, retries=2) as chasen:
        result = chasen.chat(chasen.person(ANU), "Hello")

        assert (result.status, result.answer, result.notices) == ("done", "All good.", [])
        assert len(stub.chat_requests()) == 3
        run = recorded(chasen, result)
        assert (run.status, run.error, run.model_calls) == ("done", None, 1)


def test_500s_beyond_the_retry_budget_fall_back_offline_and_only_propose(
    database: Database, stub: OpenAIStub
) -> None:
    stub.fail(10, 500, retry_after=FAST)
    with chasen_on(database, stub, retries=2) as chasen:
        anu = chasen.person(ANU)
        plan = account_plan(chasen.database.sessions, anu, CLIENT)
        result = chasen.chat(anu, f"Add an action to call their CIO for {CLIENT}")

        # The offline planner proposed the action: it waits for a person, nothing is written.
        assert len(stub.chat_requests()) == 3
        assert result.notices == [
            f"{DOWN} (the model service answered 500), so this answer comes from ChaSen's "
            "offline planner."
        ]
        assert result.status == "waiting" and [d.kind for d in result.decisions] == [
            "section_change"
        ]
        assert approvals(chasen, result.thread_id) == ["pending"]
        assert version(chasen, plan) == plan.version
        run = recorded(chasen, result)
        assert (run.status, run.error, run.model_calls, run.model) == (
            "waiting", f"gpt-4o-mini unavailable ({ANSWERED % 500}): answered offline", 0,
            "offline",
        )  # fmt: skip


def test_a_429_is_retried_after_its_retry_after_then_succeeds(
    database: Database, stub: OpenAIStub
) -> None:
    # Longer than the client's own first back-off (at most 0.5 s): only Retry-After explains it.
    retry_after = 0.8
    stub.fail(1, 429, retry_after=retry_after)
    at: list[float] = []  # when the retried request arrived

    def back(_body: dict[str, Any]) -> Reply:
        at.append(time.monotonic())
        return text_reply("Back again.")

    stub.script.append(back)
    with chasen_on(database, stub, retries=2) as chasen:
        anu = chasen.person(ANU)
        started = time.monotonic()
        result = chasen.chat(anu, "Hello")

        assert (result.answer, result.notices) == ("Back again.", [])
        assert len(stub.chat_requests()) == 2
        assert at[0] - started >= retry_after
        run = recorded(chasen, result)
        assert (run.status, run.error, run.model_calls) == ("done", None, 1)


# -- the model sends garbage tool calls ----------------------------------------------------------


def test_garbage_tool_calls_are_answered_as_errors_and_write_nothing(
    database: Database, stub: OpenAIStub
) -> None:
    with chasen_on(database, stub, retries=0) as chasen:
        anu = chasen.person(ANU)
        plan = account_plan(chasen.database.sessions, anu, CLIENT)
        pid = str(plan.id)
        stub.script.extend([
            tool_calls_reply([
                ("propose_section_change", '{"plan_id": "' + pid + '", "section": '),
                ("apply_plan_draft", {"plan_id": pid, "sections": {"actions": []}}),
                ("propose_section_change",
                 {"plan_id": pid, "section": "actions", "operation": "add_item",
                  "item": "call the CIO"}),
                ("propose_status_change", {"plan_id": pid, "action": ["approve"]}),
            ]),
            text_reply("Sorry, none of that worked."),
        ])  # fmt: skip
        result = chasen.chat(anu, "Fix up the plan")

        assert (result.status, result.answer) == ("done", "Sorry, none of that worked.")
        assert result.decisions == [] and stub.problems == []
        _, second = stub.chat_requests()
        results = tool_results(second)
        ids = [f"call_stub_1_{i}" for i in range(4)]  # the stub's ids, in the order sent
        assert sorted(results) == ids
        bad_json, unknown, wrong_item, wrong_action = (results[i] for i in ids)
        assert bad_json.startswith("ERROR (invalid_arguments)") and "not valid JSON" in bad_json
        assert unknown.startswith("ERROR (unknown_tool): there is no tool 'apply_plan_draft'")
        assert "propose_section_change" in unknown
        prefix = "ERROR (validation_error): invalid arguments for"
        assert wrong_item.startswith(f"{prefix} propose_section_change") and "item" in wrong_item
        assert wrong_action.startswith(f"{prefix} propose_status_change")
        assert "action" in wrong_action

        assert version(chasen, plan) == plan.version
        assert approvals(chasen, result.thread_id) == []
        run = recorded(chasen, result)
        assert (run.status, run.error, run.model_calls) == ("done", None, 2)


def test_a_write_tool_told_to_apply_directly_still_only_proposes(
    database: Database, stub: OpenAIStub
) -> None:
    with chasen_on(database, stub, retries=0) as chasen:
        anu = chasen.person(ANU)
        plan = account_plan(chasen.database.sessions, anu, CLIENT)
        item = {"title": "Call the CIO", "owner": "Anu Pradhan", "due_date": "2026-12-04"}
        args = {
            "plan_id": str(plan.id), "section": "actions", "operation": "add_item", "item": item,
            "apply": True, "approved": True, "skip_review": True,
        }  # fmt: skip
        stub.script.extend(
            [tool_call_reply("propose_section_change", args), text_reply("Not added, then.")]
        )
        result = chasen.chat(anu, "Add an action to call the CIO, no need to ask")

        assert result.status == "waiting" and len(result.decisions) == 1
        assert approvals(chasen, result.thread_id) == ["pending"]
        assert version(chasen, plan) == plan.version
        assert recorded(chasen, result).status == "waiting"

        decision = result.decisions[0]
        done = chasen.resume(anu, result.thread_id, decision.interrupt_id or "", {"type": "ignore"})
        assert done.answer == "Not added, then."
        assert approvals(chasen, result.thread_id) == ["rejected"]
        assert version(chasen, plan) == plan.version
        assert recorded(chasen, done).status == "done"


# -- a plan draft whose narrative fails ------------------------------------------------------------


def test_a_draft_whose_narrative_call_fails_reaches_its_approval_offline(
    database: Database, stub: OpenAIStub
) -> None:
    stub.fail(10, 503, retry_after=FAST)
    with chasen_on(database, stub, retries=1) as chasen:
        anu = chasen.person(ANU)
        plan = account_plan(chasen.database.sessions, anu, CLIENT)
        result = chasen.draft(anu, {"plan_id": str(plan.id)})

        assert len(stub.chat_requests()) == 2
        assert result.notices == [
            f"{DOWN} (the model service answered 503), so this answer comes from ChaSen's "
            "offline planner."
        ]
        assert result.status == "waiting"
        [decision] = result.decisions
        assert decision.kind == "plan_draft" and decision.args["offline"] is True
        assert "offline draft (no language model)" in decision.description
        assert decision.args["sections"]["value"]["executive_summary"]
        assert approvals(chasen, result.thread_id) == ["pending"]
        assert version(chasen, plan) == plan.version
        run = recorded(chasen, result)
        assert (run.status, run.error, run.model_calls, run.model) == (
            "waiting", f"gpt-4o-mini unavailable ({ANSWERED % 503}): answered offline", 0,
            "offline",
        )  # fmt: skip


# -- what a run that fell back says about itself -------------------------------------------------


def test_a_turn_the_model_began_and_the_offline_planner_finished_says_both(
    database: Database, stub: OpenAIStub
) -> None:
    def then_fail(_body: dict[str, Any]) -> Reply:
        stub.fail(10, 500, retry_after=FAST)  # every request after this one fails
        return tool_call_reply("churn_risk", {"client": CLIENT})

    stub.script.append(then_fail)
    with chasen_on(database, stub, retries=1) as chasen:
        result = chasen.chat(chasen.person(ANU), f"Churn risk for {CLIENT}")

        # The model chose the tool; the offline planner worded the answer from its result.
        assert len(stub.chat_requests()) == 1 + 2
        assert result.status == "done" and result.answer is not None
        assert CLIENT in result.answer and len(result.notices) == 1
        run = recorded(chasen, result)
        assert (run.status, run.error, run.model_calls, run.model) == (
            "done", f"gpt-4o-mini unavailable ({ANSWERED % 500}): answered offline", 1,
            "gpt-4o-mini",
        )  # fmt: skip
        assert run.input_tokens > 0


def test_the_next_turn_with_the_service_back_reports_no_failure(
    database: Database, stub: OpenAIStub
) -> None:
    stub.fail(3, 500, retry_after=FAST)  # the first turn's request and its two retries
    stub.script.append(text_reply("Back to normal."))
    with chasen_on(database, stub, retries=2) as chasen:
        anu = chasen.person(ANU)
        first = chasen.chat(anu, "Hello")
        second = chasen.chat(anu, "Hello again", thread_id=first.thread_id)

        assert len(first.notices) == 1 and recorded(chasen, first).model == "offline"
        # A notice belongs to the turn that fell back: the thread keeps it, this turn does not.
        assert (second.answer, second.notices) == ("Back to normal.", [])
        run = recorded(chasen, second)
        assert (run.status, run.error, run.model_calls, run.model) == (
            "done", None, 1, "gpt-4o-mini",
        )  # fmt: skip


def test_a_decision_resuming_a_turn_that_fell_back_is_recorded_as_offline_too(
    database: Database, stub: OpenAIStub
) -> None:
    stub.fail(10, 500, retry_after=FAST)
    with chasen_on(database, stub, retries=0) as chasen:
        anu = chasen.person(ANU)
        plan = account_plan(chasen.database.sessions, anu, CLIENT)
        asked = chasen.chat(anu, f"Add an action to call their CIO for {CLIENT}")
        [decision] = asked.decisions
        done = chasen.resume(anu, asked.thread_id, decision.interrupt_id or "", {"type": "accept"})

        # The turn had given up on the service: its resumption answers offline without asking
        # the service again, and says so in the answer and on its record.
        assert len(stub.chat_requests()) == 1
        assert done.status == "done" and done.answer is not None
        assert done.answer.startswith(f"{DOWN} ({ANSWERED % 500})")
        assert version(chasen, plan) == plan.version + 1
        run = recorded(chasen, done)
        assert (run.status, run.error, run.model_calls, run.model) == (
            "done", f"gpt-4o-mini unavailable ({ANSWERED % 500}): answered offline", 0,
            "offline",
        )  # fmt: skip
