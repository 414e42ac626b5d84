"""What the Slack app does within Slack's three seconds: check, record, queue, acknowledge.

Every delivery that needs ChaSen (a message, a command, a click, a submitted form) is recorded
and queued for a job (:mod:`slack_app.received`) before the acknowledgement goes back, so the
work survives a restart and a redelivery is not run twice. Only what must happen inside the
window stays here: the help text, a command's parse error, opening the edit form (its trigger
expires in three seconds) and checking what was typed into it.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from agent.runner import decision_for
from core.bootstrap import Database
from core.database import transaction
from core.errors import ChaSenError, ValidationError
from core.models import SlackEventKind
from risk.digest_render import DRAFT_INTERVENTION_ACTION
from scheduler.slack_delivery import SlackPoster
from slack_app import received
from slack_app.approval_blocks import ACCEPT, EDIT, REJECT
from slack_app.blocks import error_message, unknown_user_message
from slack_app.commands import SEND_PLAN_PDF, help_message, parse_command
from slack_app.edit_modal import EDIT_CALLBACK, edit_view
from slack_app.edit_values import FormErrors, edited_args
from slack_app.identity import identify
from slack_app.threads import clicked_message

log = logging.getLogger("chasen.slack")

EVENTS = ("message", "app_mention", "app_home_opened")
"""The events the app listens to (the manifest subscribes to these, ``message`` in DMs)."""
COMMAND = "/chasen"


def register(app: App, database: Database, poster: SlackPoster) -> None:
    """Attach ChaSen's listeners to a bolt app."""
    listeners = Listeners(database, poster)
    on_event = {
        "message": listeners.on_direct_message,
        "app_mention": listeners.on_mention,
        "app_home_opened": listeners.on_home_opened,
    }
    for event in EVENTS:
        app.event(event)(on_event[event])
    app.command(COMMAND)(listeners.on_command)
    app.action(ACCEPT)(listeners.on_decision)
    app.action(REJECT)(listeners.on_decision)
    app.action(DRAFT_INTERVENTION_ACTION)(listeners.on_click)
    app.action(SEND_PLAN_PDF)(listeners.on_click)
    app.action(EDIT)(listeners.on_edit)
    app.view(EDIT_CALLBACK)(listeners.on_edit_submitted)


