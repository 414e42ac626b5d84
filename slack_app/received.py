"""Each delivery from Slack recorded once and handed to a durable job in one transaction.

Slack sends an event again when it saw no acknowledgement in time (``X-Slack-Retry-Num``), with
the same event id: the row keyed by that id is there already, so the redelivery is counted and
nothing runs twice. Commands and clicks carry a trigger id that is unique to one press. The job
is deferred on the row's own transaction: a delivery is either recorded and queued, or neither,
and a restart of the app loses nothing that was acknowledged.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import SlackEvent, SlackEventKind
from scheduler.queue import defer_in_transaction

TASK_NAME: Final = "slack.handle"
QUEUE: Final = "slack"


def receive(
    session: Session,
    *,
    id: str,
    kind: SlackEventKind,
    payload: dict[str, Any],
    team_id: str | None,
    slack_user_id: str | None,
    lock: str | None = None,
) -> bool:
    """Record a delivery and queue its job; False (and nothing queued) for a redelivery.

    Jobs that share ``lock`` run one after another, in the order received (one conversation
    thread at a time: its turns and decisions must not overlap).
    """
    inserted = session.scalar(
        insert(SlackEvent)
        .values(
            id=id,
            kind=kind,
            payload=payload,
            team_id=team_id,
            slack_user_id=slack_user_id,
        )
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(SlackEvent.id)
    )
    if inserted is None:
        session.execute(
            update(SlackEvent)
            .where(SlackEvent.id == id)
            .values(redeliveries=SlackEvent.redeliveries + 1)
        )
        return False
    defer_in_transaction(session, TASK_NAME, queue_name=QUEUE, lock=lock, event_id=id)
    return True


def get(session: Session, id: str, *, lock: bool = False) -> SlackEvent | None:
    """The recorded delivery, locked until commit when ``lock``."""
    query = select(SlackEvent).where(SlackEvent.id == id)
    return session.scalar(query.with_for_update() if lock else query)
