"""Who has a plan open, and on which step: heartbeats kept in ``plan_presence``.

An open page sends a heartbeat every few seconds with the step it shows; someone whose last
heartbeat is older than :data:`PRESENCE_STALE_AFTER` is no longer present (their row stays
until their next heartbeat or :func:`leave`). The step is one of the five steps of the plan
wizard, the names of :data:`planning.completion.STEPS`.

A heartbeat is announced on ``plan_updates`` only when it changes what others see (someone
arrives, comes back after going stale, or moves to another step), not every few seconds.
Heartbeats are not activity: they are not logged. Nothing here commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.identity import Person
from core.models import PlanPresence
from planning import completion, events
from planning.service import PlanService

PRESENCE_STALE_AFTER = timedelta(seconds=60)
STEPS: tuple[str, ...] = tuple(name for name, _ in completion.STEPS)
"""The steps a person can be on: the plan wizard's five steps."""


class PresenceRecord(BaseModel):
    """One person present on a plan."""

    model_config = ConfigDict(from_attributes=True)

    user_name: str
    user_role: str | None
    current_step: str | None
    last_active: datetime


def heartbeat(
    session: Session, plan_id: uuid.UUID, person: Person, current_step: str
) -> PresenceRecord:
    """Record that ``person`` (who may read the plan) is on ``current_step`` of it now."""
    PlanService(session).readable_plan(plan_id, person)
    if current_step not in STEPS:
        message = f"{current_step!r} is not a step of a plan; steps are: {', '.join(STEPS)}"
        raise ValidationError(
            f"Presence is not valid: {message}",
            errors=[{"path": "current_step", "message": message}],
        )
    fresh = PlanPresence.last_active >= func.now() - PRESENCE_STALE_AFTER
    before = session.execute(
        select(PlanPresence.current_step, fresh).where(
            PlanPresence.plan_id == plan_id, PlanPresence.user_name == person.name
        )
    ).one_or_none()
    values = {"user_role": person.role, "current_step": current_step, "last_active": func.now()}
    upsert = insert(PlanPresence).values(plan_id=plan_id, user_name=person.name, **values)
    row = session.scalars(
        upsert.on_conflict_do_update(
            index_elements=[PlanPresence.plan_id, PlanPresence.user_name], set_=values
        ).returning(PlanPresence)
    ).one()
    # Two heartbeats racing may both announce: one event too many, never one too few.
    if before is None or not before[1] or before[0] != current_step:
        action = "moved" if before is not None and before[1] else "joined"
        events.publish(
            session, plan_id, "presence", person.name, action=action, current_step=current_step
        )
    return PresenceRecord.model_validate(row)


def present(
    session: Session,
    plan_id: uuid.UUID,
    now: datetime | None = None,
    *,
    viewer: Person,
) -> list[PresenceRecord]:
    """Who is on the plan: a heartbeat within :data:`PRESENCE_STALE_AFTER` of ``now`` (the
    database's clock by default), by name. ``viewer`` must be able to read the plan."""
    PlanService(session).readable_plan(plan_id, viewer)
    cutoff = (now if now is not None else func.now()) - PRESENCE_STALE_AFTER
    query = (
        select(PlanPresence)
        .where(PlanPresence.plan_id == plan_id, PlanPresence.last_active >= cutoff)
        .order_by(PlanPresence.user_name)
    )
    return [PresenceRecord.model_validate(row) for row in session.scalars(query)]


def leave(session: Session, plan_id: uuid.UUID, person: Person) -> None:
    """Record that ``person`` closed the plan; leaving a plan one is not on does nothing."""
    PlanService(session).readable_plan(plan_id, person)
    gone = session.execute(
        delete(PlanPresence)
        .where(PlanPresence.plan_id == plan_id, PlanPresence.user_name == person.name)
        .returning(PlanPresence.id)
    ).first()
    if gone is not None:
        events.publish(session, plan_id, "presence", person.name, action="left")
