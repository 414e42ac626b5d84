"""``chasen demo`` and ``chasen seed-demo``: the end-to-end tour on the embedded defaults."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy.orm import Session

from cli.output import console, print_table
from cli.render import print_plan
from cli.session import database, unit_of_work
from core.database import transaction
from core.errors import NotFoundError
from core.identity import Actor
from core.models import User
from ingest.demo_seed import SeedReport, seed_demo
from planning import directory
from planning.autofill import fill_from_portfolio
from planning.records import NewPlan
from planning.service import PlanService

DEMO_FISCAL_YEAR = 2026
DEMO_CSE = "tracey.bland@example.com"
DEMO_CAM = "anu.pradhan@example.com"
DEMO_ACCOUNT = "Barwon Health"


def _print_report(report: SeedReport) -> None:
    rows = [[table, count] for table, count in asdict(report).items()]
    print_table("Demo portfolio: rows added (0 = already there)", ["table", "rows"], rows)


def seed_command() -> None:
    """Load the demo APAC portfolio (idempotent: a second run adds nothing)."""
    with unit_of_work() as session:
        report = seed_demo(session)
    _print_report(report)


def demo_command() -> None:
    """Start the database, migrate, seed, build an account and a territory plan, show them."""
    today = date.today()
    with database() as db:
        console.print(f"[bold]ChaSen demo[/bold] on {db.describe()}")
        with transaction(db.sessions) as session:
            _print_report(seed_demo(session, today=today))
        with transaction(db.sessions) as session:
            cam = _user(session, DEMO_CAM)
            client = directory.find_client(session, DEMO_ACCOUNT)
            account = PlanService(session).ensure_plan(
                NewPlan(
                    plan_type="account",
                    fiscal_year=DEMO_FISCAL_YEAR,
                    primary_owner=cam.name,
                    primary_owner_role="CAM",
                    owner_id=cam.id,
                    client_id=client.id,
                ),
                _actor(cam),
            )
            account = fill_from_portfolio(session, account.id, _actor(cam), today)
        with transaction(db.sessions) as session:
            cse = _user(session, DEMO_CSE)
            territory = PlanService(session).ensure_plan(
                NewPlan(
                    plan_type="territory",
                    fiscal_year=DEMO_FISCAL_YEAR,
                    primary_owner=cse.name,
                    primary_owner_role="CSE",
                    owner_id=cse.id,
                    territory=cse.territory,
                ),
                _actor(cse),
            )
            territory = fill_from_portfolio(session, territory.id, _actor(cse), today)
    print_plan(account)
    print_plan(territory)
    console.print(
        "Next: [bold]chasen plans list[/bold], [bold]chasen plans show ID[/bold], "
        "[bold]chasen clients list[/bold]."
    )


def _user(session: Session, email: str) -> User:
    user = directory.find_user_by_email(session, email)
    if user is None:
        raise NotFoundError(f"Demo user {email} is missing; run `chasen seed-demo`")
    return user


def _actor(user: User) -> Actor:
    return Actor(name=user.name, user_id=user.id, role=user.role)
