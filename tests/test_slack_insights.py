"""The Slack app's performance answers and plan PDFs, over the same harness as its scenarios."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from core.bootstrap import Database
from slack_app.commands import SEND_PLAN_PDF
from tests.api_harness import MANAGER
from tests.slack_harness import action_body, command_body
from tests.slack_stub import SlackStub, response_url
from tests.test_slack_app import (  # the Slack app's fixtures and helpers
    LAURA_SLACK,
    TRACEY_SLACK,
    barwon_plan,
    buttons,
    send_form,
    stub,
    work,
)

__all__ = ["stub"]  # the Slack members of the app's tests
MANAGER_SLACK = "U0MICHAEL"


def ask(app: TestClient, db: Database, stub: SlackStub, member: str, text: str) -> str:
    """``/chasen <text>`` as ``member``; the private answer, as one string."""
    name = f"ask-{len(stub.responses)}"
    acked = send_form(app, command_body(member, text, response_url=response_url(stub, name)))
    assert acked.status_code == 200, acked.text
    work(db)
    [answer] = [r for r in stub.responses if r["url"].endswith(name)]
    return json.dumps(answer, ensure_ascii=False)


def test_performance_shows_my_own_figures_and_refuses_a_territory_out_of_reach(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    mine = ask(slack, queue_database, stub, TRACEY_SLACK, "performance")
    assert "Tracey Bland" in mine and "weighted ACV" in mine and "coverage" in mine
    assert "/chasen performance" in mine  # her clients to drill into

    territory = ask(slack, queue_database, stub, TRACEY_SLACK, "performance VIC")
    assert "cannot see" in territory


def test_a_manager_drills_from_the_region_into_a_territory(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    stub.users[MANAGER_SLACK] = {"email": MANAGER}
    region = ask(slack, queue_database, stub, MANAGER_SLACK, "performance")
    assert "region" in region and "`/chasen performance VIC`" in region
    vic = ask(slack, queue_database, stub, MANAGER_SLACK, "performance vic")  # any case
    assert "VIC" in vic and "territory" in vic


def test_plan_offers_the_pdf_and_the_button_sends_it_to_my_dm(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    plan = barwon_plan(queue_database.sessions)
    url = response_url(stub, "plan")
    send_form(slack, command_body(TRACEY_SLACK, "plan Barwon Health", response_url=url))
    work(queue_database)
    [answer] = stub.responses
    assert buttons(answer)[SEND_PLAN_PDF] == str(plan.id)

    pressed = action_body(
        TRACEY_SLACK,
        SEND_PLAN_PDF,
        str(plan.id),
        channel="C0PLANS",
        message_ts="1700000600.000001",
        response_url=response_url(stub, "pdf"),
    )
    send_form(slack, pressed)
    work(queue_database)

    [pdf] = stub.uploads.values()
    assert pdf.startswith(b"%PDF")
    [completed] = stub.calls_to("files.completeUploadExternal")
    assert completed.params["channel_id"] == f"D{TRACEY_SLACK[1:]}"
    assert "Sent" in json.dumps(stub.responses[-1])


def test_the_pdf_button_refuses_a_plan_out_of_reach(
    slack: TestClient, queue_database: Database, stub: SlackStub
) -> None:
    plan = barwon_plan(queue_database.sessions)
    pressed = action_body(
        LAURA_SLACK,
        SEND_PLAN_PDF,
        str(plan.id),
        channel="C0PLANS",
        message_ts="1700000600.000002",
        response_url=response_url(stub, "pdf2"),
    )
    send_form(slack, pressed)
    work(queue_database)
    assert stub.uploads == {}
    assert "cannot" in json.dumps(stub.responses[-1]).lower()
