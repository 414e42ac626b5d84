"""Portfolio performance and gap analysis against figures computed by hand.

The portfolio (built below) has two regions, three territories, three CSEs, two CAMs and eight
clients. Dev (CSE) has 3 clients, 2 in Beta and 1 in Gamma; Noah (CAM) has 5, 2 in Beta and 3
in Gamma; so Beta counts 2/3 of Dev's targets and 2/5 of Noah's. Weighted-ACV targets per
quarter: Cara 100,000, Dev 300,000, Eve 150,000, Mia 50,000, Noah 90,000.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from agent.context import ModelSettings
from agent.gap_wording import numbers_from, word_gap_analysis
from core.database import transaction
from core.errors import NotFoundError, PermissionDeniedError
from core.identity import Person
from core.models import (
    MEDDPICC_DIMENSIONS,
    Client,
    ConversationReadiness,
    CseCamTarget,
    MeddpiccScore,
    PipelineOpportunity,
    User,
)
from planning.gap_analysis import gap_analysis, gap_facts
from planning.performance import performance, rollup
from planning.performance_records import Performance
from planning.portfolio_views import targets
from tests.agent_harness import seed
from tests.openai_stub import OpenAIStub, running_stub, text_reply

TODAY = date(2026, 11, 20)
FY = 2026
D = Decimal


@dataclass(frozen=True)
class Portfolio:
    """The test portfolio's people (by first name) and client ids (by name)."""

    people: dict[str, Person]
    clients: dict[str, uuid.UUID]
    deals: dict[str, uuid.UUID]


PEOPLE = {
    # first name: role, region, territory label
    "cara": ("CSE", "North", "Alpha"),
    "dev": ("CSE", "South", "Beta + Gamma"),
    "eve": ("CSE", "South", "Gamma"),
    "mia": ("CAM", "North", None),
    "noah": ("CAM", "South", None),
    "max": ("manager", "South", None),
    "ada": ("admin", None, None),
}
CLIENTS = {
    # name: territory, region, segment, CSE, CAM, ARR, health, NPS, renewal
    "A1": ("Alpha", "North", "Enterprise", "cara", "mia", 1_000_000, 80, 30, date(2027, 5, 1)),
    "A2": ("Alpha", "North", "Growth", "cara", "mia", 500_000, 60, 10, date(2027, 6, 1)),
    "B1": ("Beta", "South", "Enterprise", "dev", "noah", 2_000_000, 45, -20, date(2026, 12, 15)),
    "B2": ("Beta", "South", "Growth", "dev", "noah", 300_000, 75, 40, date(2026, 12, 1)),
    "G1": ("Gamma", "South", "Enterprise", "dev", "noah", 800_000, 72, 25, date(2027, 3, 1)),
    "G2": ("Gamma", "South", "Growth", "eve", "noah", 400_000, None, None, None),
    "G3": ("Gamma", "South", "Enterprise", "eve", "noah", 600_000, 55, 5, date(2027, 8, 1)),
    "G4": ("Gamma", "South", "Growth", "eve", None, 100_000, 90, 50, date(2027, 9, 1)),
}
# weighted-ACV (target, actual) per quarter
TARGETS = {
    "cara": [(100_000, 90_000), (100_000, 100_000), (100_000, 110_000), (100_000, 0)],
    "dev": [(300_000, 300_000), (300_000, 200_000), (300_000, 250_000), (300_000, 50_000)],
    "eve": [(150_000, 150_000), (150_000, 150_000), (150_000, 150_000), (150_000, 0)],
    "mia": [(50_000, 50_000), (50_000, 50_000), (50_000, 50_000), (50_000, 60_000)],
    "noah": [(90_000, 60_000), (90_000, 60_000), (90_000, 60_000), (90_000, 60_000)],
}
WEAK = (1, 1, 2, 2, 1, 3, 0, 2)  # 12/40: grade E, champion weakest
GOOD = (5, 2, 4, 4, 3, 5, 2, 4)  # 29/40: grade B, economic buyer and champion weakest
DEALS = {
    # name: client, owner, stage, probability, ACV, focus, BURC, fiscal year, MEDDPICC
    "o1": ("A1", "cara", "propose", 60, 200_000, True, True, FY, GOOD),
    "o2": ("A2", "cara", "qualify", 20, 50_000, False, False, FY, None),
    "o3": ("B1", "dev", "negotiate", 80, 500_000, True, True, FY, WEAK),
    "o4": ("G1", "dev", "develop", 40, 100_000, False, True, FY, None),
    "o5": ("G2", "eve", "propose", 50, 300_000, True, False, FY, None),
    "o6": ("B2", "dev", "closed_won", 100, 999_999, True, True, FY, None),  # not open
    "o7": ("G3", "eve", "prospect", 10, 80_000, True, True, FY + 1, None),  # next year
    "o8": ("A1", "cara", "closed_lost", 0, 70_000, False, False, FY, None),  # not open
}
MEETINGS = {
    # title: client, owner, at (UTC), scores, checklist
    "r1": ("A1", "cara", datetime(2026, 11, 25, 10, tzinfo=UTC), (5, 4, 4, 4, 4), [True] * 3),
    "r2": ("A2", "mia", datetime(2026, 12, 1, 9, tzinfo=UTC), (3, 3, 3, 3, 3), [True] * 6),
    "r3": ("B1", "dev", datetime(2026, 12, 5, 9, tzinfo=UTC), (4, 4, 4, 4, 4), [True, False]),
    "r4": ("G1", "dev", datetime(2026, 12, 20, 23, tzinfo=UTC), (5, 5, 5, 5, 5), [True]),
    "r5": ("G2", "eve", datetime(2026, 12, 21, 0, tzinfo=UTC), (5, 5, 5, 5, 5), [True]),  # late
    "r6": ("B2", "dev", datetime(2026, 11, 19, 9, tzinfo=UTC), (5, 5, 5, 5, 5), [True]),  # past
}


