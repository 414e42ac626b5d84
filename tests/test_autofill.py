"""Filling plans from the portfolio: what an account and a territory plan take from the data."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.identity import Actor
from core.models import (
    OPEN_STAGES,
    Client,
    CseCamTarget,
    MeddpiccScore,
    PipelineOpportunity,
    PlanActivity,
    User,
)
from ingest.demo_seed import seed_demo
from planning.autofill import fill_from_portfolio
from planning.records import PlanRecord
from planning.service import PlanService

TODAY = date(2026, 11, 20)
FISCAL_YEAR = 2026
DATA_SECTIONS = {"portfolio", "snapshot", "targets", "opportunities"}


def amount(value: Any) -> Decimal:
    """A section's JSON number (float) as an exact decimal, for comparing with the database."""
    return Decimal(str(value))


def user_by_email(session: Session, email: str) -> User:
    return session.scalars(select(User).where(User.email == email)).one()


def client_by_name(session: Session, name: str) -> Client:
    return session.scalars(select(Client).where(Client.name == name)).one()


def actor_of(user: User) -> Actor:
    return Actor(name=user.name, user_id=user.id, role=user.role)


def open_deals(
    session: Session, *, client_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None
) -> list[tuple[PipelineOpportunity, MeddpiccScore | None]]:
    """Open opportunities straight from the tables, with their MEDDPICC row."""
    query = (
        select(PipelineOpportunity, MeddpiccScore)
        .outerjoin(MeddpiccScore, MeddpiccScore.opportunity_id == PipelineOpportunity.id)
        .where(PipelineOpportunity.stage.in_(OPEN_STAGES))
    )
    if client_id is not None:
        query = query.where(PipelineOpportunity.client_id == client_id)
    if owner_id is not None:
        query = query.where(PipelineOpportunity.owner_id == owner_id)
    return [(row[0], row[1]) for row in session.execute(query).all()]


def updated_sections(session: Session, plan_id: uuid.UUID) -> list[str]:
    """The section named by each "updated" entry of the plan's activity log."""
    entries = session.scalars(
        select(PlanActivity).where(
            PlanActivity.plan_id == plan_id, PlanActivity.action == "updated"
        )
    ).all()
    return [entry.details["section"] for entry in entries]


