"""Digest schedules and the record of each period's delivery.

A schedule's cron runs in the recipient's time zone (or the schedule's own). The period a digest
covers runs from the cron's previous fire time to its latest one. ``digest_deliveries`` holds
one row per (schedule, period end): claiming that row under a lock is what keeps two workers on
two machines from sending the same digest twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlalchemy.orm import Session

from core.errors import NotFoundError, ValidationError
from core.models import DigestDelivery, DigestSchedule, User
from risk import schedule_repository as repo

DEFAULT_CRON = "0 8 * * 1"
"""Mondays at 08:00 in the recipient's time zone."""


@dataclass(frozen=True)
class Period:
    """The half-open stretch of time ``(start, end]`` a digest covers, in the schedule's zone."""

    start: datetime
    end: datetime


def check_cron(cron: str) -> str:
    """The cron expression, or a ValidationError saying what is wrong with it."""
    if not croniter.is_valid(cron):
        raise ValidationError(f"not a valid cron expression: {cron!r} (e.g. {DEFAULT_CRON!r})")
    return cron


def zone(name: str) -> ZoneInfo:
    """The IANA time zone, or a ValidationError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"unknown time zone {name!r} (use an IANA name like 'Australia/Melbourne')"
        ) from None


def latest_period(cron: str, timezone: str, now: datetime) -> Period:
    """The most recent complete period of a cron schedule at ``now``."""
    local = now.astimezone(zone(timezone))
    runs = croniter(cron, local)
    end: datetime = runs.get_prev(datetime)
    start: datetime = runs.get_prev(datetime)
    return Period(start, end)


def period_ending(cron: str, timezone: str, end: datetime) -> Period:
    """The period that ends at the fire time ``end``."""
    start: datetime = croniter(cron, end.astimezone(zone(timezone))).get_prev(datetime)
    return Period(start, end.astimezone(zone(timezone)))


def schedule_zone(schedule: DigestSchedule, user: User) -> str:
    """The schedule's own time zone, else its recipient's."""
    return schedule.timezone or user.timezone


def upsert_schedule(
    session: Session,
    user: User,
    *,
    scope: str = "owner",
    region: str | None = None,
    cron: str = DEFAULT_CRON,
    timezone: str | None = None,
    channel: str | None = None,
) -> DigestSchedule:
    """Create or change a person's digest schedule (one per person and scope)."""
    check_cron(cron)
    if timezone is not None:
        zone(timezone)
    if scope not in ("owner", "region"):
        raise ValidationError(f"scope must be 'owner' or 'region', not {scope!r}")
    if (scope == "region") != (region is not None):
        raise ValidationError("a region digest needs --region; an owner digest takes none")
    schedule = repo.find_schedule(session, user.id, scope, region)
    if schedule is None:
        schedule = DigestSchedule(user_id=user.id, scope=scope, region=region)
        session.add(schedule)
    schedule.cron, schedule.timezone, schedule.channel = cron, timezone, channel
    schedule.active = True
    session.flush()
    return schedule


def schedule_of(session: Session, user: User, region: str | None = None) -> DigestSchedule:
    """The person's schedule for their own clients (or a region), created with the defaults
    (Mondays 08:00 their time, to their DMs) if they have none."""
    scope = "region" if region else "owner"
    found = repo.find_schedule(session, user.id, scope, region)
    return found or upsert_schedule(session, user, scope=scope, region=region)


def get_schedule(session: Session, schedule_id: uuid.UUID) -> tuple[DigestSchedule, User]:
    """A schedule and its recipient; unknown ids are a NotFoundError."""
    found = repo.schedule_with_user(session, schedule_id)
    if found is None:
        raise NotFoundError(f"no digest schedule {schedule_id}")
    return found


def claim_delivery(
    session: Session, schedule: DigestSchedule, period: Period
) -> DigestDelivery | None:
    """Lock this period's delivery row for sending, or ``None`` when it was sent already or
    another worker holds it right now. The lock lasts until the caller's transaction ends."""
    delivery = repo.lock_delivery(session, schedule.id, period.start, period.end)
    if delivery is None or delivery.status == "sent":
        return None
    return delivery


def was_sent(session: Session, schedule: DigestSchedule, period: Period) -> bool:
    """Whether this period's digest has gone out."""
    return repo.delivery_status(session, schedule.id, period.end) == "sent"