def _build(session: Session) -> Portfolio:
    users = {}
    for first, (role, region, territory) in PEOPLE.items():
        users[first] = User(
            name=first.capitalize(),
            email=f"{first}@example.org",
            role=role,
            region=region,
            territory=territory,
        )
    session.add_all(users.values())
    session.flush()
    clients = {}
    for name, (terr, region, segment, cse, cam, arr, health, nps, renews) in CLIENTS.items():
        clients[name] = Client(
            name=name,
            territory=terr,
            region=region,
            segment=segment,
            cse_id=users[cse].id,
            cam_id=users[cam].id if cam else None,
            arr=D(arr),
            health_score=health,
            nps=nps,
            renewal_date=renews,
        )
    session.add_all(clients.values())
    for first, quarters in TARGETS.items():
        for quarter, (target, actual) in enumerate(quarters, start=1):
            session.add(
                CseCamTarget(
                    user_id=users[first].id,
                    fiscal_year=FY,
                    quarter=quarter,
                    weighted_acv_target=D(target),
                    weighted_acv_actual=D(actual),
                    acv_net_cogs_target=D(target - 10_000),
                    acv_net_cogs_actual=D(actual),
                    total_acv_target=D(2 * target),
                    total_acv_actual=D(2 * actual),
                    tcv_target=D(3 * target),
                    tcv_actual=D(3 * actual),
                )
            )
    session.flush()
    deals = {}
    for name, (client, owner, stage, prob, acv, focus, burc, year, _) in DEALS.items():
        deals[name] = PipelineOpportunity(
            name=name, client_id=clients[client].id, owner_id=users[owner].id, stage=stage,
            probability=D(prob), acv=D(acv), tcv=D(3 * acv), fiscal_year=year, quarter=4,
            close_date=date(year, 12, 10), focus_deal=focus, burc_match=burc,
        )  # fmt: skip
    session.add_all(deals.values())
    session.flush()
    for name, (*_, scores) in DEALS.items():
        if scores:
            dims = dict(zip(MEDDPICC_DIMENSIONS, scores, strict=True))
            session.add(MeddpiccScore(opportunity_id=deals[name].id, **dims))
    for title, (client, owner, at, marks, checks) in MEETINGS.items():
        session.add(
            ConversationReadiness(
                client_id=clients[client].id,
                owner_id=users[owner].id,
                meeting_title=title,
                meeting_at=at,
                value_wedge=marks[0],
                power_position=marks[1],
                pain_articulation=marks[2],
                proof_points=marks[3],
                old_brain=marks[4],
                checklist={f"item{i}": done for i, done in enumerate(checks)},
            )
        )
    session.flush()
    return Portfolio(
        people={first: Person.of(user) for first, user in users.items()},
        clients={name: c.id for name, c in clients.items()},
        deals={name: d.id for name, d in deals.items()},
    )