class Listeners:
    """The listeners, over one database and one Slack client."""

    def __init__(self, database: Database, poster: SlackPoster) -> None:
        self.sessions = database.sessions
        self.poster = poster

    def receive(
        self,
        kind: SlackEventKind,
        id: str,
        body: dict[str, Any],
        user: str | None,
        lock: str | None = None,
    ) -> bool:
        """Record the delivery and queue its job (see :func:`slack_app.received.receive`)."""
        team = body.get("team_id") or _team(body)
        with transaction(self.sessions) as session:
            fresh = received.receive(
                session, id=id, kind=kind, payload=body, team_id=team, slack_user_id=user,
                lock=lock,
            )  # fmt: skip
        if not fresh:
            log.info("Slack redelivered %s; it was received before", id)
        return fresh

    def on_direct_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A message in ChaSen's DM: a question for the chat graph."""
        # Edits, joins and bots' messages (ours included) are not questions.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        self.receive(
            "message", body["event_id"], body, event.get("user"), _thread_lock(body, event)
        )

    def on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """@ChaSen in a channel: a question, answered in its thread."""
        if event.get("bot_id"):
            return
        self.receive(
            "message", body["event_id"], body, event.get("user"), _thread_lock(body, event)
        )

    def on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """The App Home tab opened: publish the person's view of it."""
        if event.get("tab") == "home":
            user = event["user"]
            self.receive("app_home", body["event_id"], body, user, f"slack-home:{user}")

    def on_command(self, ack: Ack, body: dict[str, Any]) -> None:
        """``/chasen …``: help at once; the rest after the acknowledgement."""
        try:
            command = parse_command(body.get("text", ""))
        except ValidationError as error:
            ack(text=error.message, blocks=error_message(error.message).blocks)
            return
        if command.verb == "help":
            help_text = help_message()
            ack(text=help_text.text, blocks=help_text.blocks)
            return
        self.receive("command", f"command:{body['trigger_id']}", body, body.get("user_id"))
        ack(text=_ACKS[command.verb].format(argument=command.argument or "your clients"))

    def on_decision(self, ack: Ack, body: dict[str, Any]) -> None:
        """Accept or Reject on a proposal."""
        ack()
        user = body["user"]["id"]
        lock = _message_lock(_team(body), clicked_message(body))
        self.receive("action", f"action:{body['trigger_id']}", body, user, lock)

    def on_click(self, ack: Ack, body: dict[str, Any]) -> None:
        """A digest's "Draft intervention plan", or a plan's "PDF" button."""
        ack()
        self.receive("action", f"action:{body['trigger_id']}", body, body["user"]["id"])

    def on_edit(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Edit on a proposal: the form with the proposed values, if the person may decide."""
        ack()
        approval_id = body["actions"][0]["value"]
        try:
            with transaction(self.sessions) as session:
                who = identify(session, self.poster, body["user"]["id"])
                if who.person is None:
                    refusal = unknown_user_message(who.email)
                    respond(text=refusal.text, blocks=refusal.blocks, replace_original=False)
                    return
                decision = decision_for(session, who.person, _uuid(approval_id))
            where = {"approval_id": approval_id, **clicked_message(body)}
            form = edit_view(decision, json.dumps(where))
            client.views_open(trigger_id=body["trigger_id"], view=form)
        except ChaSenError as error:
            refusal = error_message(error.message)
            respond(text=refusal.text, blocks=refusal.blocks, replace_original=False)

    def on_edit_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The edit form sent: its values checked now (errors shown in the form), then queued."""
        where = json.loads(view["private_metadata"])
        try:
            with transaction(self.sessions) as session:
                who = identify(session, self.poster, body["user"]["id"])
                if who.person is None:
                    refusal = unknown_user_message(who.email).text
                    ack(response_action="errors", errors=_first_block_error(view, refusal))
                    return
                decision = decision_for(session, who.person, _uuid(where["approval_id"]))
            edited = edited_args(decision, view["state"]["values"])
        except FormErrors as problems:
            ack(response_action="errors", errors=problems.errors)
            return
        except ChaSenError as error:
            ack(response_action="errors", errors=_first_block_error(view, error.message))
            return
        ack()
        payload = {**body, "edited": edited, "where": where}
        lock = _message_lock(_team(body), where)
        id = f"view:{view['id']}:{view['hash']}"
        self.receive("view", id, payload, body["user"]["id"], lock)


_ACKS = {
    "draft": "Drafting a plan for {argument}: I'll send it to you in a DM for your approval.",
    "risk": "Looking at the churn risk of {argument}…",
    "stakeholders": "Looking up the stakeholders of {argument}…",
    "plan": "Looking up the plans for {argument}…",
    "performance": "Looking up the performance of {argument}…",
}


def thread_lock(team: str | None, channel: str, thread_ts: str) -> str:
    """The job lock of a Slack thread: its turns and decisions run one at a time, in order."""
    return f"slack:{team}:{channel}:{thread_ts}"


def _thread_lock(body: dict[str, Any], event: dict[str, Any]) -> str:
    return thread_lock(body.get("team_id"), event["channel"], event.get("thread_ts") or event["ts"])


def _message_lock(team: str | None, where: dict[str, Any]) -> str:
    # A decision resumes the conversation of the thread its message is in.
    return thread_lock(team, where["channel"], where["thread_ts"] or where["ts"])


def _team(body: dict[str, Any]) -> str | None:
    """The workspace of an interaction (a click or a submitted form)."""
    return (body.get("team") or {}).get("id")


def _first_block_error(view: dict[str, Any], message: str) -> dict[str, str]:
    # Slack shows a form's errors under its input blocks; the first one carries this one.
    first = next(b["block_id"] for b in view["blocks"] if b.get("type") == "input")
    return {first: message[:150]}


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a decision id") from None
