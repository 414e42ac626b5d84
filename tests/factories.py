"""Small builders of rows for tests (real inserts, in the test's session), and that session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.models import Client, User

# Every table the demo seed fills, as its report names them.
SEEDED_TABLES = (
    "users",
    "clients",
    "client_health_history",
    "client_support_history",
    "cse_cam_targets",
    "pipeline_opportunities",
    "meddpicc_scores",
    "conversation_readiness",
)


def make_user(session: Session, name: str = "Tracey Bland", role: str = "CSE") -> User:
    """Insert a user with a unique e-mail."""
    user = User(
        name=name,
        email=f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.com",
        role=role,
        territory="VIC + NZ",
        region="Australia+NZ",
    )
    session.add(user)
    session.flush()
    return user


def make_client(session: Session, name: str | None = None, territory: str = "VIC") -> Client:
    """Insert a client with a unique name."""
    client = Client(
        name=name or f"Test Health {uuid.uuid4().hex[:6]}",
        territory=territory,
        region="Australia+NZ",
        arr=Decimal("1200000.00"),
        health_score=72,
        nps=31,
    )
    session.add(client)
    session.flush()
    return client


@contextmanager
def rolled_back(engine: Engine) -> Iterator[Session]:
    """A session in a transaction that is rolled back at the end (one per example)."""
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()
