"""Scheduled digests end to end: the job queue, the sent-digest record, and Slack (a local mock
of its Web API)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.bootstrap import Database
from core.database import transaction
from core.errors import ConfigurationError
from core.models import DigestDelivery
from core.settings import get_settings
from risk.digest_render import DRAFT_INTERVENTION_ACTION
from risk.schedules import upsert_schedule
from risk.scoring import score_portfolio
from scheduler.digest_jobs import deliver_digest, digest_tick
from scheduler.queue import open_queue, run_worker
from scheduler.slack_delivery import DeliveryError, SlackPoster
from tests.factories import make_client, make_user
from tests.risk_history import add_readings, add_support
from tests.slack_stub import VALID_TOKEN, SlackStub, running_slack_stub

CRON = "0 8 * * 1"  # Mondays 08:00
ZONE = "Australia/Melbourne"


def melbourne(day: date, hour: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(ZONE))


END = melbourne(date(2026, 11, 16), 8)


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with running_slack_stub() as running:
        yield running


def poster(stub: SlackStub) -> SlackPoster:
    return SlackPoster(VALID_TOKEN, api_url=stub.api_url, max_retries=2, backoff_s=0.01)


def scheduled_owner(
    sessions: sessionmaker[Session], *, slack_id: str | None = "U0CAM1"
) -> uuid.UUID:
    """A CAM in Melbourne with one client that became critical last week, and a schedule."""
    with transaction(sessions) as session:
        owner = make_user(session, "Anu Pradhan", role="CAM")
        owner.timezone, owner.slack_user_id = ZONE, slack_id
        client = make_client(session, "Barwon Health")
        client.cam_id = owner.id
        add_readings(session, client, [(date(2026, 7, 1), 82, 50), (date(2026, 10, 1), 80, 48)])
        score_portfolio(session, as_of=date(2026, 11, 9), client_ids=[client.id])
        add_readings(session, client, [(date(2026, 11, 12), 44, -10)])
        add_support(session, client, date(2026, 11, 1), tickets=9, breaches=3, p1=1)
        score_portfolio(session, as_of=date(2026, 11, 16), client_ids=[client.id])
        schedule = upsert_schedule(session, owner, cron=CRON)
        schedule.created_at = datetime(2026, 11, 1, tzinfo=UTC)
        return schedule.id


def delivery_rows(sessions: sessionmaker[Session]) -> list[DigestDelivery]:
    with sessions() as session:
        return list(session.scalars(select(DigestDelivery)))


def test_a_digest_is_sent_to_the_owners_dm_once_per_period(
    committed_factory: sessionmaker[Session], stub: SlackStub
) -> None:
    schedule_id = scheduled_owner(committed_factory)
    assert deliver_digest(committed_factory, schedule_id, END, poster(stub)) == "sent"
    assert deliver_digest(committed_factory, schedule_id, END, poster(stub)) == "skipped"

    (opened,) = stub.calls_to("conversations.open")
    assert opened.params["users"] == "U0CAM1"
    (message,) = stub.calls_to("chat.postMessage")
    blocks = message.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert "Barwon Health" in json.dumps(blocks)
    buttons = [b["accessory"] for b in blocks if "accessory" in b]
    assert buttons[0]["action_id"] == DRAFT_INTERVENTION_ACTION
    assert "1 new high-risk" in message.params["text"]
    assert any(data.startswith(b"\x89PNG") for data in stub.uploads.values())

    (delivery,) = delivery_rows(committed_factory)
    assert delivery.status == "sent" and delivery.attempts == 1
    assert delivery.period_start == melbourne(date(2026, 11, 9), 8)
    assert delivery.message_ts and delivery.channel


def test_two_workers_at_once_send_one_digest(
    committed_factory: sessionmaker[Session], stub: SlackStub
) -> None:
    schedule_id = scheduled_owner(committed_factory)
    results: list[str] = []
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        results.append(deliver_digest(committed_factory, schedule_id, END, poster(stub)))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(stub.calls_to("chat.postMessage")) == 1


def test_a_rate_limit_is_waited_out(
    committed_factory: sessionmaker[Session], stub: SlackStub
) -> None:
    schedule_id = scheduled_owner(committed_factory)
    stub.fail("chat.postMessage", status=429, error="ratelimited", retry_after=1)
    assert deliver_digest(committed_factory, schedule_id, END, poster(stub)) == "sent"
    assert len(stub.calls_to("chat.postMessage")) == 2  # the 429, then the message


def test_an_outage_is_recorded_and_the_digest_goes_out_on_retry(
    committed_factory: sessionmaker[Session], stub: SlackStub
) -> None:
    schedule_id = scheduled_owner(committed_factory)
    stub.fail("chat.postMessage", status=503, times=3)
    with pytest.raises(DeliveryError) as raised:
        deliver_digest(committed_factory, schedule_id, END, poster(stub))
    assert raised.value.retryable
    (failed,) = delivery_rows(committed_factory)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.last_error is not None and "http_503" in failed.last_error

    assert deliver_digest(committed_factory, schedule_id, END, poster(stub)) == "sent"
    (sent,) = delivery_rows(committed_factory)
    assert sent.status == "sent" and sent.attempts == 2


def test_an_owner_without_a_slack_id_is_a_visible_failure(
    committed_factory: sessionmaker[Session], stub: SlackStub
) -> None:
    schedule_id = scheduled_owner(committed_factory, slack_id=None)
    with pytest.raises(ConfigurationError, match="no Slack destination"):
        deliver_digest(committed_factory, schedule_id, END, poster(stub))
    (failed,) = delivery_rows(committed_factory)
    assert failed.last_error is not None and "no Slack destination" in failed.last_error
    assert stub.calls_to("chat.postMessage") == []


def test_the_periodic_tick_queues_the_digest_and_a_worker_sends_it(
    queue_database: Database, stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", stub.api_url)
    get_settings.cache_clear()
    try:
        scheduled_owner(queue_database.sessions)
        tick = int((END + timedelta(minutes=5)).timestamp())
        with open_queue(queue_database):
            digest_tick.defer(timestamp=tick)
            digest_tick.configure(queueing_lock="second-tick").defer(timestamp=tick + 600)
        run_worker(queue_database, wait=False)
    finally:
        get_settings.cache_clear()
    assert len(stub.calls_to("chat.postMessage")) == 1
    (delivery,) = delivery_rows(queue_database.sessions)
    assert delivery.status == "sent"
    with queue_database.engine.connect() as connection:
        statuses = connection.execute(
            text("SELECT task_name, status FROM procrastinate_jobs ORDER BY id")
        ).all()
    assert [tuple(row) for row in statuses].count(("risk.send_digest", "succeeded")) == 1
