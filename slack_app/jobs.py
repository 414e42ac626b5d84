"""The job that handles each recorded Slack delivery, on any worker, after the acknowledgement.

A delivery is handled once: a job retried after a passing failure (Slack's rate limits or an
outage, the database away) first sends whatever reply an earlier attempt stored, and runs the
agent again only if it never got that far. A failure that retrying cannot fix is told to the
person in place of the status message, and the delivery is marked failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from procrastinate import JobContext

from core.bootstrap import Database
from risk.digest_render import DRAFT_INTERVENTION_ACTION
from scheduler.queue import job_database, queue
from scheduler.slack_delivery import (
    DeliveryError,
    PostedMessage,
    SlackPoster,
    SlackRetry,
    passing,
    poster_from_settings,
)
from slack_app import received, replies
from slack_app.blocks import error_message
from slack_app.commands import SEND_PLAN_PDF, parse_command
from slack_app.conversation import answer_question
from slack_app.decisions import decide
from slack_app.documents import send_plan_pdf
from slack_app.drafts import draft_from_command, draft_intervention
from slack_app.lookups import answer_lookup, publish_home
from slack_app.work import Work

MAX_RETRIES: Final = 3
"""A delivery Slack did not take is tried again up to three times: 10 s, 100 s, ~17 min."""

log = logging.getLogger("chasen.slack.jobs")


@queue.task(name=received.TASK_NAME, pass_context=True, retry=SlackRetry(MAX_RETRIES))
def handle_slack_delivery(context: JobContext, event_id: str) -> None:
    """Handle the recorded Slack delivery ``event_id`` (queued by the Slack app)."""
    handle(job_database(context), poster_from_settings(), event_id)


def handle(database: Database, poster: SlackPoster, event_id: str) -> None:
    """Handle one recorded delivery: answer it, or send the answer an earlier attempt kept."""
    with database.sessions() as session:
        row = received.get(session, event_id)
        if row is None:
            raise LookupError(f"no Slack delivery {event_id} was recorded")
        if row.status in ("done", "failed"):
            return
        kind, payload = row.kind, row.payload
    if replies.resend(database.sessions, poster, event_id):
        return
    work = Work(database, poster, event_id, payload)
    try:
        _handler(kind, payload)(work)
    except Exception as error:
        if passing(error):
            raise  # the job is retried; the person is told nothing yet
        log.exception("Slack delivery %s failed", event_id)
        _tell_failure(database, poster, event_id)
        replies.finish(database.sessions, event_id, error=f"{type(error).__name__}: {error}")
        raise
    finally:
        work.close()


def _handler(kind: str, payload: dict[str, object]) -> Callable[[Work], None]:
    if kind == "message":
        return answer_question
    if kind == "app_home":
        return publish_home
    if kind == "view":
        return decide
    if kind == "command":
        text = str(payload.get("text", ""))
        return draft_from_command if parse_command(text).verb == "draft" else answer_lookup
    actions = payload.get("actions")
    assert isinstance(actions, list)
    action_id = actions[0]["action_id"]
    if action_id == SEND_PLAN_PDF:
        return send_plan_pdf
    return draft_intervention if action_id == DRAFT_INTERVENTION_ACTION else decide


def _tell_failure(database: Database, poster: SlackPoster, event_id: str) -> None:
    # Best effort: the status message, if one was posted, says that this one failed.
    with database.sessions() as session:
        row = received.get(session, event_id)
        channel, ts = (row.reply_channel, row.reply_ts) if row else (None, None)
    if channel and ts:
        sorry = error_message(
            f"Sorry, that failed on ChaSen's side and has been logged (reference {event_id})."
        )
        try:
            poster.update(PostedMessage(channel, ts), text=sorry.text, blocks=sorry.blocks)
        except DeliveryError:
            log.warning("could not tell Slack that delivery %s failed", event_id)
