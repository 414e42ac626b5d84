"""SQL for digest schedules and their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.models import DigestDelivery, DigestSchedule, User


def find_schedule(
    session: Session, user_id: uuid.UUID, scope: str, region: str | None
) -> DigestSchedule | None:
    """A person's schedule for one scope (and region), if any."""
    return session.scalars(
        select(DigestSchedule).where(
            DigestSchedule.user_id == user_id,
            DigestSchedule.scope == scope,
            DigestSchedule.region.is_not_distinct_from(region),
        )
    ).first()


def schedule_with_user(
    session: Session, schedule_id: uuid.UUID
) -> tuple[DigestSchedule, User] | None:
    """A schedule and its recipient, if the schedule exists."""
    row = session.execute(
        select(DigestSchedule, User)
        .join(User, User.id == DigestSchedule.user_id)
        .where(DigestSchedule.id == schedule_id)
    ).first()
    return None if row is None else (row[0], row[1])


def active_schedules(session: Session) -> list[tuple[DigestSchedule, User]]:
    """Every active schedule with its recipient."""
    rows = session.execute(
        select(DigestSchedule, User)
        .join(User, User.id == DigestSchedule.user_id)
        .where(DigestSchedule.active, User.active)
        .order_by(User.email, DigestSchedule.scope)
    )
    return [(schedule, user) for schedule, user in rows]


def lock_delivery(
    session: Session, schedule_id: uuid.UUID, start: datetime, end: datetime
) -> DigestDelivery | None:
    """The period's delivery row (created if absent), locked until the transaction ends; ``None``
    when another transaction holds it."""
    session.execute(
        text(
            "INSERT INTO digest_deliveries (schedule_id, period_start, period_end) "
            "VALUES (:schedule, :start, :end) ON CONFLICT (schedule_id, period_end) DO NOTHING"
        ),
        {"schedule": schedule_id, "start": start, "end": end},
    )
    return session.scalars(
        select(DigestDelivery)
        .where(DigestDelivery.schedule_id == schedule_id, DigestDelivery.period_end == end)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).first()


def delivery_status(session: Session, schedule_id: uuid.UUID, end: datetime) -> str | None:
    """The status of a period's delivery, if it was ever attempted."""
    return session.scalar(
        select(DigestDelivery.status).where(
            DigestDelivery.schedule_id == schedule_id, DigestDelivery.period_end == end
        )
    )


def deliveries(
    session: Session, *, status: str | None = None, limit: int = 50
) -> list[tuple[DigestDelivery, DigestSchedule, User]]:
    """Recent deliveries with their schedule and recipient, newest first."""
    query = (
        select(DigestDelivery, DigestSchedule, User)
        .join(DigestSchedule, DigestSchedule.id == DigestDelivery.schedule_id)
        .join(User, User.id == DigestSchedule.user_id)
        .order_by(DigestDelivery.updated_at.desc(), DigestDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(DigestDelivery.status == status)
    return [(d, s, u) for d, s, u in session.execute(query)]
