"""A question to ChaSen in a DM or an @mention, answered in the thread it was asked in."""

from __future__ import annotations

import re

from core.errors import ChaSenError, NotFoundError
from slack_app import replies
from slack_app.blocks import error_message, working_message
from slack_app.threads import agent_thread_id
from slack_app.work import Work

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def answer_question(work: Work) -> None:
    """Run a chat turn for the person who wrote, in the agent thread of the Slack thread.

    The status message posted first is replaced by the answer, or by the proposal waiting
    for a decision, so the thread shows one reply per question.
    """
    event = work.payload["event"]
    channel, member = event["channel"], event["user"]
    thread_ts = event.get("thread_ts") or event["ts"]
    who = work.identify(member)
    if who.person is None:
        work.send([replies.post(channel, work.unknown(who), thread_ts)])
        return
    status = work.working(channel, working_message(), thread_ts)
    chasen = work.chasen()
    team = work.payload.get("team_id") or ""
    thread_id = agent_thread_id(team, channel, thread_ts)
    try:
        chasen.check_thread(who.person, thread_id)
    except NotFoundError:
        thread_id = agent_thread_id(team, channel, thread_ts, member)
    try:
        result = chasen.chat(who.person, question_text(event.get("text", "")), thread_id=thread_id)
    except ChaSenError as error:
        work.send([replies.update(status, error_message(error.message), thread_ts)])
        return
    work.send(work.turn_messages(result, status, thread_ts))


def question_text(text: str) -> str:
    """The question without the @mentions that addressed it to ChaSen."""
    return " ".join(_MENTION.sub(" ", text).split())
