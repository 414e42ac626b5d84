"""Read-only answers: ``/chasen risk|stakeholders|plan …`` and the App Home tab."""

from __future__ import annotations

from typing import Any

from core.database import transaction
from core.errors import ChaSenError
from slack_app import replies
from slack_app.blocks import error_message
from slack_app.commands import answer_command, parse_command
from slack_app.home import home_view
from slack_app.work import Work


def answer_lookup(work: Work) -> None:
    """A read-only command, answered privately to the person who typed it."""
    body = work.payload
    who = work.identify(body["user_id"])
    if who.person is None:
        message = work.unknown(who)
    else:
        try:
            with transaction(work.sessions) as session:
                command = parse_command(body.get("text", ""))
                message = answer_command(session, who.person, command, work.today)
        except ChaSenError as error:
            message = error_message(error.message)
    work.send([replies.respond(body["response_url"], message)])


def publish_home(work: Work) -> None:
    """The person's App Home: their plans, decisions waiting for them, at-risk clients."""
    member = work.payload["event"]["user"]
    who = work.identify(member)
    if who.person is None:
        unknown = work.unknown(who)
        view: dict[str, Any] = {"type": "home", "blocks": unknown.blocks}
    else:
        pending = work.chasen().pending(who.person)
        with work.sessions() as session:
            view = home_view(session, who.person, work.today, pending)
    work.poster.call(
        "views.publish",
        member,
        lambda: work.poster.client.views_publish(user_id=member, view=view).data,
    )
