"""ChaSen's replies to one Slack delivery: stored before they are sent, sent exactly in order.

Running the agent is the expensive, not-to-repeat part; posting is what fails (rate limits,
Slack outages). So a job first shows that ChaSen is working (one status message, posted once
and remembered), then stores the whole reply on the delivery's row, then sends it message by
message, counting what Slack took. A job retried after a failed post sends only what is left:
the answer is not lost and nothing is posted twice, and the agent does not run again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from core.models import SlackEvent
from scheduler.slack_delivery import DeliveryError, PostedMessage, SlackPoster
from slack_app import received
from slack_app.messages import Message

_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


@dataclass(frozen=True)
class Outgoing:
    """One message to send: ``post`` (to a channel or member, maybe in a thread), ``update``
    (replace the message at ``channel``/``ts``), or ``respond`` (privately, to ``url``)."""

    op: Literal["post", "update", "respond"]
    text: str
    blocks: list[dict[str, Any]]
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    url: str | None = None


def post(destination: str, message: Message, thread_ts: str | None = None) -> Outgoing:
    """A new message in a channel or a member's DM, in a thread when ``thread_ts`` is given."""
    return Outgoing("post", message.text, message.blocks, channel=destination, thread_ts=thread_ts)


def update(at: PostedMessage, message: Message, thread_ts: str | None = None) -> Outgoing:
    """``message`` in place of the one at ``at`` (posted anew in the thread if it is gone)."""
    return Outgoing(
        "update", message.text, message.blocks, channel=at.channel, ts=at.ts, thread_ts=thread_ts
    )


def respond(url: str, message: Message) -> Outgoing:
    """A private answer through a command's or click's ``response_url``."""
    return Outgoing("respond", message.text, message.blocks, url=url)


def working(
    sessions: sessionmaker[Session],
    poster: SlackPoster,
    event_id: str,
    destination: str,
    message: Message,
    thread_ts: str | None = None,
) -> PostedMessage:
    """The status message that says ChaSen is on it: posted on the first attempt only."""
    with transaction(sessions) as session:
        row = _row(session, event_id)
        if row.reply_channel and row.reply_ts:
            return PostedMessage(row.reply_channel, row.reply_ts)
    posted = poster.post(destination, text=message.text, blocks=message.blocks, thread_ts=thread_ts)
    with transaction(sessions) as session:
        row = _row(session, event_id)
        row.reply_channel, row.reply_ts = posted.channel, posted.ts
    return posted


def send(
    sessions: sessionmaker[Session],
    poster: SlackPoster,
    event_id: str,
    outgoing: list[Outgoing],
) -> None:
    """Store the reply on the delivery's row, then send it (see :func:`resend`)."""
    with transaction(sessions) as session:
        row = _row(session, event_id)
        row.reply = {"messages": [asdict(o) for o in outgoing], "sent": 0}
        row.status = "answered"
    resend(sessions, poster, event_id)


def resend(sessions: sessionmaker[Session], poster: SlackPoster, event_id: str) -> bool:
    """Send what is stored and not sent yet, in order; False when no reply is stored.

    Each message Slack takes is counted at once, so a failure part way resumes after it.
    """
    with transaction(sessions) as session:
        row = _row(session, event_id)
        if row.reply is None:
            return False
        messages = [Outgoing(**m) for m in row.reply["messages"]]
        sent = int(row.reply["sent"])
    for index in range(sent, len(messages)):
        _deliver(poster, messages[index])
        with transaction(sessions) as session:
            row = _row(session, event_id)
            row.reply = {**row.reply, "sent": index + 1}
    finish(sessions, event_id)
    return True


def finish(sessions: sessionmaker[Session], event_id: str, error: str | None = None) -> None:
    """Mark the delivery handled (``error``: handled by telling the person it failed)."""
    with transaction(sessions) as session:
        row = _row(session, event_id)
        row.status = "failed" if error else "done"
        row.error = error
        row.finished_at = func.now()


def _deliver(poster: SlackPoster, message: Outgoing) -> None:
    if message.op == "respond":
        assert message.url is not None
        poster.respond(message.url, text=message.text, blocks=message.blocks)
        return
    assert message.channel is not None
    if message.op == "update":
        assert message.ts is not None
        try:
            poster.update(
                PostedMessage(message.channel, message.ts), text=message.text, blocks=message.blocks
            )
            return
        except DeliveryError as error:
            if error.slack_error not in _GONE:
                raise
            # Someone deleted the status message: the reply still belongs in the thread.
    poster.post(
        message.channel, text=message.text, blocks=message.blocks, thread_ts=message.thread_ts
    )


def _row(session: Session, event_id: str) -> SlackEvent:
    row = received.get(session, event_id, lock=True)
    if row is None:
        raise LookupError(f"no Slack delivery {event_id} was recorded")
    return row
