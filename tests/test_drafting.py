"""Drafting a whole plan from data: sections, risks, actions and the cited summary."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent.narrative import facts_prompt, narrative_facts
from core.budget import count_tokens
from core.errors import NotFoundError, ValidationError
from core.identity import Person
from core.models import (
    MEDDPICC_DIMENSIONS,
    OPEN_STAGES,
    Client,
    ClientHealthHistory,
    Meeting,
    PipelineOpportunity,
    User,
)
from ingest.demo_meetings import demo_transcripts
from ingest.demo_seed import seed_demo
from ingest.simulated_portfolio import simulate_portfolio
from ingest.transcripts.formats import parse_transcript
from ingest.transcripts.service import TranscriptIngestor
from planning.drafting import (
    OFFLINE_LABEL,
    DraftData,
    DraftRequest,
    draft_sections,
    gather,
    offline_summary,
)
from planning.sections import SECTIONS, validate_section
from risk.assessment import assess
from tests.factories import make_client

TODAY = date(2026, 11, 20)
FISCAL_YEAR = 2026
MONEY = re.compile(r"\$([\d,]+)")
HEALTH = re.compile(r"\bhealth (\d+)", re.IGNORECASE)
NPS = re.compile(r"\bNPS (-?\d+)")


def person(session: Session, email: str) -> Person:
    return Person.of(session.scalars(select(User).where(User.email == email)).one())


def client_named(session: Session, name: str) -> Client:
    return session.scalars(select(Client).where(Client.name == name)).one()


def dollars(value: Any) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def account_request(session: Session, client: str, emphasis: str = "CAM") -> DraftRequest:
    return DraftRequest(
        plan_type="account",
        fiscal_year=FISCAL_YEAR,
        owner=person(session, "anu.pradhan@example.com"),
        emphasis="CAM" if emphasis == "CAM" else "CSE",
        client_id=client_named(session, client).id,
    )


def tracey_request(session: Session) -> DraftRequest:
    return DraftRequest(
        plan_type="territory",
        fiscal_year=FISCAL_YEAR,
        owner=person(session, "tracey.bland@example.com"),
        emphasis="CSE",
        territory="VIC + NZ",
    )


def paragraphs(summary: str) -> list[str]:
    return summary.split("\n\n")


def risks_block(summary: str) -> str:
    return next(p for p in paragraphs(summary) if p.startswith("Risks"))


@pytest.fixture
def seeded(session: Session) -> Session:
    """The demo portfolio anchored at :data:`TODAY`, rolled back after the test."""
    seed_demo(session, today=TODAY)
    return session


@pytest.fixture
def with_barwon_meetings(seeded: Session, ingestor: TranscriptIngestor) -> Session:
    """The demo plus Barwon Health's two transcripts (meetings and stakeholders)."""
    for demo in demo_transcripts(TODAY):
        if demo.client == "Barwon Health":
            parsed = parse_transcript(demo.data, filename=demo.name)
            ingestor.ingest(
                seeded, parsed, client=demo.client, held_on=demo.held_on, source_name=demo.name
            )
    return seeded


def assert_valid(sections: dict[str, Any]) -> None:
    assert set(sections) == set(SECTIONS)
    for name in SECTIONS:
        assert validate_section(name, sections[name]) == sections[name], name


def assert_risks_covered(data: DraftData, sections: dict[str, Any]) -> None:
    """Every high or critical client has a risk item and an action with an owner and a date."""
    risks = {r["client_name"]: r for r in sections["risks"]}
    for risk in data.risks:
        if not risk.high:
            continue
        item = risks[risk.client_name]
        assert item["severity"] == risk.band
        assert item["mitigation"] == risk.action
        assert item["owner"]
        assert re.search(r"\[S\d+\]$", item["source"])
        actions = [a for a in sections["actions"] if a["risk_id"] == item["id"]]
        assert len(actions) == 1
        assert actions[0]["owner"] == item["owner"]
        assert actions[0]["due_date"] == (TODAY + timedelta(days=14)).isoformat()
        assert actions[0]["priority"] == "high"


# --- account plans ---------------------------------------------------------------------------