@pytest.fixture
def world(committed_factory: sessionmaker[Session]) -> Portfolio:
    with transaction(committed_factory) as session:
        return _build(session)


@pytest.fixture
def db(committed_factory: sessionmaker[Session]) -> Iterator[Session]:
    with committed_factory() as session:
        yield session


def perf(db: Session, who: Person, level: Any, key: str) -> Performance:
    return performance(db, who, level, key, FY, TODAY)


def weighted(p: Performance) -> tuple[Decimal, Decimal, Decimal]:
    assert p.targets is not None
    m = p.targets.year.weighted_acv
    return m.target, m.actual, m.gap


# --- targets ---------------------------------------------------------------------------------


def test_an_owners_targets_are_their_own_per_quarter_and_year(
    world: Portfolio, db: Session
) -> None:
    dev = perf(db, world.people["ada"], "owner", "dev@example.org")

    assert dev.label == "Dev (CSE)" and dev.key == "dev@example.org"
    assert dev.targets is not None
    q = {t.quarter: t for t in dev.targets.quarters}
    assert (q[2].weighted_acv.target, q[2].weighted_acv.actual) == (D(300_000), D(200_000))
    assert q[2].weighted_acv.gap == D(100_000)
    assert q[4].tcv.gap == D(750_000) and q[1].acv_net_cogs.target == D(290_000)
    assert weighted(dev) == (D(1_200_000), D(800_000), D(400_000))
    year = dev.targets.year
    assert (year.total_acv.target, year.total_acv.actual) == (D(2_400_000), D(1_600_000))
    assert (year.acv_net_cogs.target, year.tcv.actual) == (D(1_160_000), D(2_400_000))
    assert [(c.email, c.share) for c in dev.people] == [("dev@example.org", D("1.0000"))]


def test_a_region_sums_its_people_once_each(world: Portfolio, db: Session) -> None:
    south = perf(db, world.people["ada"], "region", "South")
    north = perf(db, world.people["ada"], "region", "North")

    assert weighted(south) == (D(2_160_000), D(1_490_000), D(670_000))
    assert weighted(north) == (D(600_000), D(510_000), D(90_000))
    assert {c.email for c in south.people} == {
        "dev@example.org",
        "eve@example.org",
        "noah@example.org",
    }
    assert all(c.share == 1 for c in south.people)


def test_a_territory_apportions_targets_by_the_share_of_clients(
    world: Portfolio, db: Session
) -> None:
    beta = perf(db, world.people["ada"], "territory", "Beta")
    gamma = perf(db, world.people["ada"], "territory", "Gamma")

    # Dev 2/3 and Noah 2/5 in Beta; Dev 1/3, Eve 3/3, Noah 3/5 in Gamma.
    assert {c.email: (c.clients_in_unit, c.clients_total, c.share) for c in beta.people} == {
        "dev@example.org": (2, 3, D("0.6667")),
        "noah@example.org": (2, 5, D("0.4000")),
    }
    assert beta.targets is not None
    q2 = beta.targets.quarters[1].weighted_acv
    assert (q2.target, q2.actual) == (
        D(236_000),
        D("157333.33"),
    )  # 200,000 + 36,000; 133,333.33 + 24,000
    assert weighted(beta) == (D(944_000), D("629333.33"), D("314666.67"))
    assert weighted(gamma) == (D(1_216_000), D("860666.67"), D("355333.33"))
    # The territories of a region add up to it.
    assert weighted(beta)[1] + weighted(gamma)[1] == D(1_490_000)


