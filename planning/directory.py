"""People and clients: listing and adding them with validation (used by the admin CLI)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ConflictError, NotFoundError
from core.models import Client, Role, User
from core.validation import parse

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
    query = select(User).order_by(User.name)
    if role:
        query = query.where(User.role == role)
    return session.scalars(query).all()


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user with this e-mail (any case), if any."""
    return session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()


def add_user(session: Session, data: NewUser | dict[str, object]) -> User:
    """Add a user; a taken e-mail or Slack id is a ConflictError."""
    spec = data if isinstance(data, NewUser) else parse(NewUser, data, "User")
    if find_user_by_email(session, spec.email):
        raise ConflictError(f"A user with e-mail {spec.email} already exists", email=spec.email)
    if (
        spec.slack_user_id
        and session.scalars(select(User).where(User.slack_user_id == spec.slack_user_id)).first()
    ):
        raise ConflictError(f"Slack user {spec.slack_user_id} is already linked to a user")
    user = User(**spec.model_dump())
    session.add(user)
    session.flush()
    session.refresh(user)
    return user


def list_clients(session: Session, territory: str | None = None) -> Sequence[Client]:
    """Clients by name, optionally in one territory."""
    query = select(Client).order_by(Client.name)
    if territory:
        query = query.where(Client.territory == territory)
    return session.scalars(query).all()


def get_client(session: Session, client_id: uuid.UUID) -> Client:
    """The client with this id; NotFoundError otherwise."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"No client with id {client_id}", client_id=client_id)
    return client


def find_client(session: Session, name_or_id: str) -> Client:
    """A client by id or by exact name (any case); NotFoundError otherwise."""
    try:
        return get_client(session, uuid.UUID(name_or_id))
    except ValueError:
        pass
    client = session.scalars(
        select(Client).where(func.lower(Client.name) == name_or_id.strip().lower())
    ).one_or_none()
    if client is None:
        raise NotFoundError(f"No client named {name_or_id!r}", client=name_or_id)
    return client


def add_client(session: Session, data: NewClient | dict[str, object]) -> Client:
    """Add a client; a taken name is a ConflictError, an unknown owner a NotFoundError."""
    spec = data if isinstance(data, NewClient) else parse(NewClient, data, "Client")
    same_name = select(Client).where(func.lower(Client.name) == spec.name.lower())
    if session.scalars(same_name).first():
        raise ConflictError(f"A client named {spec.name!r} already exists", name=spec.name)
    values = spec.model_dump(exclude={"cse_email", "cam_email"})
    client = Client(
        **values,
        cse_id=_owner_id(session, spec.cse_email, "CSE"),
        cam_id=_owner_id(session, spec.cam_email, "CAM"),
    )
    session.add(client)
    session.flush()
    session.refresh(client)
    return client


def _owner_id(session: Session, email: str | None, role: str) -> uuid.UUID | None:
    if email is None:
        return None
    user = find_user_by_email(session, email)
    if user is None:
        raise NotFoundError(f"No user with e-mail {email} to be the {role}", email=email)
    return user.id
