"""Live updates of a plan on the ``plan_updates`` channel, for open pages to follow.

Plan rows announce themselves (the seed's trigger, ``event: "plan"``); what lives beside the
plan (comments, presence) is announced here, in the writer's transaction, so that a
notification is delivered only if the change commits.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from sqlalchemy.orm import Session

from core.notifications import notify

CHANNEL = "plan_updates"
PlanEvent = Literal["plan", "comment", "presence"]
ESSENTIALS = ("plan_id", "event", "updated_by")
"""What a notification too big to send whole keeps: the what and who (the page reads the rest)."""


def publish(session: Session, plan_id: uuid.UUID, event: PlanEvent, by: str, **fields: Any) -> None:
    """Announce ``event`` on ``plan_id`` (by the person named ``by``) when the session commits."""
    payload = {"plan_id": str(plan_id), "event": event, "updated_by": by, **fields}
    notify(session, CHANNEL, payload, ESSENTIALS)
