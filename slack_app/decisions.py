"""Accept, Edit or Reject on a proposal: the waiting graph resumed as the person who clicked.

The decision is checked (the person may make it, it is still waiting) and applied by the
runner, which locks the approval in the write's own transaction: a second click, from the
same person or another, finds it decided and writes nothing. The proposal's message is then
replaced by who decided, when, and what came of it.
"""

from __future__ import annotations

import uuid
from typing import Any

from agent import approvals
from agent.runner import decision_for
from core.database import transaction
from core.errors import ChaSenError, NotFoundError
from core.models import User
from scheduler.slack_delivery import PostedMessage
from slack_app import replies
from slack_app.approval_blocks import ACCEPT, decided_message
from slack_app.blocks import error_message
from slack_app.messages import Message
from slack_app.threads import clicked_message
from slack_app.work import Work


def decide(work: Work) -> None:
    """Apply a click (Accept, Reject) or a submitted edit form to its decision."""
    body = work.payload
    where, approval_id, response = _what_was_decided(body)
    who = work.identify(body["user"]["id"])
    if who.person is None:
        work.send([_privately(where, body, work.unknown(who))])
        return
    chasen = work.chasen()
    try:
        with transaction(work.sessions) as session:
            decision = decision_for(session, who.person, approval_id)
        if decision.interrupt_id is None:
            raise NotFoundError("this decision is not waiting in a conversation any more")
        result = chasen.resume(who.person, decision.thread_id, decision.interrupt_id, response)
    except ChaSenError as error:
        work.send([_privately(where, body, error_message(error.message))])
        return
    with work.sessions() as session:
        row = approvals.get(session, approval_id)
        assert row is not None and row.decided_at is not None
        decider = session.get(User, row.decided_by)
        decided = decided_message(
            decision,
            status=row.status,
            decided_by=decider.name if decider else who.person.name,
            decided_at=row.decided_at,
            outcome=row.outcome or "",
        )
        outcome = row.outcome
    thread_ts = where["thread_ts"] or where["ts"]
    at = PostedMessage(where["channel"], where["ts"])
    outgoing = [replies.update(at, decided, thread_ts)]
    # A conversation goes on after the decision: its next words belong in the thread (a
    # draft's answer is the outcome the decided message shows already).
    follow = work.reply_of(result, with_answer=result.answer != outcome)
    outgoing += [replies.post(at.channel, m, thread_ts) for m in follow]
    work.send(outgoing)


def _what_was_decided(body: dict[str, Any]) -> tuple[dict[str, Any], uuid.UUID, dict[str, Any]]:
    if "edited" in body:  # the edit form, checked when it was submitted
        where = body["where"]
        return where, uuid.UUID(where["approval_id"]), {"type": "edit", "args": body["edited"]}
    action = body["actions"][0]
    where = clicked_message(body)
    kind = "accept" if action["action_id"] == ACCEPT else "ignore"
    return where, uuid.UUID(action["value"]), {"type": kind}


def _privately(where: dict[str, Any], body: dict[str, Any], message: Message) -> replies.Outgoing:
    """To the person who clicked only: through the response URL, else in their DM."""
    if where.get("response_url"):
        return replies.respond(where["response_url"], message)
    return replies.post(body["user"]["id"], message)
