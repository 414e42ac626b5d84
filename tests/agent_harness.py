"""Running ChaSen's graphs in tests: the demo portfolio, a checkpointer, people by e-mail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent.checkpoints import open_checkpointer
from agent.context import Budgets, ModelSettings
from agent.runner import ChaSen
from core.bootstrap import Database
from core.database import transaction
from core.identity import Person
from core.models import Client, User
from ingest.demo_seed import seed_demo
from planning.records import NewPlan, PlanRecord
from planning.service import PlanService

TODAY = date(2026, 11, 20)
OFFLINE = ModelSettings(offline=True)


def seed(sessions: sessionmaker[Session]) -> None:
    """The demo portfolio, committed."""
    with transaction(sessions) as session:
        seed_demo(session, today=TODAY)


def person(sessions: sessionmaker[Session], email: str) -> Person:
    """The demo user with this e-mail."""
    with sessions() as session:
        return Person.of(session.scalars(select(User).where(User.email == email)).one())


def client(sessions: sessionmaker[Session], name: str) -> Client:
    """The demo client with this name."""
    with sessions() as session:
        return session.scalars(select(Client).where(Client.name == name)).one()


def account_plan(sessions: sessionmaker[Session], owner: Person, client_name: str) -> PlanRecord:
    """An empty draft account plan, owned by ``owner``."""
    found = client(sessions, client_name)
    new = NewPlan(
        plan_type="account",
        fiscal_year=TODAY.year,
        primary_owner=owner.name,
        primary_owner_role="CAM" if owner.role == "CAM" else "CSE",
        owner_id=owner.id,
        client_id=found.id,
    )
    with transaction(sessions) as session:
        return PlanService(session).create_plan(new, owner.actor)


@contextmanager
def running_chasen(
    database: Database, model: ModelSettings = OFFLINE, budgets: Budgets | None = None
) -> Iterator[ChaSen]:
    """ChaSen on the test database with the Postgres checkpointer."""
    with open_checkpointer(database) as checkpointer:
        yield ChaSen(database, checkpointer, model=model, budgets=budgets, today=TODAY)
