"""SQL for strategic plans and their activity log. Only flushes; the caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Client, PlanActivity, StrategicPlan


@dataclass(frozen=True)
class PlanFilters:
    """Optional filters for listing plans; None means "any"."""

    plan_type: str | None = None
    fiscal_year: int | None = None
    status: str | None = None
    owner: str | None = None
    territory: str | None = None
    client_id: uuid.UUID | None = None


def get_plan(session: Session, plan_id: uuid.UUID, *, lock: bool = False) -> StrategicPlan | None:
    """The plan, fresh from the database; ``lock`` holds it (FOR UPDATE) until commit."""
    query = select(StrategicPlan).where(StrategicPlan.id == plan_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def list_plans(session: Session, filters: PlanFilters, limit: int = 100) -> Sequence[StrategicPlan]:
    """Plans matching ``filters``, most recently updated first."""
    query = select(StrategicPlan)
    for column, value in (
        (StrategicPlan.plan_type, filters.plan_type),
        (StrategicPlan.fiscal_year, filters.fiscal_year),
        (StrategicPlan.status, filters.status),
        (StrategicPlan.primary_owner, filters.owner),
        (StrategicPlan.territory, filters.territory),
        (StrategicPlan.client_id, filters.client_id),
    ):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(StrategicPlan.updated_at.desc(), StrategicPlan.id).limit(limit)
    return session.scalars(query).all()


def add_plan(session: Session, plan: StrategicPlan) -> StrategicPlan:
    """Insert a plan and load its server defaults (id, timestamps)."""
    session.add(plan)
    session.flush()
    session.refresh(plan)
    return plan


def save_plan(session: Session, plan: StrategicPlan) -> StrategicPlan:
    """Write the plan's changed columns and reload what the database set."""
    session.flush()
    session.refresh(plan)
    return plan


def add_activity(
    session: Session, plan_id: uuid.UUID, user_name: str, action: str, details: dict[str, Any]
) -> None:
    """Append one entry to the plan's activity log."""
    # clock_timestamp, not now(): entries of one transaction keep their order.
    entry = PlanActivity(
        plan_id=plan_id,
        user_name=user_name,
        action=action,
        details=details,
        created_at=func.clock_timestamp(),
    )
    session.add(entry)
    session.flush()


def activity(session: Session, plan_id: uuid.UUID, limit: int = 50) -> Sequence[PlanActivity]:
    """The plan's newest activity entries first."""
    query = (
        select(PlanActivity)
        .where(PlanActivity.plan_id == plan_id)
        .order_by(PlanActivity.created_at.desc(), PlanActivity.id)
        .limit(limit)
    )
    return session.scalars(query).all()


def get_client(session: Session, client_id: uuid.UUID) -> Client | None:
    """The client with this id, if any."""
    return session.get(Client, client_id)
