"""Slack's side of the Slack app's tests: signed requests as Slack sends them.

Events arrive as JSON; slash commands as form fields; clicks and form submissions as a form
field ``payload`` holding JSON. Each is signed the way Slack signs: HMAC-SHA256 of
``v0:{timestamp}:{body}`` with the app's signing secret.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from core.bootstrap import Database
from core.settings import SlackSettings, get_settings
from tests.agent_harness import seed
from tests.api_harness import api_settings
from tests.slack_stub import VALID_TOKEN, SlackStub

SIGNING_SECRET = "chasen-test-signing-secret"
TEAM = "T0TEST"
_ids = itertools.count(1)


def unique(prefix: str) -> str:
    """An id unique within the test run (event ids, trigger ids, message ts)."""
    return f"{prefix}{next(_ids):06d}"


def signed_headers(
    body: str,
    *,
    content_type: str,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    retry_num: int | None = None,
) -> dict[str, str]:
    """The headers Slack sends with ``body``, signed with ``secret``."""
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None  # None only without a timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    if retry_num is not None:
        headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
    return headers


def event_body(event: dict[str, Any], *, event_id: str | None = None) -> str:
    """An Events API callback carrying ``event``."""
    return json.dumps(
        {
            "token": "unused",
            "team_id": TEAM,
            "api_app_id": "A0CHASEN",
            "type": "event_callback",
            "event_id": event_id or unique("Ev"),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": "U0BOT", "is_bot": True}],
            "event": event,
        }
    )


def direct_message(
    member: str, text: str, *, ts: str | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    """A ``message`` event in the member's DM with ChaSen."""
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{member[1:]}",
        "user": member,
        "text": text,
        "ts": ts or f"1700001000.{next(_ids):06d}",
    }
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def command_body(member: str, text: str, *, response_url: str, channel: str = "C0PLANS") -> str:
    """A ``/chasen`` slash command."""
    return urlencode(
        {
            "token": "unused",
            "team_id": TEAM,
            "channel_id": channel,
            "user_id": member,
            "command": "/chasen",
            "text": text,
            "response_url": response_url,
            "trigger_id": unique("trigger."),
        }
    )


def action_body(
    member: str,
    action_id: str,
    value: str,
    *,
    channel: str,
    message_ts: str,
    response_url: str,
    thread_ts: str | None = None,
    trigger_id: str | None = None,
) -> str:
    """A click on a button of the message at ``channel``/``message_ts``."""
    message = {"ts": message_ts} | ({"thread_ts": thread_ts} if thread_ts else {})
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": member},
        "api_app_id": "A0CHASEN",
        "trigger_id": trigger_id or unique("trigger."),
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
        "message": message,
        "response_url": response_url,
        "actions": [{"type": "button", "action_id": action_id, "value": value}],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(member: str, view: dict[str, Any], values: dict[str, Any]) -> str:
    """The submission of a modal ChaSen opened (``view`` as ``views.open`` returned it)."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": member},
        "api_app_id": "A0CHASEN",
        "trigger_id": unique("trigger."),
        "view": {**view, "state": {"values": values}},
    }
    return urlencode({"payload": json.dumps(payload)})


def form_values(view: dict[str, Any], **changed: str) -> dict[str, Any]:
    """A modal's ``state.values`` as Slack reports them: each input's initial value, with
    ``changed`` (by block id) typed over it."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        value = changed.get(block["block_id"], element.get("initial_value"))
        values[block["block_id"]] = {
            element["action_id"]: {"type": element["type"], "value": value}
        }
    return values


@contextmanager
def slack_api(
    database: Database,
    sessions: sessionmaker[Session],
    stub: SlackStub,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    """The API with the Slack app on, over the seeded database; its workers post to ``stub``."""
    for name, value in {
        "SLACK_BOT_TOKEN": VALID_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": stub.api_url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()  # the worker's poster reads them
    seed(sessions)
    slack = SlackSettings(
        bot_token=SecretStr(VALID_TOKEN),
        signing_secret=SecretStr(SIGNING_SECRET),
        api_url=stub.api_url,
    )
    settings = api_settings().model_copy(update={"slack": slack})
    with TestClient(create_app(database, settings)) as test_client:
        yield test_client
    get_settings.cache_clear()
