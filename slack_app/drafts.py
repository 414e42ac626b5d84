"""Plan drafts started from Slack: ``/chasen draft …`` and a digest's "Draft intervention plan".

A draft from the command goes to the person's DM with ChaSen; one from a digest goes in the
digest message's thread. Either way a status message says it is under way and is replaced by
the draft's proposal, with the buttons to accept, edit or reject it.
"""

from __future__ import annotations

import json
import uuid

from agent.state import DraftInput
from core.database import transaction
from core.errors import ChaSenError
from core.identity import Person
from planning.permissions import client_in_reach
from scheduler.slack_delivery import PostedMessage
from slack_app import replies
from slack_app.blocks import error_message, working_message
from slack_app.commands import draft_request, parse_command
from slack_app.threads import clicked_message
from slack_app.work import Work


def draft_from_command(work: Work) -> None:
    """``/chasen draft <client or territory>``: the draft arrives in the person's DM."""
    body = work.payload
    member, response_url = body["user_id"], body["response_url"]
    who = work.identify(member)
    if who.person is None:
        work.send([replies.respond(response_url, work.unknown(who))])
        return
    argument = parse_command(body.get("text", "")).argument
    try:
        with transaction(work.sessions) as session:
            request = draft_request(session, who.person, argument)
        work.chasen().check_draft(who.person, request)
    except ChaSenError as error:
        work.send([replies.respond(response_url, error_message(error.message))])
        return
    status = work.working(member, working_message(f"Drafting a plan for {argument}…"))
    _draft(work, who.person, request, status, thread_ts=None)


def draft_intervention(work: Work) -> None:
    """The digest's button: a draft for that client, in the digest message's thread."""
    body = work.payload
    client_id = json.loads(body["actions"][0]["value"])["client_id"]
    where = clicked_message(body)
    thread_ts = where["thread_ts"] or where["ts"]
    who = work.identify(body["user"]["id"])
    if who.person is None:
        work.send([replies.respond(where["response_url"], work.unknown(who))])
        return
    request = DraftInput(client=client_id)
    try:
        with work.sessions() as session:
            name = client_in_reach(session, who.person, uuid.UUID(client_id)).name
        work.chasen().check_draft(who.person, request)
    except ChaSenError as error:
        work.send([replies.respond(where["response_url"], error_message(error.message))])
        return
    status = work.working(
        where["channel"], working_message(f"Drafting an intervention plan for {name}…"), thread_ts
    )
    _draft(work, who.person, request, status, thread_ts=thread_ts)


def _draft(
    work: Work, person: Person, request: DraftInput, status: PostedMessage, thread_ts: str | None
) -> None:
    try:
        result = work.chasen().draft(person, request)
    except ChaSenError as error:
        work.send([replies.update(status, error_message(error.message), thread_ts)])
        return
    work.send(work.turn_messages(result, status, thread_ts))
