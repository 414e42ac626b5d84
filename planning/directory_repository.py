"""SQL for people and clients. Only flushes; the caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Base, Client, User

Row = TypeVar("Row", bound=Base)


def users(session: Session, role: str | None = None) -> Sequence[User]:
    """Users by name, optionally of one role."""
    query = select(User).order_by(User.name)
    if role:
        query = query.where(User.role == role)
    return session.scalars(query).all()


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this (lower-case) e-mail, if any."""
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def user_by_slack_id(session: Session, slack_user_id: str) -> User | None:
    """The user linked to this Slack member id, if any."""
    return session.scalars(select(User).where(User.slack_user_id == slack_user_id)).one_or_none()


def clients(session: Session, territory: str | None = None) -> Sequence[Client]:
    """Clients by name, optionally in one territory."""
    query = select(Client).order_by(Client.name)
    if territory:
        query = query.where(Client.territory == territory)
    return session.scalars(query).all()


def territories(session: Session) -> list[str]:
    """The territories the clients are in, as they spell them, in order."""
    query = select(Client.territory).distinct().order_by(Client.territory)
    return list(session.scalars(query))


def client_by_id(session: Session, client_id: uuid.UUID) -> Client | None:
    """The client with this id, if any."""
    return session.get(Client, client_id)


def client_by_name(session: Session, name: str) -> Client | None:
    """The client with this name in any case, if any."""
    query = select(Client).where(func.lower(Client.name) == name.lower())
    return session.scalars(query).one_or_none()


def add(session: Session, row: Row) -> Row:
    """Insert a row and read back what the database set (id, defaults)."""
    session.add(row)
    session.flush()
    session.refresh(row)
    return row
