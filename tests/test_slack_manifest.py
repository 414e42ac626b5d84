"""The Slack app manifest in the repository matches what the app listens to and calls."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from slack_app.listeners import COMMAND, EVENTS

# The bot scopes each Web API method and event subscription the app uses needs.
NEEDED_SCOPES = {
    "chat.postMessage / chat.update": "chat:write",
    "conversations.open (a person's DM)": "im:write",
    "users.info (linking members by e-mail)": "users:read",
    "users.info profile e-mail": "users:read.email",
    "files.upload (digest charts)": "files:write",
    "/chasen": "commands",
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
}


def manifest() -> dict[str, Any]:
    text = resources.files("slack_app").joinpath("manifest.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_the_manifest_subscribes_to_every_event_the_app_listens_to() -> None:
    subscribed = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    # The app answers ``message`` events in DMs only: the subscription is message.im.
    listened = {"message.im" if event == "message" else event for event in EVENTS}
    assert subscribed == listened


def test_the_manifest_declares_the_command_interactivity_and_app_home() -> None:
    loaded = manifest()
    [command] = loaded["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert loaded["settings"]["interactivity"]["is_enabled"] is True
    assert loaded["features"]["app_home"]["home_tab_enabled"] is True
    urls = {
        command["url"],
        loaded["settings"]["interactivity"]["request_url"],
        loaded["settings"]["event_subscriptions"]["request_url"],
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")


def test_the_manifest_asks_for_exactly_the_scopes_the_app_uses() -> None:
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == set(NEEDED_SCOPES.values())
