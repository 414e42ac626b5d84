"""SQL for strategic plans and their activity log. Only flushes; the caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Executable,
    RowMapping,
    Table,
    bindparam,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from core.models import PlanActivity, StrategicPlan

PLANS = cast(Table, StrategicPlan.__table__)
ACTIVITY = cast(Table, PlanActivity.__table__)


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


# Section writes are the hot path: their statements are built once and reused with parameters.
_LOCK_ROW = select(PLANS).where(PLANS.c.id == bindparam("p_id")).with_for_update()


def lock_row(session: Session, plan_id: uuid.UUID) -> RowMapping | None:
    """The plan's columns as a plain row, locked (FOR UPDATE) until the transaction ends."""
    # Core statements run on the session's connection: no ORM bookkeeping on the hot path.
    return session.connection().execute(_LOCK_ROW, {"p_id": plan_id}).mappings().one_or_none()


@cache
def _write_section_statement(column: str) -> Executable:
    updated = (
        update(PLANS)
        .where(PLANS.c.id == bindparam("p_id"))
        .values(
            {
                column: bindparam("p_data", type_=JSONB),
                "version": bindparam("p_version"),
                "steps_completed": bindparam("p_steps", type_=JSONB),
                "completion_percentage": bindparam("p_percentage"),
                "updated_at": func.now(),
            }
        )
        .returning(PLANS.c.id)
        .cte("updated")
    )
    entry = select(
        updated.c.id,
        bindparam("p_user"),
        literal("updated"),
        bindparam("p_details", type_=JSONB),
        func.clock_timestamp(),  # not now(): entries of one transaction keep their order
    )
    columns = ["plan_id", "user_name", "action", "details", "created_at"]
    return insert(ACTIVITY).from_select(columns, entry)


def write_section_row(
    session: Session,
    plan_id: uuid.UUID,
    column: str,
    data: Any,
    *,
    version: int,
    steps: dict[str, bool],
    percentage: int,
    user_name: str,
    details: dict[str, Any],
) -> None:
    """Store one section with the plan's new version and progress, and log it, in one statement."""
    params = {
        "p_id": plan_id,
        "p_data": data,
        "p_version": version,
        "p_steps": steps,
        "p_percentage": percentage,
        "p_user": user_name,
        "p_details": details,
    }
    session.connection().execute(_write_section_statement(column), params)


def list_plans(
    session: Session,
    filters: PlanFilters,
    limit: int = 100,
    *,
    where: ColumnElement[bool] | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> Sequence[StrategicPlan]:
    """Plans matching ``filters`` (and ``where``), most recently updated first; ``after`` is
    the (updated_at, id) of the last plan of the previous page."""
    query = select(StrategicPlan)
    if where is not None:
        query = query.where(where)
    if after is not None:
        query = query.where(
            tuple_(StrategicPlan.updated_at, StrategicPlan.id) < tuple_(after[0], after[1])
        )
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
    query = query.order_by(StrategicPlan.updated_at.desc(), StrategicPlan.id.desc()).limit(limit)
    return session.scalars(query).all()


def add_plan(session: Session, plan: StrategicPlan) -> StrategicPlan:
    """Insert a plan and load its server defaults (id, timestamps)."""
    session.add(plan)
    session.flush()
    session.refresh(plan)
    return plan


def save_plan(session: Session, plan: StrategicPlan) -> StrategicPlan:
    """Write the plan's changed columns and read back what the database set."""
    session.flush()
    session.refresh(plan)
    return plan


def add_activity(
    session: Session, plan_id: uuid.UUID, user_name: str, action: str, details: dict[str, Any]
) -> None:
    """Append one entry to the plan's activity log."""
    # clock_timestamp, not now(): entries of one transaction keep their order.
    session.execute(
        insert(PlanActivity).values(
            plan_id=plan_id,
            user_name=user_name,
            action=action,
            details=details,
            created_at=func.clock_timestamp(),
        )
    )


def activity(
    session: Session,
    plan_id: uuid.UUID,
    limit: int = 50,
    *,
    before: tuple[datetime, uuid.UUID] | None = None,
) -> Sequence[PlanActivity]:
    """The plan's activity entries, newest first (by time, then id); ``before`` is the
    (created_at, id) of the last entry of the previous page."""
    query = select(PlanActivity).where(PlanActivity.plan_id == plan_id)
    if before is not None:
        query = query.where(
            tuple_(PlanActivity.created_at, PlanActivity.id) < tuple_(before[0], before[1])
        )
    query = query.order_by(PlanActivity.created_at.desc(), PlanActivity.id.desc()).limit(limit)
    return session.scalars(query).all()
