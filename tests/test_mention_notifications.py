"""@mentions in plan comments become Slack DMs: through the real app, a real in-process worker
and a local mock of Slack's Web API."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from core.bootstrap import Database
from core.database import transaction
from core.models import PlanComment, User
from core.settings import Settings, SlackSettings, get_settings
from ingest.demo_data import ASIA_GUAM, TRACEY
from planning.comments import CommentService
from scheduler.mention_jobs import TASK_NAME, defer_mention_notifications, excerpt
from scheduler.queue import run_worker
from tests.agent_harness import client, person
from tests.api_harness import MANAGER, RISK, api_settings, auth, plan_with_risk, problem_of
from tests.slack_stub import VALID_TOKEN, SlackStub, running_slack_stub

GRACE = "grace.tan@example.com"
SLACK_IDS = {MANAGER: "U0MICHAEL", GRACE: "U0GRACE", TRACEY: "U0TRACEY"}
MENTIONS = "@michael.costa can you back this? cc @grace.tan, and a note to self @tracey.bland"


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with running_slack_stub() as running:
        yield running


@pytest.fixture
def settings(stub: SlackStub) -> Settings:
    """The API test settings with Slack configured (pointing at the stub)."""
    slack = SlackSettings(bot_token=SecretStr(VALID_TOKEN), api_url=stub.api_url)
    return api_settings().model_copy(update={"slack": slack})


@pytest.fixture
def worker(
    queue_database: Database, stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """The queue emptied around the test; the worker's own settings point at the stub."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", stub.api_url)
    get_settings.cache_clear()
    yield queue_database
    get_settings.cache_clear()


@pytest.fixture
def plan(api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]) -> str:
    """Tracey's Barwon Health plan with one risk; three demo users linked to Slack."""
    barwon = str(client(committed_factory, "Barwon Health").id)
    plan_id = plan_with_risk(api, settings, TRACEY, barwon)
    with transaction(committed_factory) as session:
        for email, slack_id in SLACK_IDS.items():
            session.execute(update(User).where(User.email == email).values(slack_user_id=slack_id))
    return plan_id


def comment(api: TestClient, settings: Settings, plan_id: str, **body: Any) -> Any:
    """Tracey's comment on the plan; the created record."""
    response = api.post(f"/plans/{plan_id}/comments", json=body, headers=auth(settings, TRACEY))
    assert response.status_code == 201, response.text
    return response.json()


def jobs(database: Database) -> list[tuple[str, str, int]]:
    """(task, status, attempts) of every job, oldest first."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT task_name, status, attempts FROM procrastinate_jobs ORDER BY id")
        ).all()
    return [(row.task_name, str(row.status), row.attempts) for row in rows]


def dms(stub: SlackStub) -> list[tuple[str, str]]:
    """(conversation, text) of every message Slack took."""
    return [(str(m["channel"]), str(m["text"])) for m in stub.messages]


def test_mentioned_people_who_may_read_the_plan_get_one_dm(
    api: TestClient,
    settings: Settings,
    plan: str,
    worker: Database,
    stub: SlackStub,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="chasen.scheduler.mentions"):
        created = comment(api, settings, plan, content=MENTIONS, entity_type="risk",
                          entity_id=RISK["id"])  # fmt: skip
    # All three are mentions of the comment; only Michael is owed a DM.
    assert len(created["mentions"]) == 3
    assert jobs(worker) == [(TASK_NAME, "todo", 0)]
    skipped = caplog.text
    assert "grace.tan@example.com" in skipped and "may not view the plan" in skipped
    assert "tracey.bland@example.com" in skipped and "is the comment's author" in skipped

    run_worker(worker, wait=False)

    assert [c.params["users"] for c in stub.calls_to("conversations.open")] == ["U0MICHAEL"]
    [(channel, message)] = dms(stub)
    assert channel == "D0MICHAEL"
    assert message.startswith("Tracey Bland mentioned you on Barwon Health account plan, FY2026")
    assert "@michael.costa can you back this?" in message
    blocks = stub.messages[0]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert blocks[0]["type"] == "section" and "*Tracey Bland*" in blocks[0]["text"]["text"]
    assert "the risk “The CIO is leaving”" in json.dumps(blocks, ensure_ascii=False)
    assert jobs(worker) == [(TASK_NAME, "succeeded", 1)]  # attempts: runs finished


def test_without_slack_nothing_is_queued_and_the_comment_still_works(
    api: TestClient, settings: Settings, plan: str, worker: Database
) -> None:
    app: Any = api.app
    app.state.settings = settings.model_copy(update={"slack": SlackSettings(bot_token=None)})
    created = comment(api, settings, plan, content=MENTIONS)
    assert [m["email"] for m in created["mentions"]] == [MANAGER, GRACE, TRACEY]
    assert jobs(worker) == []


def test_a_slack_outage_is_retried_and_the_dm_goes_out(
    api: TestClient, settings: Settings, plan: str, worker: Database, stub: SlackStub
) -> None:
    content = "@michael.costa <!channel> R&D " + "word " * 100
    comment(api, settings, plan, content=content)
    stub.fail("chat.postMessage", error="service_unavailable")

    run_worker(worker, wait=False)
    assert dms(stub) == []
    assert jobs(worker) == [(TASK_NAME, "todo", 1)]  # the retry waits 10 s

    with worker.engine.begin() as connection:  # ...or not so long in a test
        connection.execute(text("UPDATE procrastinate_jobs SET scheduled_at = now()"))
    run_worker(worker, wait=False)

    [(channel, message)] = dms(stub)
    assert channel == "D0MICHAEL"
    # Escaped for Slack (no @channel ping) and cut to 300 characters of the comment.
    assert "&lt;!channel&gt; R&amp;D" in message and "<!channel>" not in message
    assert message.endswith("…”")
    assert len(excerpt(content)) == 300
    assert jobs(worker) == [(TASK_NAME, "succeeded", 2)]


def test_someone_who_lost_access_before_the_job_ran_gets_nothing(
    api: TestClient,
    settings: Settings,
    plan: str,
    worker: Database,
    stub: SlackStub,
    committed_factory: sessionmaker[Session],
) -> None:
    comment(api, settings, plan, content=MENTIONS)
    with transaction(committed_factory) as session:
        session.execute(update(User).where(User.email == MANAGER).values(region=ASIA_GUAM))
    run_worker(worker, wait=False)
    assert dms(stub) == []
    assert jobs(worker) == [(TASK_NAME, "succeeded", 1)]  # done: nothing is owed any more


def test_a_comment_that_is_not_committed_queues_nothing(
    api: TestClient,
    settings: Settings,
    plan: str,
    worker: Database,
    committed_factory: sessionmaker[Session],
) -> None:
    tracey = person(committed_factory, TRACEY)
    with pytest.raises(RuntimeError), transaction(committed_factory) as session:
        record = CommentService(session).add(uuid.UUID(plan), tracey, MENTIONS)
        assert defer_mention_notifications(session, record) == 1
        raise RuntimeError("the request failed after deferring")

    # A comment the API refuses (an anchor naming no risk of the plan) queues nothing either.
    body = {"content": MENTIONS, "entity_type": "risk", "entity_id": "no-such-risk"}
    refused = api.post(f"/plans/{plan}/comments", json=body, headers=auth(settings, TRACEY))
    problem_of(refused, 422)

    assert jobs(worker) == []
    with committed_factory() as session:
        assert session.scalars(select(PlanComment)).all() == []