def test_account_plan_for_a_cam_is_drafted_from_the_clients_data(
    with_barwon_meetings: Session,
) -> None:
    session = with_barwon_meetings
    client = client_named(session, "Barwon Health")
    data = gather(session, account_request(session, "Barwon Health"), TODAY)

    sections = draft_sections(data)

    assert_valid(sections)
    snapshot = sections["snapshot"]
    assert Decimal(str(snapshot["arr"])) == client.arr
    assert snapshot["health_score"] == client.health_score
    assert snapshot["nps"] == client.nps
    people = {p["name"]: p for p in sections["stakeholders"]}
    assert people["Rachel Bowen"]["role"] == "champion"  # detected in the transcripts
    assert_risks_covered(data, sections)

    summary = sections["value"]["executive_summary"]
    assert summary.splitlines()[0] == OFFLINE_LABEL
    first = paragraphs(summary)[1]
    assert "NPS" in first
    assert first.index("health") < first.find("Pipeline") or "Pipeline" not in first
    sources = summary.splitlines()[-1]
    assert sources.startswith("Sources: ")
    for source in data.sources:
        assert f"[{source.id}] {source.label}" in sources
    assert {s.kind for s in data.sources} >= {"client_record", "pipeline", "meetings"}

    # Every figure is the database's: ARR, pipeline and deal values, health, NPS, meetings.
    deals = session.scalars(
        select(PipelineOpportunity).where(
            PipelineOpportunity.client_id == client.id, PipelineOpportunity.stage.in_(OPEN_STAGES)
        )
    ).all()
    amounts = {dollars(client.arr), dollars(sum(d.weighted_acv for d in deals))}
    amounts |= {dollars(d.weighted_acv) for d in deals}
    found = {int(m.replace(",", "")) for m in MONEY.findall(summary)}
    assert dollars(client.arr) in found
    assert found <= amounts
    assert {int(h) for h in HEALTH.findall(summary)} == {client.health_score}
    assert {int(n) for n in NPS.findall(summary)} == {client.nps}
    then = session.scalars(
        select(ClientHealthHistory)
        .where(
            ClientHealthHistory.client_id == client.id,
            ClientHealthHistory.recorded_on <= TODAY - timedelta(days=90),
        )
        .order_by(ClientHealthHistory.recorded_on.desc())
        .limit(1)
    ).one()
    assert f"on {then.recorded_on} health was {then.health_score} and NPS was {then.nps}" in summary
    recent = session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.client_id == client.id, Meeting.held_on >= TODAY - timedelta(days=90))
    )
    assert recent
    assert re.search(rf"Engagement: {recent} meetings? in the last 90 days", summary)

    # Drafting again from freshly gathered data gives the same sections, stakeholder ids too.
    again = gather(session, account_request(session, "Barwon Health"), TODAY)
    assert draft_sections(again) == sections


def test_account_plan_keeps_the_plans_own_stakeholders(with_barwon_meetings: Session) -> None:
    session = with_barwon_meetings
    current = [{"id": "mine", "name": "Dr Rachel Bowen", "role": "other", "notes": "Met at HIC"}]

    data = gather(session, account_request(session, "Barwon Health"), TODAY, current)

    mine = [p for p in data.stakeholders if p["id"] == "mine"]
    assert len(mine) == 1
    assert mine[0]["role"] == "champion" and mine[0]["notes"] == "Met at HIC"
    assert "Rachel Bowen" not in {p["name"] for p in data.stakeholders}


def test_critical_account_gets_a_risk_and_an_action_for_its_cam(seeded: Session) -> None:
    client = client_named(seeded, "Western Health")
    cam = seeded.get(User, client.cam_id)
    assert cam is not None
    data = gather(seeded, account_request(seeded, "Western Health"), TODAY)

    sections = draft_sections(data)

    assert_valid(sections)
    assert data.risks[0].band == "critical"
    assert_risks_covered(data, sections)
    (risk,) = sections["risks"]
    assert risk["owner"] == cam.name
    assert risk["id"] == f"risk-{client.id.hex[:12]}"
    description = "; ".join(r["text"] for r in data.risks[0].raising[:3])
    assert risk["description"].startswith(description)
    summary = sections["value"]["executive_summary"]
    assert "Western Health: critical churn risk" in risks_block(summary)
    assert f"{cam.name} by {TODAY + timedelta(days=14)}" in summary


def test_a_cam_account_plan_gives_each_deals_meddpicc_gaps_to_the_deals_owner(
    seeded: Session,
) -> None:
    data = gather(seeded, account_request(seeded, "Barwon Health"), TODAY)

    sections = draft_sections(data)

    deal_actions = [a for a in sections["actions"] if a["id"].startswith("action-deal-")]
    assert deal_actions, "Barwon Health has open deals to coach"
    for action in deal_actions:
        item = next(o for o in sections["opportunities"] if action["id"].endswith(o["id"]))
        deal = seeded.get(PipelineOpportunity, uuid.UUID(item["opportunity_id"]))
        assert deal is not None and deal.owner_id is not None
        owner = seeded.get(User, deal.owner_id)
        assert owner is not None and owner.role == "CSE"
        assert action["owner"] == owner.name != data.request.owner.name  # not the CAM's


def test_an_account_that_cannot_be_scored_is_not_called_safe(seeded: Session) -> None:
    client = make_client(seeded, "Newly Signed Health")
    client.health_score = client.nps = None  # nothing to score it on yet
    client.cam_id = person(seeded, "anu.pradhan@example.com").id
    seeded.flush()

    summary = draft_sections(gather(seeded, account_request(seeded, client.name), TODAY))["value"][
        "executive_summary"
    ]

    risks = next(p for p in paragraphs(summary) if p.startswith("Risks:"))
    assert risks.startswith("Risks: Newly Signed Health has no churn-risk score (not enough data")
    assert "no recent health score or NPS" in risks
    assert "no client is in the high or critical band" not in summary