def activity_count(session: Session, plan_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(PlanActivity).where(PlanActivity.plan_id == plan_id)
    return session.scalar(query) or 0


@pytest.fixture
def seeded(session: Session) -> Session:
    """The test's session over the demo portfolio, anchored at :data:`TODAY`."""
    report = seed_demo(session, today=TODAY)
    assert report.clients > 0
    return session


def account_plan(session: Session, cam: User, client: Client) -> PlanRecord:
    return PlanService(session).create_plan(
        {
            "plan_type": "account",
            "fiscal_year": FISCAL_YEAR,
            "primary_owner": cam.name,
            "primary_owner_role": "CAM",
            "owner_id": cam.id,
            "client_id": client.id,
        },
        actor_of(cam),
    )


def territory_plan(
    session: Session, cse: User | None, owner_name: str = "Tracey Bland"
) -> PlanRecord:
    return PlanService(session).create_plan(
        {
            "plan_type": "territory",
            "fiscal_year": FISCAL_YEAR,
            "primary_owner": owner_name,
            "primary_owner_role": "CSE",
            "owner_id": cse.id if cse else None,
            "territory": "VIC + NZ",
        },
        actor_of(cse) if cse else Actor(name=owner_name),
    )


# --- account plans ---------------------------------------------------------------------------


def test_account_plan_takes_the_clients_figures_and_open_opportunities(seeded: Session) -> None:
    cam = user_by_email(seeded, "anu.pradhan@example.com")
    client = client_by_name(seeded, "Barwon Health")
    created = account_plan(seeded, cam, client)

    plan = fill_from_portfolio(seeded, created.id, actor_of(cam), TODAY)

    snapshot = plan.sections["snapshot"]
    assert amount(snapshot["arr"]) == client.arr
    assert snapshot["health_score"] == client.health_score
    assert snapshot["nps"] == client.nps
    assert snapshot["client_count"] == 1
    assert snapshot["as_of"] == TODAY.isoformat()

    portfolio = plan.sections["portfolio"]
    assert len(portfolio) == 1
    assert portfolio[0]["client_id"] == str(client.id)
    assert portfolio[0]["name"] == "Barwon Health"

    deals = open_deals(seeded, client_id=client.id)
    assert deals, "the demo gives Barwon Health open opportunities"
    opportunities = {o["opportunity_id"]: o for o in plan.sections["opportunities"]}
    assert set(opportunities) == {str(opp.id) for opp, _ in deals}
    for opp, meddpicc in deals:
        item = opportunities[str(opp.id)]
        assert item["stage"] in OPEN_STAGES
        assert item["client_name"] == "Barwon Health"
        assert amount(item["weighted_acv"]) == opp.weighted_acv  # the DB's generated column
        assert meddpicc is not None
        assert item["meddpicc_total"] == meddpicc.total_score  # the DB's generated column

    targets = plan.sections["targets"]
    assert targets["fiscal_year"] == FISCAL_YEAR
    assert amount(targets["pipeline_weighted_acv"]) == sum(
        (opp.weighted_acv for opp, _ in deals), Decimal(0)
    )

    assert plan.steps_completed is not None
    assert plan.steps_completed["context"] is True
    assert plan.steps_completed["portfolio"] is True
    written = updated_sections(seeded, plan.id)
    assert Counter(written) == Counter(DATA_SECTIONS)  # one "updated" entry per section
    assert plan.version == created.version + len(written)


# --- territory plans -------------------------------------------------------------------------


def test_territory_plan_takes_the_cses_clients_targets_and_pipeline(seeded: Session) -> None:
    tracey = user_by_email(seeded, "tracey.bland@example.com")
    created = territory_plan(seeded, tracey)

    plan = fill_from_portfolio(seeded, created.id, actor_of(tracey), TODAY)

    clients = seeded.scalars(select(Client).where(Client.cse_id == tracey.id)).all()
    assert len(clients) > 1
    portfolio = plan.sections["portfolio"]
    assert sorted(c["client_id"] for c in portfolio) == sorted(str(c.id) for c in clients)

    snapshot = plan.sections["snapshot"]
    assert snapshot["client_count"] == len(clients)
    assert amount(snapshot["arr"]) == sum((c.arr for c in clients), Decimal(0))
    scores = [c.health_score for c in clients if c.health_score is not None]
    assert snapshot["health_distribution"] == {
        "healthy": sum(s >= 70 for s in scores),
        "at_risk": sum(50 <= s < 70 for s in scores),
        "critical": sum(s < 50 for s in scores),
        "unknown": len(clients) - len(scores),
    }

    rows = seeded.scalars(
        select(CseCamTarget)
        .where(CseCamTarget.user_id == tracey.id, CseCamTarget.fiscal_year == FISCAL_YEAR)
        .order_by(CseCamTarget.quarter)
    ).all()
    assert len(rows) == 4
    targets = plan.sections["targets"]
    assert [q["quarter"] for q in targets["quarters"]] == [1, 2, 3, 4]
    for quarter, row in zip(targets["quarters"], rows, strict=True):
        assert quarter["quarter"] == row.quarter
        for measure in ("weighted_acv", "total_acv", "tcv"):
            assert amount(quarter[f"{measure}_target"]) == getattr(row, f"{measure}_target")
            assert amount(quarter[f"{measure}_actual"]) == getattr(row, f"{measure}_actual")

    deals = open_deals(seeded, owner_id=tracey.id)
    pipeline = sum((opp.weighted_acv for opp, _ in deals), Decimal(0))
    assert amount(targets["pipeline_weighted_acv"]) == pipeline
    remaining = sum((r.weighted_acv_target for r in rows), Decimal(0)) - sum(
        (r.weighted_acv_actual for r in rows), Decimal(0)
    )
    if remaining > 0:
        expected = (pipeline / remaining).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert targets["coverage"] is not None
        assert amount(targets["coverage"]) == expected
    else:
        assert targets["coverage"] is None

    opportunities = plan.sections["opportunities"]
    assert 0 < len(opportunities) <= 15
    assert len(opportunities) == min(15, len(deals))
    weighted = [amount(o["weighted_acv"]) for o in opportunities]
    assert weighted == sorted(weighted, reverse=True)
    # The biggest deals are the ones kept: nothing left out outweighs what is in.
    by_id = {str(opp.id): opp for opp, _ in deals}
    kept = {o["opportunity_id"] for o in opportunities}
    assert kept <= set(by_id)
    left_out = [opp.weighted_acv for opp_id, opp in by_id.items() if opp_id not in kept]
    assert all(w <= min(weighted) for w in left_out)

    assert plan.steps_completed is not None
    assert plan.steps_completed["portfolio"] is True
    assert Counter(updated_sections(seeded, plan.id)) == Counter(DATA_SECTIONS)


def test_filling_twice_from_unchanged_data_writes_nothing(seeded: Session) -> None:
    tracey = user_by_email(seeded, "tracey.bland@example.com")
    created = territory_plan(seeded, tracey)
    first = fill_from_portfolio(seeded, created.id, actor_of(tracey), TODAY)
    entries = activity_count(seeded, created.id)

    second = fill_from_portfolio(seeded, created.id, actor_of(tracey), TODAY)

    assert first.version > created.version
    assert second.version == first.version
    assert second.sections == first.sections
    assert activity_count(seeded, created.id) == entries


def test_territory_plan_without_owner_user_cannot_be_filled(seeded: Session) -> None:
    created = territory_plan(seeded, None)
    assert created.owner_id is None

    with pytest.raises(ValidationError, match="no owner user"):
        fill_from_portfolio(seeded, created.id, Actor(name="Tracey Bland"), TODAY)

    assert PlanService(seeded).get_plan(created.id).version == created.version
