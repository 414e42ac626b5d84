"""Slack refusing ChaSen's posts: rate limits and outages, through the whole Slack app path.

Signed requests into the real API and bolt app, a real worker running the queued job, the real
``slack_sdk`` client against the local mock of the Web API, programmed to fail one method at a
time. ``tests/test_slack_app.py`` retries a failed answer by calling the job's handler directly,
and ``tests/test_slack_delivery.py`` tests the poster alone; here the job queue does the
retrying. Whatever Slack does, each reply arrives once, a rate limit is waited out for as long
as Slack asks, and the agent runs once per question or decision however often its job runs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from core.bootstrap import Database
from core.models import AgentRun, SlackEvent
from ingest.demo_data import TRACEY
from planning.service import PlanService
from scheduler.queue import run_worker
from slack_app.approval_blocks import ACCEPT
from tests.agent_harness import account_plan, person
from tests.slack_harness import (
    action_body,
    direct_message,
    event_body,
    signed_headers,
)
from tests.slack_stub import SlackStub, response_url, running_slack_stub

pytestmark = pytest.mark.timeout(60)

TRACEY_SLACK = "U0TRACEY"
QUESTION = "What is the churn risk of Barwon Health?"
CLIENT_TRIES = 1 + 3
"""Calls the worker's Slack client makes before giving up: the first and its three retries."""


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with running_slack_stub() as running:
        running.users[TRACEY_SLACK] = {"email": TRACEY}
        yield running


@dataclass(frozen=True)
class Job:
    """A Slack job as the queue has it."""

    status: str
    attempts: int
    due_in_s: float


def jobs(database: Database) -> list[Job]:
    """The Slack jobs in the queue, oldest first."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT status, attempts, "
                "EXTRACT(EPOCH FROM scheduled_at - now()) AS due_in_s "
                "FROM procrastinate_jobs WHERE queue_name = 'slack' ORDER BY id"
            )
        ).all()
    return [Job(str(r.status), int(r.attempts), float(r.due_in_s or 0)) for r in rows]


def work(database: Database) -> None:
    """Run every Slack job that is due, as a worker does, and return."""
    run_worker(database, queues=["slack"], wait=False)


def later(database: Database) -> None:
    """Make the retries the queue holds for later due now, as if their wait had passed."""
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE procrastinate_jobs SET scheduled_at = now() "
                "WHERE queue_name = 'slack' AND status = 'todo'"
            )
        )


def ask(app: TestClient, question: str) -> dict[str, Any]:
    """Tracey asks ChaSen in her DM; Slack's event (acknowledged)."""
    event = direct_message(TRACEY_SLACK, question)
    body = event_body(event)
    acked = app.post(
        "/slack/events",
        content=body,
        headers=signed_headers(body, content_type="application/json"),
    )
    assert acked.status_code == 200, acked.text
    return event


def click_accept(app: TestClient, stub: SlackStub, proposal: dict[str, Any]) -> None:
    """Tracey presses Accept on a proposal message."""
    value = next(
        element["value"]
        for block in proposal["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ACCEPT
    )
    body = action_body(
        TRACEY_SLACK,
        ACCEPT,
        value,
        channel=proposal["channel"],
        message_ts=proposal["ts"],
        thread_ts=proposal.get("thread_ts"),
        response_url=response_url(stub, f"click-{uuid.uuid4().hex[:6]}"),
    )
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    assert app.post("/slack/events", content=body, headers=headers).status_code == 200


def agent_runs(database: Database) -> int:
    """How many agent runs are on record (each question or decision is one)."""
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AgentRun)) or 0)


def deliveries(database: Database) -> list[tuple[str, int | None]]:
    """Each recorded Slack delivery's status and how many reply messages Slack took."""
    with database.sessions() as session:
        rows = session.scalars(select(SlackEvent).order_by(SlackEvent.received_at)).all()
        return [(r.status, r.reply["sent"] if r.reply else None) for r in rows]


def words(message: dict[str, Any]) -> str:
    """Everything a person reads in a message."""
    return json.dumps(message.get("blocks") or [], ensure_ascii=False)


# -- rate limits --------------------------------------------------------------------------------


