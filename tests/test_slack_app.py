"""Scenarios of the Slack app: the real bolt app inside the real API, signed requests as Slack
sends them, a real worker running the queued jobs, and a local mock of Slack's Web API.

A question in a DM is answered in its thread; a slash-command draft ends in a proposal with
buttons; Accept resumes the graph and writes once, however often the click arrives; Edit goes
through the modal; Reject writes nothing; a forged signature is refused; an unknown member is
told why; a redelivered event runs once; a failed post is sent later without running the agent
again.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.bootstrap import Database
from core.models import AgentRun, ApprovalRequest, SlackEvent, User
from ingest.demo_data import ANU, LAURA, TRACEY
from planning.records import PlanRecord
from planning.service import PlanService
from risk.digest_render import DRAFT_INTERVENTION_ACTION
from scheduler.queue import run_worker
from scheduler.slack_delivery import SlackPoster
from slack_app import jobs
from slack_app.approval_blocks import ACCEPT, EDIT, REJECT
from tests.agent_harness import account_plan, client, person
from tests.slack_harness import (
    action_body,
    command_body,
    direct_message,
    event_body,
    form_values,
    signed_headers,
    view_submission_body,
)
from tests.slack_stub import VALID_TOKEN, SlackStub, response_url, running_slack_stub

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TRACEY_SLACK, ANU_SLACK, LAURA_SLACK, STRANGER = "U0TRACEY", "U0ANU", "U0LAURA", "U0STRANGER"


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with running_slack_stub() as running:
        running.users.update(
            {
                TRACEY_SLACK: {"email": TRACEY},
                ANU_SLACK: {"email": ANU},
                LAURA_SLACK: {"email": LAURA},
                STRANGER: {"email": "someone.else@example.org"},
            }
        )
        yield running


def send_event(app: TestClient, event: dict[str, Any], **options: Any) -> Any:
    body = event_body(event, event_id=options.pop("event_id", None))
    return app.post(
        "/slack/events", content=body, headers=signed_headers(body, content_type=JSON, **options)
    )


def send_form(app: TestClient, body: str, **options: Any) -> Any:
    return app.post(
        "/slack/events", content=body, headers=signed_headers(body, content_type=FORM, **options)
    )


def work(database: Database) -> None:
    """Run every Slack job that is due, as a worker does."""
    run_worker(database, queues=["slack"], wait=False)


def count(sessions: sessionmaker[Session], query: Any) -> int:
    with sessions() as session:
        return int(session.scalar(query) or 0)


def texts(message: dict[str, Any]) -> str:
    """Everything a person reads in a message's blocks."""
    return json.dumps(message.get("blocks") or [], ensure_ascii=False)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id -> value of the message's buttons."""
    return {
        element["action_id"]: element.get("value", "")
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    }


def barwon_plan(sessions: sessionmaker[Session]) -> PlanRecord:
    return account_plan(sessions, person(sessions, TRACEY), "Barwon Health")


def ask_to_add_action(app: TestClient, database: Database, stub: SlackStub) -> dict[str, Any]:
    """Tracey asks in a DM for an action on her Barwon Health plan; the proposal message."""
    send_event(app, direct_message(TRACEY_SLACK, "Add an action to call the CIO at Barwon Health"))
    work(database)
    [proposal] = [m for m in stub.messages if ACCEPT in buttons(m)]
    return proposal


def click(
    app: TestClient,
    stub: SlackStub,
    member: str,
    action_id: str,
    message: dict[str, Any],
    **kw: Any,
) -> Any:
    body = action_body(
        member,
        action_id,
        buttons(message)[action_id],
        channel=message["channel"],
        message_ts=message["ts"],
        thread_ts=message.get("thread_ts"),
        response_url=response_url(stub, f"click-{uuid.uuid4().hex[:6]}"),
        **kw,
    )
    return send_form(app, body)


# -- conversation ---------------------------------------------------------------------------


