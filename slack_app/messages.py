"""A Slack message as ChaSen sends it: the notification text and its Block Kit blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    """``text`` is the notification and screen-reader fallback of ``blocks``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
