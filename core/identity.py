"""Who is acting: passed from every edge (CLI, API, Slack, agent tools) into the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Actor:
    """The person (or service) on whose behalf a change is made; ``name`` goes in the logs."""

    name: str
    user_id: uuid.UUID | None = None
    role: str | None = None


class _UserLike(Protocol):
    id: uuid.UUID
    name: str
    email: str
    role: str
    territory: str | None
    region: str | None


@dataclass(frozen=True)
class Person:
    """A signed-in user with what permissions depend on; plain data, safe to pass around."""

    id: uuid.UUID
    name: str
    email: str
    role: str
    territory: str | None = None
    region: str | None = None

    @classmethod
    def of(cls, user: _UserLike) -> Person:
        """The person behind a ``users`` row."""
        return cls(user.id, user.name, user.email, user.role, user.territory, user.region)

    @property
    def actor(self) -> Actor:
        """This person as the author of a change."""
        return Actor(self.name, self.id, self.role)

    def is_named(self, label: str) -> bool:
        """True when ``label`` (a collaborator entry) is this person's e-mail or name."""
        label = label.strip().lower()
        return label in (self.email.lower(), self.name.lower())
