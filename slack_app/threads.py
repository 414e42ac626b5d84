"""One ChaSen thread per Slack thread, so that a follow-up in the thread keeps its context."""

from __future__ import annotations

import uuid
from typing import Any

_NAMESPACE = uuid.UUID("2b8f0c7e-6d1a-5e3b-9c4f-7a0e1d2c3b4a")


def agent_thread_id(team: str, channel: str, thread_ts: str, member: str | None = None) -> str:
    """The agent thread of a Slack thread: the same ids give the same thread, always.

    ``member`` makes a thread of that person's own within the Slack thread: a conversation
    keeps what its starter may see, so someone else who joins the Slack thread talks to
    ChaSen in a thread of theirs.
    """
    key = f"{team}:{channel}:{thread_ts}" + (f":{member}" if member else "")
    return f"slack-{uuid.uuid5(_NAMESPACE, key)}"


def clicked_message(body: dict[str, Any]) -> dict[str, Any]:
    """Where the message of a clicked button is (its channel, ts, and thread_ts: None when it
    is not in a thread), and the click's response URL."""
    return {
        "channel": body["channel"]["id"],
        "ts": body["container"]["message_ts"],
        "thread_ts": (body.get("message") or {}).get("thread_ts"),
        "response_url": body.get("response_url"),
    }
