"""Live updates of a plan on the ``plan_updates`` channel, for open pages to follow.

Plan rows announce themselves (the seed's trigger, ``event: "plan"``); what lives beside the
plan (comments, presence) is announced here, in the writer's transaction, so that a
notification is delivered only if the change commits.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

CHANNEL = "plan_updates"
PlanEvent = Literal["plan", "comment", "presence"]
MAX_PAYLOAD = 7900  # Postgres refuses notifications over 8000 bytes


def publish(session: Session, plan_id: uuid.UUID, event: PlanEvent, by: str, **fields: Any) -> None:
    """Announce ``event`` on ``plan_id`` (by the person named ``by``) when the session commits."""
    payload = {"plan_id": str(plan_id), "event": event, "updated_by": by, **fields}
    text = json.dumps(payload, default=str)
    if len(text.encode()) > MAX_PAYLOAD:
        # Only the what and who: the page reads the rest.
        text = json.dumps({"plan_id": str(plan_id), "event": event, "updated_by": by})
    session.execute(select(func.pg_notify(CHANNEL, text)))
