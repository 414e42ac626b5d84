"""What an evaluated run changed in the plans: the check behind "no change without approval".

A snapshot holds every plan's version and status and the activity log's size; comparing two
snapshots lists each change in words. A run that only proposes must leave both unchanged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.models import PlanActivity, StrategicPlan


@dataclass(frozen=True)
class PlansSnapshot:
    """Each plan's (version, status), and how many activity-log entries there are."""

    plans: dict[uuid.UUID, tuple[int, str]]
    activity: int


def snapshot(sessions: sessionmaker[Session]) -> PlansSnapshot:
    """The plans as they stand now."""
    with sessions() as session:
        rows = session.execute(
            select(StrategicPlan.id, StrategicPlan.version, StrategicPlan.status)
        ).all()
        activity = session.scalar(select(func.count()).select_from(PlanActivity)) or 0
    return PlansSnapshot({r.id: (r.version, r.status) for r in rows}, activity)


def writes_between(before: PlansSnapshot, after: PlansSnapshot) -> list[str]:
    """Every change from ``before`` to ``after``, in words (empty: nothing was written)."""
    changes = [f"plan {p} created" for p in after.plans.keys() - before.plans.keys()]
    for plan, (version, status) in after.plans.items():
        if plan in before.plans and before.plans[plan] != (version, status):
            was_version, was_status = before.plans[plan]
            changes.append(
                f"plan {plan} changed: version {was_version} -> {version}, "
                f"status {was_status} -> {status}"
            )
    if after.activity != before.activity:
        changes.append(f"{after.activity - before.activity} activity-log entries added")
    return changes
