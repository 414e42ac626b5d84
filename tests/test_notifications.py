"""Notifications too big for Postgres are cut to their essentials instead of failing the write
that sends them; and what decides that Slack is configured."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agent import runs
from core.database import conninfo, transaction
from core.models import AgentRun, User
from core.notifications import MAX_PAYLOAD, notify
from core.settings import SlackSettings
from planning.comments import CommentRecord, Mention
from scheduler.mention_jobs import defer_mention_notifications

THREAD = "thread-notifications"


@pytest.fixture
def listener(engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    """A connection LISTENing on ``agent_runs``."""
    with psycopg.connect(conninfo(engine.url), autocommit=True) as connection:
        connection.execute(f"LISTEN {runs.CHANNEL}")
        yield connection


def received(connection: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """The payloads of the notifications that arrive within two seconds (at most one)."""
    return [json.loads(n.payload) for n in connection.notifies(timeout=2, stop_after=1)]


def started_run(sessions: sessionmaker[Session]) -> uuid.UUID:
    """A committed running run of a new user's (its own notification already sent)."""
    with transaction(sessions) as session:
        user = User(name="Ada Lovelace", email="ada.lovelace@example.org", role="CSE")
        session.add(user)
        session.flush()
        return runs.start(session, thread_id=THREAD, graph="chat", user_id=user.id, model="m")


def finish_failed(sessions: sessionmaker[Session], run_id: uuid.UUID, error: str) -> None:
    with transaction(sessions) as session:
        runs.finish(session, run_id, "failed", {"input_tokens": 3}, error=error)


def test_a_run_failing_with_a_long_non_ascii_error_is_recorded_and_announced(
    committed_factory: sessionmaker[Session], engine: Engine
) -> None:
    run_id = started_run(committed_factory)
    error = "é" * 3000  # 3000 characters, but 18 000 bytes of JSON (\u00e9 each)
    with psycopg.connect(conninfo(engine.url), autocommit=True) as connection:
        connection.execute(f"LISTEN {runs.CHANNEL}")
        finish_failed(committed_factory, run_id, error)
        [message] = received(connection)

    assert message == {
        "thread_id": THREAD,
        "run_id": str(run_id),
        "event": "status",
        "status": "failed",
        "truncated": True,
    }
    with committed_factory() as session:
        run = session.get(AgentRun, run_id)
        assert run is not None
        assert (run.status, run.error, run.input_tokens) == ("failed", error, 3)
        assert run.finished_at is not None


def test_a_small_notification_arrives_whole(
    committed_factory: sessionmaker[Session], listener: psycopg.Connection[Any]
) -> None:
    run_id = started_run(committed_factory)
    [started] = received(listener)
    assert started == {
        "thread_id": THREAD,
        "run_id": str(run_id),
        "event": "status",
        "status": "running",
        "graph": "chat",
    }

    finish_failed(committed_factory, run_id, "the model timed out é")
    [finished] = received(listener)
    assert finished == {
        "thread_id": THREAD,
        "run_id": str(run_id),
        "event": "status",
        "status": "failed",
        "error": "the model timed out é",
    }


def test_the_limit_counts_bytes_and_values_json_cannot_hold_become_text(
    committed_factory: sessionmaker[Session], listener: psycopg.Connection[Any]
) -> None:
    key = uuid.uuid4()
    fitting = "x" * (MAX_PAYLOAD - 200)
    with transaction(committed_factory) as session:
        notify(session, runs.CHANNEL, {"thread_id": key, "note": fitting}, ("thread_id",))
    assert received(listener) == [{"thread_id": str(key), "note": fitting}]

    # Fewer characters than the limit, more bytes: cut to the essentials present.
    too_big = "é" * (MAX_PAYLOAD // 2)
    with transaction(committed_factory) as session:
        notify(session, runs.CHANNEL, {"thread_id": key, "note": too_big}, ("thread_id", "gone"))
    assert received(listener) == [{"thread_id": str(key), "truncated": True}]


def test_slack_is_configured_by_a_non_empty_bot_token(session: Session) -> None:
    assert SlackSettings(bot_token=SecretStr("xoxb-1")).configured
    assert not SlackSettings(bot_token=SecretStr("")).configured
    assert not SlackSettings(bot_token=None).configured

    # Unconfigured, nothing is queued (and the plan, which does not exist, is never read).
    mention = Mention(user_id=uuid.uuid4(), name="Ada", email="ada@example.org")
    record = CommentRecord(
        id=uuid.uuid4(),
        plan_id=uuid.uuid4(),
        parent_id=None,
        author="Bob",
        content="@ada look",
        entity_type=None,
        entity_id=None,
        resolved=False,
        resolved_by=None,
        resolved_at=None,
        created_at=None,
        mentions=[mention],
    )
    for slack in (SlackSettings(bot_token=None), SlackSettings(bot_token=SecretStr(""))):
        assert defer_mention_notifications(session, record, slack=slack) == 0