def test_rate_limits_are_waited_out_as_slack_asks_and_the_answer_arrives_once(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    stub.fail("chat.postMessage", status=429, retry_after=1)  # the status message
    stub.fail("chat.update", status=429, retry_after=1)  # the answer in its place
    event = ask(slack, QUESTION)
    work(queue_database)

    for method in ("chat.postMessage", "chat.update"):
        limited, passed = stub.calls_to(method)
        assert limited.params == passed.params, method  # the same message, sent again
        assert passed.at - limited.at >= 1, f"{method} was retried before Retry-After"
    [answer] = stub.messages
    assert answer["thread_ts"] == event["ts"] and "Barwon Health" in words(answer)
    assert agent_runs(queue_database) == 1
    assert deliveries(queue_database) == [("done", 1)]
    assert [(j.status, j.attempts) for j in jobs(queue_database)] == [("succeeded", 1)]


# -- outages that outlast the client's retries -------------------------------------------------


def test_an_outage_before_the_status_message_is_retried_by_the_job_and_runs_the_agent_once(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    stub.fail("chat.postMessage", status=500, times=CLIENT_TRIES)
    ask(slack, QUESTION)
    work(queue_database)

    # Nothing reached Slack and the agent has not run: the job waits to be tried again.
    assert stub.messages == [] and agent_runs(queue_database) == 0
    [waiting] = jobs(queue_database)
    assert (waiting.status, waiting.attempts) == ("todo", 1)
    assert waiting.due_in_s > 5  # later, not at once (10 s for the first retry)
    assert deliveries(queue_database) == [("queued", None)]

    later(queue_database)
    work(queue_database)

    assert len(stub.calls_to("chat.postMessage")) == CLIENT_TRIES + 1
    [answer] = stub.messages
    assert "Barwon Health" in words(answer)
    assert agent_runs(queue_database) == 1
    assert deliveries(queue_database) == [("done", 1)]
    assert [(j.status, j.attempts) for j in jobs(queue_database)] == [("succeeded", 2)]


def test_an_answer_slack_would_not_take_is_sent_by_the_retry_in_place_without_rerunning(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    """The status message went out, then the update carrying the answer kept failing (a 502,
    which slack_sdk's own handler would not retry): the retry updates that same message with
    the stored answer; it posts no second one."""
    stub.fail("chat.update", status=502, times=CLIENT_TRIES)
    ask(slack, QUESTION)
    work(queue_database)

    [status_message] = stub.messages
    assert "Barwon Health" not in words(status_message)  # still saying ChaSen is on it
    assert agent_runs(queue_database) == 1
    assert deliveries(queue_database) == [("answered", 0)]
    [waiting] = jobs(queue_database)
    assert (waiting.status, waiting.attempts) == ("todo", 1) and waiting.due_in_s > 5

    later(queue_database)
    work(queue_database)

    assert len(stub.calls_to("chat.postMessage")) == 1  # no duplicate
    assert len(stub.calls_to("chat.update")) == CLIENT_TRIES + 1
    [answer] = stub.messages
    assert answer["ts"] == status_message["ts"] and "Barwon Health" in words(answer)
    assert agent_runs(queue_database) == 1  # the stored answer was sent, the agent not rerun
    assert deliveries(queue_database) == [("done", 1)]
    assert [(j.status, j.attempts) for j in jobs(queue_database)] == [("succeeded", 2)]


def test_an_accept_whose_follow_up_fails_is_applied_once_and_its_message_updated_once(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    """Accept's reply is two messages: the proposal updated to say who decided, then ChaSen's
    next words in the thread. The update goes out, the post does not: the retry sends only the
    post; the decision is not applied, nor the proposal's message updated, a second time."""
    sessions = queue_database.sessions
    plan = account_plan(sessions, person(sessions, TRACEY), "Barwon Health")
    ask(slack, "Add an action to call the CIO at Barwon Health")
    work(queue_database)
    [proposal] = stub.messages
    assert ACCEPT in words(proposal)
    posts, updates = len(stub.calls_to("chat.postMessage")), len(stub.calls_to("chat.update"))

    stub.fail("chat.postMessage", status=500, times=CLIENT_TRIES)
    click_accept(slack, stub, proposal)
    work(queue_database)

    assert len(stub.calls_to("chat.update")) == updates + 1
    decided = next(m for m in stub.messages if m["ts"] == proposal["ts"])
    assert ACCEPT not in words(decided) and "Tracey Bland" in words(decided)
    assert deliveries(queue_database)[-1] == ("answered", 1)  # the update only
    runs = agent_runs(queue_database)

    later(queue_database)
    work(queue_database)

    assert len(stub.calls_to("chat.update")) == updates + 1  # not again
    assert len(stub.calls_to("chat.postMessage")) == posts + CLIENT_TRIES + 1
    [follow_up] = [m for m in stub.messages if m["ts"] != proposal["ts"]]
    assert follow_up["thread_ts"] == proposal["thread_ts"]
    assert agent_runs(queue_database) == runs  # the graph was resumed once
    with sessions() as session:
        actions = PlanService(session).get_section(plan.id, "actions").data
        version = PlanService(session).get_plan(plan.id).version
    assert [a["title"] for a in actions] == ["Call the CIO at Barwon Health"]
    assert version == plan.version + 1
    assert stub.responses == []  # nobody was told "already decided"
    assert deliveries(queue_database)[-1] == ("done", 2)