def test_business_units_split_people_across_segments(world: Portfolio, db: Session) -> None:
    admin = world.people["ada"]
    enterprise = perf(db, admin, "business_unit", "Enterprise")
    growth = perf(db, admin, "business_unit", "Growth")

    # Cara 1/2, Mia 1/2, Dev 2/3, Noah 3/5, Eve 1/3 of 400k, 200k, 1.2M, 360k, 600k
    assert weighted(enterprise)[0] == D(1_516_000)
    assert weighted(growth)[0] == D(1_244_000)
    assert [c.key for c in enterprise.children] == [
        "cara@example.org", "dev@example.org", "eve@example.org", "mia@example.org",
        "noah@example.org",
    ]  # fmt: skip


# --- pipeline, coverage, BURC, health -----------------------------------------------------------


def test_pipeline_counts_open_deals_of_the_year_with_coverage_and_burc_by_value(
    world: Portfolio, db: Session
) -> None:
    admin = world.people["ada"]
    south = perf(db, admin, "region", "South")
    north = perf(db, admin, "region", "North")
    gamma = perf(db, admin, "territory", "Gamma")

    assert (south.pipeline, south.pipeline_acv, south.open_deals) == (D(590_000), D(900_000), 3)
    assert south.remaining_weighted_acv == D(670_000) and south.coverage == D("0.88")
    assert south.burc_aligned_pct == D("74.6")  # (400,000 + 40,000) / 590,000
    assert (north.pipeline, north.coverage, north.burc_aligned_pct) == (
        D(130_000), D("1.44"), D("92.3"),
    )  # fmt: skip
    assert (gamma.pipeline, gamma.burc_aligned_pct, gamma.coverage) == (
        D(190_000), D("21.1"), D("0.53"),
    )  # fmt: skip


def test_owner_coverage_and_a_target_met(world: Portfolio, db: Session) -> None:
    admin = world.people["ada"]
    by_key = {p.key: p for p in rollup(db, admin, "owner", FY, TODAY)}

    assert list(by_key) == [
        "cara@example.org", "dev@example.org", "eve@example.org", "mia@example.org",
        "noah@example.org",
    ]  # fmt: skip
    assert (by_key["dev@example.org"].pipeline, by_key["dev@example.org"].coverage) == (
        D(440_000), D("1.10"),
    )  # fmt: skip
    assert by_key["cara@example.org"].coverage == D("1.30")
    mia = by_key["mia@example.org"]
    assert mia.remaining_weighted_acv == 0 and mia.coverage is None  # 210,000 of 200,000
    noah = by_key["noah@example.org"]
    assert (noah.pipeline, noah.coverage) == (D(0), D("0.00"))


def test_health_distribution_and_arr(world: Portfolio, db: Session) -> None:
    south = perf(db, world.people["ada"], "region", "South")

    assert south.portfolio.clients == 6 and south.portfolio.arr == D(4_200_000)
    health = south.portfolio.health
    assert (health.healthy, health.at_risk, health.critical, health.unknown) == (3, 1, 1, 1)


# --- focus deals and readiness ---------------------------------------------------------------


def test_focus_deals_carry_their_meddpicc_grade_and_weakest_dimensions(
    world: Portfolio, db: Session
) -> None:
    south = perf(db, world.people["ada"], "region", "South")
    north = perf(db, world.people["ada"], "region", "North")

    assert [(d.name, d.weighted_acv, d.meddpicc_total, d.grade) for d in south.focus_deals] == [
        ("o3", D(400_000), 12, "E"),
        ("o5", D(150_000), None, None),
    ]
    assert [(w.dimension, w.score) for w in south.focus_deals[0].weakest] == [("champion", 0)]
    assert south.focus_deals[1].weakest == []
    [o1] = north.focus_deals
    assert (o1.grade, o1.client, o1.owner, o1.stage) == ("B", "A1", "Cara", "propose")
    assert [w.dimension for w in o1.weakest] == ["economic_buyer", "champion"]


