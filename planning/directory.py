"""People and clients: listing and adding them with validation (used by the admin CLI)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from core.errors import ConflictError, NotFoundError
from core.models import Client, Role, User
from core.validation import parse
from planning import directory_repository as repo

Name = Annotated[str, Field(min_length=1, max_length=200)]


class NewUser(BaseModel):
    """A person to add; the e-mail is stored in lower case."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
    role: Role
    territory: str | None = None
    region: str | None = None
    slack_user_id: str | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class NewClient(BaseModel):
    """A client to add; its CSE and CAM are named by e-mail."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    territory: Name
    region: Name
    segment: str | None = None
    arr: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] = Decimal(0)
    health_score: Annotated[int, Field(ge=0, le=100)] | None = None
    nps: Annotated[int, Field(ge=-100, le=100)] | None = None
    renewal_date: date | None = None
    cse_email: str | None = None
    cam_email: str | None = None


def list_users(session: Session, role: str | None = None) -> Sequence[User]:
    """Users by name, optionally of one role."""
    return repo.users(session, role)


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user with this e-mail (any case), if any."""
    return repo.user_by_email(session, email.strip().lower())


def find_user_by_slack_id(session: Session, slack_user_id: str) -> User | None:
    """The user linked to this Slack member id, if any."""
    return repo.user_by_slack_id(session, slack_user_id)


def link_slack_user(session: Session, user: User, slack_user_id: str) -> None:
    """Remember that ``user`` is this Slack member; a user keeps the first link made."""
    if user.slack_user_id is None and repo.user_by_slack_id(session, slack_user_id) is None:
        user.slack_user_id = slack_user_id
        session.flush()


def get_user_by_email(session: Session, email: str) -> User:
    """The user with this e-mail (any case); NotFoundError otherwise."""
    user = find_user_by_email(session, email)
    if user is None:
        raise NotFoundError(f"no user with e-mail {email}", email=email)
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User:
    """The user with this id; NotFoundError otherwise."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}", user_id=user_id)
    return user


def get_active_user(session: Session, email: str) -> User:
    """The active user with this e-mail (any case): who may act in ChaSen; NotFoundError
    otherwise."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        raise NotFoundError(f"no active ChaSen user with e-mail {email}", email=email)
    return user


def add_user(session: Session, data: NewUser | dict[str, object]) -> User:
    """Add a user; a taken e-mail or Slack id is a ConflictError."""
    spec = data if isinstance(data, NewUser) else parse(NewUser, data, "User")
    if repo.user_by_email(session, spec.email):
        raise ConflictError(f"A user with e-mail {spec.email} already exists", email=spec.email)
    if spec.slack_user_id and repo.user_by_slack_id(session, spec.slack_user_id):
        raise ConflictError(f"Slack user {spec.slack_user_id} is already linked to a user")
    return repo.add(session, User(**spec.model_dump()))


def list_clients(session: Session, territory: str | None = None) -> Sequence[Client]:
    """Clients by name, optionally in one territory."""
    return repo.clients(session, territory)


def territories(session: Session) -> list[str]:
    """The territories the clients are in, as they spell them, in order."""
    return repo.territories(session)


def get_client(session: Session, client_id: uuid.UUID) -> Client:
    """The client with this id; NotFoundError otherwise."""
    client = repo.client_by_id(session, client_id)
    if client is None:
        raise NotFoundError(f"No client with id {client_id}", client_id=client_id)
    return client


def find_client(session: Session, name_or_id: str) -> Client:
    """A client by id or by exact name (any case); NotFoundError otherwise."""
    try:
        return get_client(session, uuid.UUID(name_or_id))
    except ValueError:
        pass
    client = repo.client_by_name(session, name_or_id.strip())
    if client is None:
        raise NotFoundError(f"No client named {name_or_id!r}", client=name_or_id)
    return client


def add_client(session: Session, data: NewClient | dict[str, object]) -> Client:
    """Add a client; a taken name is a ConflictError, an unknown owner a NotFoundError."""
    spec = data if isinstance(data, NewClient) else parse(NewClient, data, "Client")
    if repo.client_by_name(session, spec.name):
        raise ConflictError(f"A client named {spec.name!r} already exists", name=spec.name)
    client = Client(
        **spec.model_dump(exclude={"cse_email", "cam_email"}),
        cse_id=_owner_id(session, spec.cse_email, "CSE"),
        cam_id=_owner_id(session, spec.cam_email, "CAM"),
    )
    return repo.add(session, client)


def _owner_id(session: Session, email: str | None, role: str) -> uuid.UUID | None:
    if email is None:
        return None
    user = find_user_by_email(session, email)
    if user is None:
        raise NotFoundError(f"No user with e-mail {email} to be the {role}", email=email)
    return user.id
