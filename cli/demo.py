"""``chasen demo`` and ``chasen seed-demo``: the end-to-end tour on the embedded defaults."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

from sqlalchemy.orm import Session

from cli.output import console, print_table
from cli.render import print_plan
from cli.session import database, unit_of_work
from core.bootstrap import Database
from core.database import transaction
from core.errors import NotFoundError
from core.identity import Person
from core.models import User
from core.settings import get_settings
from ingest.demo_meetings import ingest_demo_meetings
from ingest.demo_seed import SeedReport, seed_demo
from ingest.stakeholders.service import list_stakeholders
from ingest.transcripts.search import search
from ingest.transcripts.service import make_ingestor
from planning import directory
from planning.autofill import fill_from_portfolio
from planning.plan_repository import PlanFilters
from planning.records import NewPlan, PlanRecord
from planning.service import PlanService
from risk.digest import compose_digest
from risk.digest_render import to_markdown
from risk.scoring import score_portfolio

DEMO_FISCAL_YEAR = 2026
DEMO_CSE = "tracey.bland@example.com"
DEMO_CAM = "anu.pradhan@example.com"
DEMO_ACCOUNT = "Barwon Health"
DEMO_QUERY = "pathology results delayed by the interface"
DEMO_DIGEST_DAYS = 30


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
            territory = _filled_territory_plan(session, DEMO_CSE, today)
        print_plan(territory)
        _meetings_tour(db, today)
        _risk_tour(db, today)
        _agent_tour(db, today)
    console.print(
        "Next: [bold]chasen plans list[/bold], [bold]chasen plans show ID[/bold], "
        "[bold]chasen stakeholders --client NAME[/bold], [bold]chasen search QUERY[/bold], "
        "[bold]chasen risk score[/bold], [bold]chasen digest --owner EMAIL --dry-run[/bold], "
        "[bold]chasen chat --user EMAIL[/bold]."
    )


def _meetings_tour(db: Database, today: date) -> None:
    """Ingest the demo meetings, then show what they say: stakeholders and a search."""
    ingestor = make_ingestor(get_settings())
    reports = ingest_demo_meetings(db.sessions, ingestor, today)
    print_table(
        f"Demo meetings ({ingestor.embedder.name})",
        ["meeting", "client", "date", "status", "chunks", "new stakeholders"],
        [
            [r.title, r.client, r.held_on, r.status, r.chunks, len(r.stakeholders.new)]
            for r in reports
        ],
    )
    with transaction(db.sessions) as session:
        client = directory.find_client(session, DEMO_ACCOUNT)
        views = list_stakeholders(session, client.id)
        hits = search(session, ingestor.embedder, DEMO_QUERY, limit=3)
    print_table(
        f"Stakeholders at {DEMO_ACCOUNT}, from its meetings (suggestions)",
        ["name", "title", "side", "MEDDPICC role", "conf.", "last seen"],
        [
            [v.name, v.title, v.side, v.meddpicc_role, f"{v.confidence:.2f}", v.last_seen]
            for v in views
        ],
    )
    print_table(
        f"Search: {DEMO_QUERY!r}",
        ["client", "meeting", "speakers", "passage"],
        [[h.client, h.held_on, ", ".join(h.speakers), h.text[:90]] for h in hits],
    )


def _risk_tour(db: Database, today: date) -> None:
    """Score the portfolio a month ago and today, then print the CAM's digest of the month."""
    month_ago = today - timedelta(days=DEMO_DIGEST_DAYS)
    with transaction(db.sessions) as session:
        score_portfolio(session, as_of=month_ago)
    with transaction(db.sessions) as session:
        report = score_portfolio(session, as_of=today)
    with transaction(db.sessions) as session:
        digest = compose_digest(
            session, _user(session, DEMO_CAM), period_start=month_ago, period_end=today
        )
    console.print(
        f"[bold]Churn risk[/bold] of {len(report.predictions)} clients "
        f"(model v{report.model_version}: {report.model_description}): "
        + ", ".join(f"{count} {band}" for band, count in sorted(report.counts().items()))
    )
    print(to_markdown(digest))


def _agent_tour(db: Database, today: date) -> None:
    """Draft the CAM's account plan through the agent offline, approve it, show the result."""
    from agent.checkpoints import open_checkpointer
    from agent.context import ModelSettings
    from agent.runner import ChaSen

    with open_checkpointer(db) as checkpointer:
        chasen = ChaSen(db, checkpointer, model=ModelSettings(offline=True), today=today)
        cam = chasen.person(DEMO_CAM)
        drafted = chasen.draft(cam, {"client": DEMO_ACCOUNT, "fiscal_year": DEMO_FISCAL_YEAR})
        [decision] = drafted.decisions
        console.print(
            f"[bold]ChaSen drafted the {DEMO_ACCOUNT} account plan[/bold] (offline); "
            f"waiting for {cam.name}'s decision:",
            highlight=False,
        )
        console.print(decision.description, highlight=False, markup=False)
        pending = chasen.pending(cam)
        console.print(f"{cam.name} has {len(pending)} decision(s) waiting; accepting this one.")
        done = chasen.resume(
            cam, drafted.thread_id, decision.interrupt_id or "", {"type": "accept"}
        )
        console.print(done.answer or "", highlight=False, markup=False)
        with db.sessions() as session:
            client = directory.find_client(session, DEMO_ACCOUNT)
            [summary] = PlanService(session).list_plans(
                PlanFilters(plan_type="account", client_id=client.id, owner=cam.name)
            )
            plan = PlanService(session).get_plan(summary.id)
            log = PlanService(session).activity(plan.id, limit=12)
    print_plan(plan)
    print_table(
        f"Activity of the {DEMO_ACCOUNT} plan (newest first)",
        ["when", "who", "what", "section"],
        [
            [f"{e.created_at:%Y-%m-%d %H:%M:%S}", e.user_name, e.action,
             (e.details or {}).get("section", "")]
            for e in log
        ],
    )  # fmt: skip


def _filled_territory_plan(session: Session, owner_email: str, today: date) -> PlanRecord:
    """The owner's open demo territory plan (created if needed), filled from the portfolio."""
    owner = _user(session, owner_email)
    actor = Person.of(owner).actor
    spec = NewPlan(
        plan_type="territory",
        fiscal_year=DEMO_FISCAL_YEAR,
        primary_owner=owner.name,
        primary_owner_role=owner.role,
        owner_id=owner.id,
        territory=owner.territory,
    )
    plan = PlanService(session).ensure_plan(spec, actor)
    return fill_from_portfolio(session, plan.id, actor, today)


def _user(session: Session, email: str) -> User:
    user = directory.find_user_by_email(session, email)
    if user is None:
        raise NotFoundError(f"Demo user {email} is missing; run `chasen seed-demo`")
    return user
