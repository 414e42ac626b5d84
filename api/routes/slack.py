"""``POST /slack/events``: Slack's events, commands and clicks, into the bolt app.

bolt's request handling is synchronous (listeners write to the database), so it runs on the
thread pool rather than on the event loop that serves every other request.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool

from api.problems import problem

router = APIRouter(tags=["slack"])


@router.post("/slack/events", include_in_schema=False)
async def slack_events(request: Request) -> Response:
    """Hand a signed request from Slack to the bolt app (401 when the signature is wrong)."""
    app: App | None = getattr(request.app.state, "slack", None)
    if app is None:
        return problem(
            503,
            "slack_not_configured",
            "the Slack app is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on",
        )
    body = await request.body()
    response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
    return to_starlette_response(response)