def test_readiness_counts_the_next_thirty_days(world: Portfolio, db: Session) -> None:
    admin = world.people["ada"]
    south = perf(db, admin, "region", "South").readiness
    north = perf(db, admin, "region", "North").readiness
    cara = perf(db, admin, "owner", "cara@example.org").readiness

    # r4 on the 30th day counts; r5 the day after and r6 yesterday do not.
    assert (south.meetings, south.ready, south.average) == (2, 1, D("4.50"))
    assert [m.title for m in south.least_ready] == ["r3", "r4"]
    assert (south.least_ready[0].checklist_done, south.least_ready[0].checklist_items) == (1, 2)
    assert not south.least_ready[0].ready  # 4.00 but the checklist is not done
    assert (north.meetings, north.ready, north.average) == (2, 1, D("3.60"))
    assert [m.title for m in north.least_ready] == ["r2", "r1"]  # r2: checklist done, 3.00
    assert (cara.meetings, cara.ready, cara.average) == (1, 1, D("4.20"))


# --- drill-down ------------------------------------------------------------------------------


def test_drill_down_from_region_to_territory_to_owner_to_client(
    world: Portfolio, db: Session
) -> None:
    admin = world.people["ada"]
    south = perf(db, admin, "region", "South")

    assert [(c.level, c.key) for c in south.children] == [
        ("territory", "Beta"), ("territory", "Gamma"),
    ]  # fmt: skip
    beta = south.children[0]
    assert beta.weighted_acv is not None
    assert (beta.weighted_acv.target, beta.weighted_acv.gap) == (D(944_000), D("314666.67"))
    assert (beta.pipeline, beta.coverage, beta.clients, beta.clients_at_risk) == (
        D(400_000), D("1.27"), 2, 1,
    )  # fmt: skip

    gamma = perf(db, admin, "territory", south.children[1].key)
    rows = {c.label: c for c in gamma.children}
    assert list(rows) == ["Dev (CSE)", "Eve (CSE)", "Noah (CAM)"]
    dev = rows["Dev (CSE)"]
    assert dev.weighted_acv is not None
    assert (dev.weighted_acv.target, dev.weighted_acv.actual) == (D(400_000), D("266666.67"))
    assert (dev.pipeline, dev.clients) == (D(40_000), 1)
    noah = rows["Noah (CAM)"]
    assert noah.weighted_acv is not None and noah.weighted_acv.target == D(216_000)
    assert (noah.clients, noah.clients_at_risk, noah.coverage) == (3, 1, D("0.00"))

    cara = perf(db, admin, "owner", "cara@example.org")
    assert [(c.level, c.label, c.pipeline, c.weighted_acv) for c in cara.children] == [
        ("client", "A1", D(120_000), None),
        ("client", "A2", D(10_000), None),
    ]
    a1 = perf(db, admin, "client", cara.children[0].key)
    assert (a1.label, a1.targets, a1.coverage, a1.children) == ("A1", None, None, [])
    assert (a1.pipeline, a1.readiness.meetings, a1.portfolio.health.healthy) == (D(120_000), 1, 1)
    assert perf(db, admin, "client", "A1").key == str(world.clients["A1"])  # by name too


def test_unknown_keys_are_not_found(world: Portfolio, db: Session) -> None:
    admin = world.people["ada"]
    for level, key in (
        ("region", "Atlantis"), ("territory", "Omega"), ("business_unit", "Public"),
        ("owner", "nobody@example.org"), ("owner", "max@example.org"), ("client", "Z9"),
    ):  # fmt: skip
        with pytest.raises(NotFoundError):
            perf(db, admin, level, key)


