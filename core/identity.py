"""Who is acting: passed from every edge (CLI, API, Slack, agent tools) into the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person (or service) on whose behalf a change is made; ``name`` goes in the logs."""

    name: str
    user_id: uuid.UUID | None = None
    role: str | None = None