# --- territory plans -------------------------------------------------------------------------


def test_territory_plan_for_a_cse_leads_with_pipeline_and_names_every_risky_client(
    seeded: Session,
) -> None:
    request = tracey_request(seeded)
    data = gather(seeded, request, TODAY)

    sections = draft_sections(data)

    assert_valid(sections)
    clients = seeded.scalars(select(Client).where(Client.cse_id == request.owner.id)).all()
    assert {c.id for c in data.clients} == {c.id for c in clients}
    summary = sections["value"]["executive_summary"]
    first = paragraphs(summary)[1].splitlines()
    assert first[1].startswith("Pipeline:")
    assert first[2].startswith("Targets FY2026:")
    coverage = sections["targets"]["coverage"]
    assert coverage is not None
    assert f"pipeline covers {Decimal(str(coverage)):.2f}x" in first[2]
    assert "health" not in "\n".join(first[:3])

    risky = [r for r in assess(seeded, clients, TODAY) if r.high]
    assert risky, "the demo gives Tracey Bland a high-risk client"
    named = {r["client_name"] for r in sections["risks"]}
    for risk in risky:
        assert risk.client_name in named
        assert risk.client_name in risks_block(summary)
    assert_risks_covered(data, sections)

    # Focus deals are coached on their two weakest MEDDPICC dimensions, with their scores.
    coached = [o for o in sections["opportunities"] if o["next_step"]]
    assert coached and all(o["focus_deal"] for o in coached)
    labels = {d.replace("_", " ").capitalize(): d for d in MEDDPICC_DIMENSIONS}
    for deal in coached:
        assert deal["next_step"].startswith(f"MEDDPICC {deal['meddpicc_total']}/40")
        named_gaps = re.findall(r"([A-Z][a-z]+(?: [a-z]+)?) (\d)/5", deal["next_step"])
        assert len(named_gaps) == 2
        scores = deal["meddpicc"]
        assert sorted(int(s) for _, s in named_gaps) == sorted(scores.values())[:2]
        assert all(scores[labels[label]] == int(s) for label, s in named_gaps)
        action = next(a for a in sections["actions"] if a["id"] == f"action-deal-{deal['id']}")
        assert action["owner"] == "Tracey Bland"
        assert action["due_date"] <= min(deal["close_date"], str(TODAY + timedelta(days=21)))


def test_drafting_twice_from_the_same_data_gives_the_same_sections(seeded: Session) -> None:
    data = gather(seeded, tracey_request(seeded), TODAY)

    first, second = draft_sections(data), draft_sections(data)

    assert first == second
    assert draft_sections(gather(seeded, tracey_request(seeded), TODAY)) == first


def test_a_models_narrative_becomes_the_executive_summary(seeded: Session) -> None:
    data = gather(seeded, tracey_request(seeded), TODAY)
    narrative = "Pipeline covers the target [S3]."

    sections = draft_sections(data, narrative)

    assert sections["value"]["executive_summary"] == narrative
    offline = draft_sections(data)["value"]["executive_summary"]
    assert offline.splitlines()[0] == OFFLINE_LABEL
    assert offline == offline_summary(data)


# --- large territories and the token budget --------------------------------------------------


def test_facts_for_a_100_client_territory_fit_the_budget_and_name_every_risky_client(
    session: Session,
) -> None:
    portfolio = simulate_portfolio(session, clients=100, today=TODAY, owners=1, prefix="Big")
    owner = Person.of(session.get_one(User, portfolio.owner_ids[0]))
    request = DraftRequest("territory", FISCAL_YEAR, owner, "CSE", territory="Big territory")

    data = gather(session, request, TODAY)
    sections = draft_sections(data)

    assert len(data.clients) == 100
    assert_valid(sections)
    risky = [r.client_name for r in data.risks if r.high]
    assert len(risky) >= 5
    assert {r["client_name"] for r in sections["risks"]} >= set(risky)
    records = narrative_facts(data)
    figures = [r.text for r in records if "$" in r.text or "risk (score" in r.text]
    assert figures and all(re.search(r"\[S\d+\]", text) for text in figures)
    for budget in (1500, 400):  # the second forces the roll-up of risky clients by band
        text, fitted = facts_prompt(data, budget)
        assert count_tokens(text) <= budget
        assert fitted.dropped > 0
        assert all(name in text for name in risky), budget


# --- bad requests ----------------------------------------------------------------------------


def test_bad_requests_are_refused(seeded: Session) -> None:
    anu = person(seeded, "anu.pradhan@example.com")
    with pytest.raises(ValidationError):
        gather(seeded, DraftRequest("account", FISCAL_YEAR, anu, "CAM"), TODAY)
    with pytest.raises(NotFoundError):
        unknown = DraftRequest("account", FISCAL_YEAR, anu, "CAM", client_id=uuid.uuid4())
        gather(seeded, unknown, TODAY)
    with pytest.raises(ValidationError):
        gather(seeded, DraftRequest("territory", FISCAL_YEAR, anu, "CSE"), TODAY)