def test_a_dm_question_is_answered_once_in_its_thread(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    event = direct_message(TRACEY_SLACK, "What is the churn risk of Barwon Health?")
    started = time.perf_counter()
    acked = send_event(slack, event, event_id="Ev0DM")
    assert acked.status_code == 200
    assert time.perf_counter() - started < 3  # Slack's window
    assert stub.calls_to("chat.postMessage") == []  # the work happens after the ack

    work(queue_database)

    [posted] = stub.calls_to("chat.postMessage")  # one message: the status, then the answer
    assert posted.params["thread_ts"] == event["ts"]
    assert posted.params["channel"] == event["channel"]
    [updated] = stub.calls_to("chat.update")
    [answer] = stub.messages
    assert "Barwon Health" in texts(answer)
    assert {b["type"] for b in answer["blocks"]} >= {"section", "context"}
    assert updated.params["ts"] == answer["ts"]
    with queue_database.sessions() as session:
        tracey = session.scalars(select(User).where(User.email == TRACEY)).one()
        assert tracey.slack_user_id == TRACEY_SLACK  # linked by e-mail for next time
        row = session.get(SlackEvent, "Ev0DM")
        assert row is not None and row.status == "done"


def test_a_follow_up_in_the_thread_continues_the_same_agent_thread(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    first = direct_message(TRACEY_SLACK, "What is the churn risk of Barwon Health?")
    send_event(slack, first)
    follow_up = direct_message(TRACEY_SLACK, "Who are its stakeholders?", thread_ts=first["ts"])
    send_event(slack, follow_up)
    work(queue_database)

    with queue_database.sessions() as session:
        threads = session.scalars(select(AgentRun.thread_id)).all()
    assert len(threads) == 2 and len(set(threads)) == 1
    assert all(m.get("thread_ts") == first["ts"] for m in stub.messages)
    # The follow-up named no client: the thread's context supplied Barwon Health.
    assert "Barwon Health" in texts(stub.messages[-1])


def test_a_redelivered_event_runs_the_agent_once(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    event = direct_message(TRACEY_SLACK, "What is the churn risk of Barwon Health?")
    first = send_event(slack, event, event_id="Ev0SAME")
    again = send_event(slack, event, event_id="Ev0SAME", retry_num=1)
    assert first.status_code == again.status_code == 200
    work(queue_database)

    sessions = queue_database.sessions
    assert count(sessions, select(func.count()).select_from(AgentRun)) == 1
    assert len(stub.calls_to("chat.postMessage")) == 1
    with sessions() as session:
        row = session.get(SlackEvent, "Ev0SAME")
        assert row is not None and (row.redeliveries, row.status) == (1, "done")


def test_a_forged_or_stale_signature_is_refused_and_nothing_is_recorded(
    slack: TestClient, queue_database: Database
) -> None:
    event = direct_message(TRACEY_SLACK, "What is the churn risk of Barwon Health?")
    forged = send_event(slack, event, secret="not-the-signing-secret")
    stale = send_event(slack, event, timestamp=int(time.time()) - 3600)
    assert forged.status_code == stale.status_code == 401
    assert count(queue_database.sessions, select(func.count()).select_from(SlackEvent)) == 0


def test_an_unknown_member_is_told_why_and_nothing_runs(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    event = direct_message(STRANGER, "What is the churn risk of Barwon Health?")
    send_event(slack, event)
    work(queue_database)

    [reply] = stub.messages
    assert reply["thread_ts"] == event["ts"]
    assert "someone.else@example.org" in texts(reply)
    assert "Traceback" not in texts(reply)
    assert count(queue_database.sessions, select(func.count()).select_from(AgentRun)) == 0


def test_bots_and_message_edits_are_ignored(slack: TestClient, queue_database: Database) -> None:
    from_bot = direct_message(TRACEY_SLACK, "a digest") | {"bot_id": "B0OTHER"}
    edited = direct_message(TRACEY_SLACK, "edited") | {"subtype": "message_changed"}
    for event in (from_bot, edited):
        assert send_event(slack, event).status_code == 200
    assert count(queue_database.sessions, select(func.count()).select_from(SlackEvent)) == 0


def test_a_rate_limited_answer_is_retried_and_a_failed_one_sent_later_without_rerunning(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    stub.fail("chat.postMessage", status=429, retry_after=0)  # passes within the client
    stub.fail("chat.update", status=503, times=10)  # outlasts the client's retries
    send_event(slack, direct_message(TRACEY_SLACK, "What is the churn risk of Barwon Health?"))
    work(queue_database)  # the answer is stored; posting it failed; the job will retry later

    sessions = queue_database.sessions
    with sessions() as session:
        [row] = session.scalars(select(SlackEvent)).all()
        assert row.status == "answered" and row.reply["sent"] == 0
    stub.faults.clear()
    jobs.handle(queue_database, SlackPoster(VALID_TOKEN, api_url=stub.api_url), row.id)

    assert count(sessions, select(func.count()).select_from(AgentRun)) == 1  # not run again
    [answer] = stub.messages
    assert "Barwon Health" in texts(answer)
    with sessions() as session:
        assert session.get(SlackEvent, row.id).status == "done"  # type: ignore[union-attr]


# -- approvals ------------------------------------------------------------------------------


def test_accept_resumes_the_graph_and_writes_once_however_often_it_arrives(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    plan = barwon_plan(queue_database.sessions)
    proposal = ask_to_add_action(slack, queue_database, stub)
    assert set(buttons(proposal)) == {ACCEPT, EDIT, REJECT}
    assert "call the cio" in texts(proposal).lower()

    delivered_twice = "trigger.same-click"
    click(slack, stub, TRACEY_SLACK, ACCEPT, proposal, trigger_id=delivered_twice)
    click(slack, stub, TRACEY_SLACK, ACCEPT, proposal, trigger_id=delivered_twice)
    click(slack, stub, TRACEY_SLACK, ACCEPT, proposal)  # a second, separate click
    work(queue_database)

    with queue_database.sessions() as session:
        actions = PlanService(session).get_section(plan.id, "actions").data
        version = PlanService(session).get_plan(plan.id).version
    assert [a["title"] for a in actions] == ["Call the CIO at Barwon Health"]
    assert version == plan.version + 1  # one write
    decided = next(m for m in stub.messages if m["ts"] == proposal["ts"])
    assert ACCEPT not in buttons(decided)
    assert "Tracey Bland" in texts(decided)
    [refusal] = stub.responses  # the separate click is told it was decided already
    assert "already" in json.dumps(refusal).lower()


def test_edit_opens_the_modal_with_the_proposed_values_and_applies_the_edit(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    plan = barwon_plan(queue_database.sessions)
    proposal = ask_to_add_action(slack, queue_database, stub)

    click(slack, stub, TRACEY_SLACK, EDIT, proposal)
    [opened] = stub.calls_to("views.open")
    view = opened.params["view"]
    assert "Call the CIO at Barwon Health" in json.dumps(view)

    bad = form_values(view, **{"field:due_date": "next Tuesday"})
    refused = send_form(
        slack, view_submission_body(TRACEY_SLACK, view | {"id": "V1", "hash": "h"}, bad)
    )
    assert refused.json()["response_action"] == "errors"
    assert "field:due_date" in refused.json()["errors"]

    good = form_values(view, **{"field:title": "Call the CIO about the renewal"})
    sent = view_submission_body(TRACEY_SLACK, view | {"id": "V1", "hash": "h2"}, good)
    assert send_form(slack, sent).status_code == 200
    work(queue_database)

    with queue_database.sessions() as session:
        actions = PlanService(session).get_section(plan.id, "actions").data
        approval = session.scalars(select(ApprovalRequest)).one()
    assert [a["title"] for a in actions] == ["Call the CIO about the renewal"]
    assert approval.status == "edited"
    decided = next(m for m in stub.messages if m["ts"] == proposal["ts"])
    assert EDIT not in buttons(decided)


def test_reject_writes_nothing_and_says_who_rejected(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    plan = barwon_plan(queue_database.sessions)
    proposal = ask_to_add_action(slack, queue_database, stub)
    click(slack, stub, TRACEY_SLACK, REJECT, proposal)
    work(queue_database)

    with queue_database.sessions() as session:
        assert PlanService(session).get_section(plan.id, "actions").data in (None, [])
        assert session.scalars(select(ApprovalRequest.status)).one() == "rejected"
    decided = next(m for m in stub.messages if m["ts"] == proposal["ts"])
    assert "Rejected" in texts(decided) and "Tracey Bland" in texts(decided)


def test_only_someone_who_may_edit_the_plan_decides(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    plan = barwon_plan(queue_database.sessions)
    proposal = ask_to_add_action(slack, queue_database, stub)
    click(slack, stub, LAURA_SLACK, ACCEPT, proposal)  # SA's CSE: not her plan
    click(slack, stub, LAURA_SLACK, EDIT, proposal)
    work(queue_database)

    with queue_database.sessions() as session:
        assert session.scalars(select(ApprovalRequest.status)).one() == "pending"
        assert PlanService(session).get_section(plan.id, "actions").data in (None, [])
    assert stub.calls_to("views.open") == []
    assert len(stub.responses) == 2  # each refusal told privately to Laura


# -- slash command, digest button, home -----------------------------------------------------


def test_a_slash_command_draft_ends_in_a_proposal_in_the_dm_and_accept_writes_the_plan(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    acked = send_form(
        slack,
        command_body(TRACEY_SLACK, "draft Barwon Health", response_url=response_url(stub, "c1")),
    )
    assert acked.status_code == 200 and "Barwon Health" in acked.text
    work(queue_database)

    [proposal] = stub.messages
    assert proposal["channel"] == f"D{TRACEY_SLACK[1:]}"  # Tracey's DM with ChaSen
    assert set(buttons(proposal)) >= {ACCEPT, REJECT}
    click(slack, stub, TRACEY_SLACK, ACCEPT, proposal)
    work(queue_database)

    barwon = client(queue_database.sessions, "Barwon Health")
    with queue_database.sessions() as session:
        [plan] = [p for p in PlanService(session).list_plans() if p.client_id == barwon.id]
    assert plan.completion_percentage and plan.completion_percentage > 0
    assert "Tracey Bland" in texts(next(m for m in stub.messages if m["ts"] == proposal["ts"]))


def test_slash_command_help_and_mistakes_are_answered_at_once(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    url = response_url(stub, "c2")
    helped = send_form(slack, command_body(TRACEY_SLACK, "help", response_url=url))
    wrong = send_form(slack, command_body(TRACEY_SLACK, "dance", response_url=url))
    assert "draft" in helped.text and "stakeholders" in helped.text
    assert "draft" in wrong.text  # the verbs it knows
    assert count(queue_database.sessions, select(func.count()).select_from(SlackEvent)) == 0


def test_slash_risk_answers_privately_with_the_persons_view(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    send_form(
        slack,
        command_body(TRACEY_SLACK, "risk Barwon Health", response_url=response_url(stub, "r1")),
    )
    send_form(
        slack, command_body(TRACEY_SLACK, "risk SingHealth", response_url=response_url(stub, "r2"))
    )
    work(queue_database)

    by_url = {r["url"].rsplit("/", 1)[-1]: r for r in stub.responses}
    assert by_url["r1"]["response_type"] == "ephemeral"
    assert "Barwon Health" in json.dumps(by_url["r1"])
    refused = json.dumps(by_url["r2"]).lower()  # an Asia client: outside Tracey's reach
    assert "cannot see singhealth" in refused


DIGEST = {"channel": "C0DIGEST", "ts": "1700000500.000001"}


def press_draft_intervention(
    app: TestClient, database: Database, stub: SlackStub, member: str, client_name: str
) -> Any:
    """``member`` presses a digest's "Draft intervention plan" for ``client_name``."""
    chosen = client(database.sessions, client_name)
    body = action_body(
        member,
        DRAFT_INTERVENTION_ACTION,
        json.dumps({"client_id": str(chosen.id), "period_end": "2026-11-20T00:00:00+00:00"}),
        channel=DIGEST["channel"],
        message_ts=DIGEST["ts"],
        response_url=response_url(stub, "digest"),
    )
    return send_form(app, body)


def test_the_digest_button_drafts_an_intervention_plan_in_the_digest_thread(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    pressed = press_draft_intervention(slack, queue_database, stub, TRACEY_SLACK, "Barwon Health")
    assert pressed.status_code == 200
    work(queue_database)

    [proposal] = stub.messages
    assert (proposal["channel"], proposal["thread_ts"]) == (DIGEST["channel"], DIGEST["ts"])
    assert ACCEPT in buttons(proposal)
    [status] = stub.calls_to("chat.postMessage")
    assert "Barwon Health" in json.dumps(status.params)


def test_the_digest_button_refuses_a_client_out_of_reach_privately(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    # SA's CSE: Barwon Health is in VIC.
    press_draft_intervention(slack, queue_database, stub, LAURA_SLACK, "Barwon Health")
    work(queue_database)

    assert stub.messages == []
    [refusal] = stub.responses
    assert "cannot see barwon health" in json.dumps(refusal).lower()
    assert count(queue_database.sessions, select(func.count()).select_from(AgentRun)) == 0


def test_the_app_home_shows_my_plans_and_what_waits_for_me(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    barwon_plan(queue_database.sessions)
    ask_to_add_action(slack, queue_database, stub)
    send_event(slack, {"type": "app_home_opened", "user": TRACEY_SLACK, "tab": "home"})
    work(queue_database)

    [published] = stub.calls_to("views.publish")
    assert published.params["user_id"] == TRACEY_SLACK
    home = json.dumps(published.params["view"])
    assert "Barwon Health" in home
    assert "Nothing waiting" not in home  # the proposal waits for Tracey


def test_slack_events_say_so_when_slack_is_not_configured(api: TestClient) -> None:
    response = api.post("/slack/events", content="{}", headers={"Content-Type": JSON})
    assert response.status_code == 503
    assert response.json()["type"].endswith("slack_not_configured")


def test_a_member_linked_by_slack_id_needs_no_lookup(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    with queue_database.sessions.begin() as session:
        session.execute(update(User).where(User.email == ANU).values(slack_user_id="U0ANUX"))
    send_event(slack, direct_message("U0ANUX", "What is the churn risk of Barwon Health?"))
    work(queue_database)
    assert stub.calls_to("users.info") == []
    assert "Barwon Health" in texts(stub.messages[0])