# --- visibility ------------------------------------------------------------------------------


def test_a_cse_sees_themself_and_their_clients_only(world: Portfolio, db: Session) -> None:
    eve = world.people["eve"]

    with pytest.raises(PermissionDeniedError):
        perf(db, eve, "region", "North")  # another region
    with pytest.raises(PermissionDeniedError):
        perf(db, eve, "territory", "Gamma")  # counts Dev's and Noah's targets
    with pytest.raises(PermissionDeniedError):
        perf(db, eve, "owner", "dev@example.org")
    with pytest.raises(PermissionDeniedError):
        perf(db, eve, "client", "B1")
    assert perf(db, eve, "client", "G1").label == "G1"  # in her territory
    assert [p.key for p in rollup(db, eve, "owner", FY, TODAY)] == ["eve@example.org"]
    assert rollup(db, eve, "region", FY, TODAY) == []


def test_a_manager_sees_their_region_and_its_people(world: Portfolio, db: Session) -> None:
    max_ = world.people["max"]

    assert [p.key for p in rollup(db, max_, "region", FY, TODAY)] == ["South"]
    assert [p.key for p in rollup(db, max_, "territory", FY, TODAY)] == ["Beta", "Gamma"]
    assert [p.key for p in rollup(db, max_, "owner", FY, TODAY)] == [
        "dev@example.org", "eve@example.org", "noah@example.org",
    ]  # fmt: skip
    assert rollup(db, max_, "business_unit", FY, TODAY) == []  # segments span both regions
    with pytest.raises(PermissionDeniedError):
        perf(db, max_, "region", "North")
    with pytest.raises(PermissionDeniedError):
        perf(db, max_, "owner", "cara@example.org")
    assert len(rollup(db, max_, "client", FY, TODAY)) == 6


def test_a_cam_sees_their_own_figures(world: Portfolio, db: Session) -> None:
    mia = world.people["mia"]

    assert [c.label for c in perf(db, mia, "owner", "mia@example.org").children] == ["A1", "A2"]
    with pytest.raises(PermissionDeniedError):
        perf(db, mia, "region", "North")  # counts Cara's targets


# --- gap analysis ----------------------------------------------------------------------------


def test_gap_analysis_ranks_renewals_and_focus_deals_by_value(
    world: Portfolio, db: Session
) -> None:
    dev = world.people["dev"]
    gap = gap_analysis(db, dev, None, FY, TODAY)

    assert (gap.weighted_acv.target, gap.remaining, gap.shortfall) == (
        D(1_200_000), D(400_000), D(0),
    )  # fmt: skip
    assert [(q.quarter, q.gap) for q in gap.quarters] == [(4, D(250_000))]
    assert [(r.kind, r.expected_value) for r in gap.recommendations] == [
        ("save_renewal", D(2_000_000)),  # B1: critical health, renews 2026-12-15
        ("strengthen_meddpicc", D(400_000)),  # o3: grade E
    ]
    renewal, deal = gap.recommendations
    assert [(e.source, e.id) for e in renewal.evidence] == [
        ("clients", str(world.clients["B1"])),
        ("churn_risk", str(world.clients["B1"])),
    ]
    assert renewal.figures["renewal_date"] == "2026-12-15"
    assert [(e.source, e.id) for e in deal.evidence] == [
        ("pipeline_opportunities", str(world.deals["o3"])),
        ("meddpicc_scores", str(world.deals["o3"])),
    ]
    assert "champion 0/5" in deal.title and deal.figures["grade"] == "E"
    assert gap.summary == (
        "Dev has $400,000 of the FY2026 weighted-ACV target of $1,200,000 still to close "
        "($800,000 closed). Open FY2026 pipeline: $440,000 weighted ($600,000 at full ACV, "
        "2 deals), coverage 1.10x. Top moves: 1. Save the B1 renewal due 2026-12-15 "
        "($2,000,000 ARR at stake) (worth $2,000,000); 2. Strengthen MEDDPICC on o3 (grade E): "
        "champion 0/5 (worth $400,000)."
    )


