"""Slack DMs to the people @mentioned in a plan comment, one job per recipient.

When a comment is added (and Slack is configured) :func:`defer_mention_notifications` decides
who is owed a DM and defers one ``notify_comment_mention`` job per person in the comment's
own transaction: no comment, no job. A person is owed one when they are not the comment's
author, may read the plan (a mention never shows a plan to someone outside its reach), and
have a Slack user id. The job checks all of that again before posting, since the comment, the
person or their access may have changed in between.

Delivery is at least once. One job per (comment, person) means a retry re-sends to that one
person only, and only when an attempt failed; but an attempt that failed after Slack took the
message (the answer was lost) sends it twice. No table records sent mentions, which is what
exactly-once would need.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

from procrastinate import JobContext
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from core.errors import NotFoundError
from core.identity import Person
from core.models import PlanComment, User
from core.settings import SlackSettings, get_settings
from planning.comments import ITEM_SECTIONS, CommentRecord, mentioned_people
from planning.permissions import can_view_plan
from planning.records import PlanRecord
from planning.service import PlanService
from scheduler.queue import defer_in_transaction, job_database, queue
from scheduler.slack_delivery import SlackPoster, SlackRetry, poster_from_settings

TASK_NAME: Final = "notify_comment_mention"
MAX_RETRIES: Final = 3
"""A failed DM is tried again up to three times: after 10 s, 100 s and ~17 min."""
EXCERPT_CHARS: Final = 300

log = logging.getLogger("chasen.scheduler.mentions")


@dataclass(frozen=True)
class MentionMessage:
    """A DM to post: the recipient's Slack user id, the fallback text and the blocks."""

    destination: str
    text: str
    blocks: list[dict[str, Any]]


def why_not_notified(session: Session, user: User, author: str, plan: PlanRecord) -> str | None:
    """Why ``user``, mentioned by ``author`` on ``plan``, gets no DM; None when they get one."""
    person = Person.of(user)
    if not user.active:
        return "is no longer active"
    if person.is_named(author):  # authorship is by name, as CommentService decides it
        return "is the comment's author"
    if not can_view_plan(session, person, plan):
        return "may not view the plan"
    if not user.slack_user_id:
        return "has no Slack user id"
    return None


def mention_recipients(session: Session, record: CommentRecord, plan: PlanRecord) -> list[User]:
    """The people mentioned in ``record`` who are owed a DM, in the order first mentioned.

    The others are logged with the reason they are skipped. ``record.mentions`` holds the
    people the comment's text resolved to when it was read: it is not parsed again.
    """
    recipients = []
    for mention in record.mentions:
        user = session.get(User, mention.user_id)
        if user is None:
            log.info(
                "no mention DM to %s for comment %s on plan %s: the user is gone",
                mention.email,
                record.id,
                plan.id,
            )
            continue
        reason = why_not_notified(session, user, record.author, plan)
        if reason is None:
            recipients.append(user)
        else:
            log.info(
                "no mention DM to %s for comment %s on plan %s: %s",
                user.email,
                record.id,
                plan.id,
                reason,
            )
    return recipients


def defer_mention_notifications(
    session: Session,
    record: CommentRecord,
    plan: PlanRecord | None = None,
    *,
    slack: SlackSettings | None = None,
) -> int:
    """Queue one DM job per person owed one for ``record``, in ``session``'s transaction.

    ``slack`` is the workspace the DMs go to (default: the process's settings); when it is
    not configured nothing is queued. ``plan`` is the comment's plan when the caller has it
    at hand (else it is read). The jobs become visible to workers when the comment commits,
    and vanish if it rolls back. Returns how many were queued.
    """
    slack = slack if slack is not None else get_settings().slack
    if not slack.configured:
        return 0
    if not record.mentions:  # most comments mention nobody: no need to read the plan
        return 0
    plan = plan or PlanService(session).get_plan(record.plan_id)
    queued = 0
    for user in mention_recipients(session, record, plan):
        defer_in_transaction(
            session,
            TASK_NAME,
            queue_name=notify_mention.queue,
            # Guards against queueing one person's DM twice. Safe with retries (#1446): only
            # the comment's own transaction ever defers this key, never while the job runs.
            queueing_lock=f"mention:{record.id}:{user.id}",
            comment_id=str(record.id),
            user_id=str(user.id),
        )
        queued += 1
    return queued


