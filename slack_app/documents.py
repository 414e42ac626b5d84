"""Documents sent from Slack: a plan's PDF, into the DM of the person who asked for it."""

from __future__ import annotations

import uuid

from core.errors import ChaSenError
from planning.exports import plan_filename, plan_pdf, plan_title
from planning.service import PlanService
from slack_app import replies
from slack_app.blocks import answer_message, error_message
from slack_app.work import Work


def send_plan_pdf(work: Work) -> None:
    """The plan of the pressed "PDF" button, as a PDF in the person's DM, if they may read it."""
    body = work.payload
    member, response_url = body["user"]["id"], body["response_url"]
    who = work.identify(member)
    if who.person is None:
        work.send([replies.respond(response_url, work.unknown(who))])
        return
    try:
        with work.sessions() as session:
            plan = PlanService(session).readable_plan(
                uuid.UUID(body["actions"][0]["value"]), who.person
            )
    except (ChaSenError, ValueError) as error:
        text = error.message if isinstance(error, ChaSenError) else "that is not a plan id"
        work.send([replies.respond(response_url, error_message(text))])
        return
    title = plan_title(plan)
    work.poster.upload_file(
        member,
        plan_pdf(plan, generated=work.today),
        filename=plan_filename(plan, "pdf"),
        title=title,
        comment=f"{title}, version {plan.version}, as of {work.today.isoformat()}.",
    )
    work.send(
        [replies.respond(response_url, answer_message(f"Sent *{title}* to our DM as a PDF."))]
    )
