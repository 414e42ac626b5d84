"""Scheduled risk work on the job queue: daily scoring, and each digest sent once per period.

``risk.digest_tick`` runs every few minutes on some worker; for every active schedule whose
latest period has not been sent, and is not already queued, it defers ``risk.send_digest``,
so a backlog of ticks queues it once. Sending claims the period's
``digest_deliveries`` row under a row lock and marks it sent in the same transaction, so two
workers on two machines never both send it. A Slack failure is recorded on that row (visible in
``chasen digest status``) and retried with backoff when retrying can help.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Final

from procrastinate import JobContext
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from core.errors import ChaSenError, ConfigurationError
from core.models import DigestDelivery, DigestSchedule, User
from core.settings import get_settings
from risk.digest import compose_digest
from risk.digest_render import chart_png, fallback_text, to_blocks
from risk.schedule_repository import active_schedules
from risk.schedules import (
    Period,
    claim_delivery,
    get_schedule,
    latest_period,
    period_ending,
    schedule_zone,
    was_sent,
)
from risk.scoring import score_portfolio
from scheduler.queue import job_database, job_pending, queue
from scheduler.slack_delivery import DeliveryError, SlackPoster, SlackRetry, poster_from_settings

DIGEST_TICK_CRON: Final = "*/10 * * * *"
SCORING_CRON: Final = "0 4 * * *"
"""Every client is re-scored daily at 04:00 UTC, before the morning's digests."""
MAX_ATTEMPTS: Final = 5
"""A digest that Slack did not take is tried again up to five times (see SlackRetry)."""


def due_digests(sessions: sessionmaker[Session], now: datetime) -> list[tuple[uuid.UUID, datetime]]:
    """(schedule, period end) of every active schedule whose latest period is not sent yet.

    A period that ended before its schedule was created is not owed.
    """
    due = []
    with transaction(sessions) as session:
        for schedule, user in active_schedules(session):
            period = latest_period(schedule.cron, schedule_zone(schedule, user), now)
            if period.end >= schedule.created_at and not was_sent(session, schedule, period):
                due.append((schedule.id, period.end))
    return due


def deliver_digest(
    sessions: sessionmaker[Session],
    schedule_id: uuid.UUID,
    period_end: datetime,
    poster: SlackPoster,
) -> str:
    """Send one period's digest at most once; return "sent" or "skipped" (sent already, or
    being sent by another worker).

    The period's delivery row stays locked from the claim to the commit that marks it sent. A
    failure is recorded and committed first, then raised, so the job queue can retry it.
    """
    with transaction(sessions) as session:
        schedule, user = get_schedule(session, schedule_id)
        period = period_ending(schedule.cron, schedule_zone(schedule, user), period_end)
        delivery = claim_delivery(session, schedule, period)
        if delivery is None:
            return "skipped"
        delivery.attempts += 1
        delivery.updated_at = datetime.now(UTC)
        failure = _send(session, delivery, schedule, user, period, poster)
    if failure is not None:
        raise failure
    return "sent"


def _send(
    session: Session,
    delivery: DigestDelivery,
    schedule: DigestSchedule,
    user: User,
    period: Period,
    poster: SlackPoster,
) -> ChaSenError | None:
    """Compose and post the digest, recording the outcome on ``delivery``; return the error."""
    destination = schedule.channel or user.slack_user_id or get_settings().slack.digest_channel
    if destination is None:
        delivery.status = "failed"
        delivery.last_error = (
            f"no Slack destination for {user.email}: set their Slack user id, the "
            "schedule's channel or SLACK_DIGEST_CHANNEL"
        )
        return ConfigurationError(delivery.last_error)
    digest = compose_digest(
        session,
        user,
        period_start=period.start.date(),
        period_end=period.end.date(),
        scope=schedule.scope,
        region=schedule.region,
    )
    try:
        posted = poster.post(
            destination,
            text=fallback_text(digest),
            blocks=to_blocks(digest),
            image_png=chart_png(digest) if digest.clients else None,
            image_title=f"Risk across {digest.clients} clients",
        )
    except DeliveryError as error:
        if error.posted is None:
            delivery.status, delivery.last_error = "failed", error.message
            return error
        # The message is out and only its chart failed: never send the message again.
        posted = error.posted
        delivery.last_error = f"chart not attached: {error.message}"
    delivery.status, delivery.channel = "sent", posted.channel
    delivery.message_ts, delivery.sent_at = posted.ts, datetime.now(UTC)
    return None


@queue.periodic(cron=DIGEST_TICK_CRON, periodic_id="risk-digest-tick")
@queue.task(name="risk.digest_tick", queueing_lock="risk.digest_tick", pass_context=True)
async def digest_tick(context: JobContext, timestamp: int) -> int:
    """Queue every digest that is due; return how many were queued."""
    database = job_database(context)
    now = datetime.fromtimestamp(timestamp, UTC)
    queued = 0
    for schedule_id, period_end in await asyncio.to_thread(due_digests, database.sessions, now):
        args = {"schedule_id": str(schedule_id), "period_end": period_end.isoformat()}
        # Not a queueing lock: procrastinate cannot requeue a retried job past one (#1446).
        if await asyncio.to_thread(job_pending, database.sessions, send_digest.name, args):
            continue
        await send_digest.defer_async(**args)
        queued += 1
    return queued


@queue.task(name="risk.send_digest", pass_context=True, retry=SlackRetry(MAX_ATTEMPTS))
def send_digest(context: JobContext, schedule_id: str, period_end: str) -> str:
    """Send one schedule's digest for the period ending at ``period_end`` (ISO time)."""
    database = job_database(context)
    return deliver_digest(
        database.sessions,
        uuid.UUID(schedule_id),
        datetime.fromisoformat(period_end),
        poster_from_settings(),
    )


@queue.periodic(cron=SCORING_CRON, periodic_id="risk-score-daily")
@queue.task(
    name="risk.score_portfolio",
    queueing_lock="risk.score_portfolio",
    lock="risk.score_portfolio",
    pass_context=True,
)
def score_daily(context: JobContext, timestamp: int) -> dict[str, int]:
    """Score every client as of the tick's date and store the predictions."""
    database = job_database(context)
    as_of = datetime.fromtimestamp(timestamp, UTC).date()
    with transaction(database.sessions) as session:
        return score_portfolio(session, as_of=as_of).counts()