def test_gap_analysis_asks_for_pipeline_when_open_deals_cannot_close_the_gap(
    world: Portfolio, db: Session
) -> None:
    gap = gap_analysis(db, world.people["max"], "noah@example.org", FY, TODAY)

    assert (gap.remaining, gap.pipeline_acv, gap.shortfall) == (D(120_000), D(0), D(120_000))
    assert [r.kind for r in gap.recommendations] == ["save_renewal", "add_pipeline"]
    add = gap.recommendations[1]
    assert add.expected_value == D(120_000) and add.figures["shortfall"] == D(120_000)
    assert {e.source for e in add.evidence} == {"cse_cam_targets", "pipeline_opportunities"}
    assert "Even if every open deal closed, $120,000 would be missing" in gap.summary


def test_gap_analysis_advances_a_qualified_deal_and_respects_visibility(
    world: Portfolio, db: Session
) -> None:
    cara = gap_analysis(db, world.people["cara"], None, FY, TODAY)

    assert [r.kind for r in cara.recommendations] == ["advance_focus_deal"]
    assert cara.recommendations[0].title.startswith("Advance o1 (propose, 60%)")
    with pytest.raises(PermissionDeniedError):
        gap_analysis(db, world.people["cara"], "dev@example.org", FY, TODAY)
    with pytest.raises(NotFoundError):
        gap_analysis(db, world.people["ada"], "nobody@example.org", FY, TODAY)


# --- wording ---------------------------------------------------------------------------------


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with running_stub() as running:
        yield running


def test_the_model_words_the_summary_from_the_facts_only(
    world: Portfolio, db: Session, stub: OpenAIStub
) -> None:
    gap = gap_analysis(db, world.people["dev"], None, FY, TODAY)
    model = ModelSettings(base_url=stub.base_url, api_key="test", max_retries=0, offline=False)
    worded = "Dev needs $400,000 more in FY2026: save B1 ($2,000,000 ARR) first, then fix o3."
    stub.script.extend([text_reply(worded), text_reply("Close $999,999 by Friday.")])

    assert word_gap_analysis(gap, ModelSettings(offline=True)) == gap.summary
    assert word_gap_analysis(gap, model) == worded
    [request] = stub.chat_requests()
    prompt = request["messages"][0]["content"]
    assert all(line in prompt for line in gap_facts(gap))
    assert word_gap_analysis(gap, model) == gap.summary  # an invented number
    stub.fail(1, status=500)
    assert word_gap_analysis(gap, model) == gap.summary  # the service is down
    assert numbers_from("$1,200.50 and 3.0x") == {"1200.5", "3"}


# --- the demo portfolio ----------------------------------------------------------------------


def test_demo_figures_agree_with_the_targets_view_and_the_sql_views(
    committed_factory: sessionmaker[Session],
) -> None:
    seed(committed_factory)
    with committed_factory() as session:
        admin = Person.of(session.scalars(select(User).where(User.role == "admin")).one())
        owners = rollup(session, admin, "owner", FY, TODAY)
        summary = {
            row.user_id: row
            for row in session.execute(
                text("SELECT * FROM cse_performance_summary WHERE fiscal_year = :fy"), {"fy": FY}
            )
        }
        for owner in owners:
            view = targets(session, admin, owner.key, FY)
            assert owner.targets is not None and view.year is not None
            assert owner.targets.year == view.year
            row = summary[view.owner.id]
            assert owner.targets.year.weighted_acv.target == row.weighted_acv_target
            assert (owner.pipeline, owner.coverage) == (row.pipeline_weighted_acv, row.coverage)
        regions = rollup(session, admin, "region", FY, TODAY)
        for region in regions:
            assert region.targets is not None
            children = [c.weighted_acv for c in region.children if c.weighted_acv]
            assert sum(c.target for c in children) == region.targets.year.weighted_acv.target
        assert sum(weighted(r)[0] for r in regions) == sum(weighted(o)[0] for o in owners)