def plan_label(plan: PlanRecord) -> str:
    """How a DM names the plan: "Barwon Health account plan, FY2026"."""
    subject = plan.client_name or plan.territory or "untitled"
    return f"{subject} {plan.plan_type or 'account'} plan, FY{plan.fiscal_year}"


def excerpt(content: str, limit: int = EXCERPT_CHARS) -> str:
    """``content`` on one line, cut to ``limit`` characters (an ellipsis marks a cut)."""
    flat = " ".join(content.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def anchor_label(plan: PlanRecord, entity_type: str | None, entity_id: str | None) -> str | None:
    """What the comment is on, e.g. "the risk “The CIO is leaving”"; None for the plan."""
    if entity_type is None or entity_id is None:
        return None
    if entity_type == "section":
        return f"the {entity_id} section"
    items: Any = plan.sections.get(ITEM_SECTIONS.get(entity_type, "")) or []
    for item in items:
        if isinstance(item, dict) and item.get("id") == entity_id:
            # Stakeholders and opportunities have a name; risks and actions a title.
            name = item.get("name") or item.get("title")
            if name:
                return f"the {entity_type} “{name}”"
    return f"the {entity_type} {entity_id}"


def compose_mention(comment: PlanComment, plan: PlanRecord, destination: str) -> MentionMessage:
    """The DM telling someone that ``comment``'s author mentioned them on ``plan``."""
    author, label = _escape(comment.author), _escape(plan_label(plan))
    quote = _escape(excerpt(comment.content))
    text = f"{author} mentioned you on {label}: “{quote}”"
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{author}* mentioned you on *{label}*:\n>{quote}"},
        }
    ]
    anchor = anchor_label(plan, comment.entity_type, comment.entity_id)
    if anchor is not None:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"On {_escape(anchor)}"}]}
        )
    return MentionMessage(destination=destination, text=text, blocks=blocks)


def deliver_mention(
    sessions: sessionmaker[Session], comment_id: uuid.UUID, user_id: uuid.UUID, poster: SlackPoster
) -> str:
    """DM one mentioned person about one comment; return "sent", or "skipped" when it is no
    longer owed (the comment or plan is gone, the person lost access, was un-mentioned...).

    The message is composed in a short transaction and posted after it: no database
    connection is held while Slack answers. A failed post raises (the job queue retries).
    """
    with transaction(sessions) as session:
        composed = _compose_owed(session, comment_id, user_id)
    if isinstance(composed, str):
        log.info("mention DM for comment %s to user %s skipped: %s", comment_id, user_id, composed)
        return "skipped"
    poster.post(composed.destination, text=composed.text, blocks=composed.blocks)
    return "sent"


@queue.task(name=TASK_NAME, pass_context=True, retry=SlackRetry(MAX_RETRIES))
def notify_mention(context: JobContext, comment_id: str, user_id: str) -> str:
    """Tell one person in Slack that a comment mentions them (see :func:`deliver_mention`)."""
    database = job_database(context)
    return deliver_mention(
        database.sessions, uuid.UUID(comment_id), uuid.UUID(user_id), poster_from_settings()
    )


def _compose_owed(
    session: Session, comment_id: uuid.UUID, user_id: uuid.UUID
) -> MentionMessage | str:
    """The DM still owed, or why none is."""
    comment = session.get(PlanComment, comment_id)
    if comment is None or comment.plan_id is None:
        return "the comment is gone"
    try:
        plan = PlanService(session).get_plan(comment.plan_id)
    except NotFoundError:
        return "the plan is gone"
    user = session.get(User, user_id)
    if user is None:
        return "the user is gone"
    if user.id not in {u.id for u in mentioned_people(session, comment.content)}:
        return f"{user.email} is no longer mentioned"
    reason = why_not_notified(session, user, comment.author, plan)
    if reason is not None:
        return f"{user.email} {reason}"
    assert user.slack_user_id is not None  # why_not_notified checked it
    return compose_mention(comment, plan, user.slack_user_id)


_SLACK_SPECIAL = re.compile(r"[&<>]")


def _escape(text: str) -> str:
    """Slack's escaping of ``&``, ``<`` and ``>``: a comment's "<!channel>" pings nobody."""
    return _SLACK_SPECIAL.sub(lambda m: {"&": "&amp;", "<": "&lt;", ">": "&gt;"}[m.group()], text)
