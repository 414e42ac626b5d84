"""What a plan draft should say, read straight from the portfolio's tables.

The plan-draft evaluation compares every figure of a draft with these facts. They are read
here with queries of their own, never through the drafting code (``planning.draft_data``,
``planning.autofill``), so that a figure the drafting code gets wrong is caught rather than
repeated. Windows and bands are the README's: a 90-day lookback for engagement and the health
trend, health bands at 70 and 50, MEDDPICC grades A from 85% down to E from 25%.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import (
    MEDDPICC_DIMENSIONS,
    OPEN_STAGES,
    Client,
    ClientHealthHistory,
    ClientSupportHistory,
    CseCamTarget,
    MeddpiccScore,
    Meeting,
    PipelineOpportunity,
    RiskPrediction,
    Stakeholder,
    StakeholderAppearance,
    StrategicPlan,
    User,
)

LOOKBACK_DAYS = 90
"""README: engagement counts meetings in 90 days; the health trend looks back 90 days."""
GRADES = (("A", 0.85), ("B", 0.70), ("C", 0.55), ("D", 0.40), ("E", 0.25))
"""README: MEDDPICC grade A from 85% of the maximum, ... E from 25%, F below."""
MEDDPICC_MAX = 40
HIGH_BANDS = ("high", "critical")


@dataclass(frozen=True)
class ClientFacts:
    """One client in scope: its record, trend baseline and stored churn prediction today."""

    id: uuid.UUID
    name: str
    territory: str
    segment: str | None
    arr: Decimal
    health: int | None
    nps: int | None
    sla_pct: Decimal | None
    renewal: date | None
    open_p1s: int | None
    cam: str | None
    before: tuple[date, int | None, int | None] | None
    band: str | None
    score: float | None
    reasons: tuple[str, ...]

    @property
    def high_risk(self) -> bool:
        """Stored as high or critical churn risk today."""
        return self.band in HIGH_BANDS


@dataclass(frozen=True)
class DealFacts:
    """One open opportunity in scope, with its MEDDPICC scores as stored."""

    id: uuid.UUID
    name: str
    client: str
    stage: str
    probability: Decimal
    acv: Decimal
    tcv: Decimal
    weighted: Decimal
    close: date | None
    focus: bool
    meddpicc: dict[str, int] | None
    total: int | None


@dataclass(frozen=True)
class Truth:
    """Everything a draft of one plan may state, from the tables."""

    today: date
    plan_type: str
    fiscal_year: int
    owner: str
    clients: list[ClientFacts]
    deals: list[DealFacts]
    quarters: list[dict[str, Any]]
    meetings: list[tuple[date, str, str]]
    """(held on, title, client) of the meetings in the lookback window, newest first."""
    people: dict[str, date | None]
    """The client's stakeholders (not our staff, not dismissed) and when last seen."""
    existing_map: list[dict[str, Any]] = field(default_factory=list)
    """The relationship map of the plan drafted into, as stored."""

    @property
    def account(self) -> bool:
        """An account plan (one client)."""
        return self.plan_type == "account"

    @property
    def pipeline(self) -> Decimal:
        """Open weighted ACV in scope."""
        return sum((d.weighted for d in self.deals), Decimal(0))

    def client(self, name: str) -> ClientFacts | None:
        """The client in scope with this name."""
        return next((c for c in self.clients if c.name == name), None)

    def deal(self, name: str) -> DealFacts | None:
        """The open deal in scope with this name."""
        return next((d for d in self.deals if d.name == name), None)

    def quarter_total(self, key: str) -> Decimal:
        """The year's total of one target column (``weighted_acv_target``...)."""
        return sum((Decimal(str(q[key])) for q in self.quarters), Decimal(0))


def grade(total: int) -> str:
    """The MEDDPICC letter grade of a total out of 40."""
    return next((g for g, share in GRADES if total >= share * MEDDPICC_MAX), "F")


def health_band(score: int | None) -> str:
    """README bands: healthy >= 70, at risk 50-69, critical < 50; unknown without a score."""
    if score is None:
        return "unknown"
    return "healthy" if score >= 70 else "at_risk" if score >= 50 else "critical"


def read_truth(
    session: Session,
    *,
    today: date,
    owner_id: uuid.UUID,
    plan_type: str,
    fiscal_year: int,
    client_id: uuid.UUID | None,
    plan_id: uuid.UUID | None = None,
) -> Truth:
    """The facts a draft of this plan should state, as of ``today``."""
    owner = session.get(User, owner_id)
    if owner is None:
        raise LookupError(f"no user {owner_id}")
    if client_id is not None:
        rows = [session.get(Client, client_id)]
        clients = [c for c in rows if c is not None]
    else:
        query = select(Client).where(Client.cse_id == owner_id).order_by(Client.name)
        clients = list(session.scalars(query))
    deals = _deals(session, client_id=client_id, owner_id=None if client_id else owner_id)
    quarters = session.scalars(
        select(CseCamTarget)
        .where(CseCamTarget.user_id == owner_id, CseCamTarget.fiscal_year == fiscal_year)
        .order_by(CseCamTarget.quarter)
    ).all()
    existing: list[dict[str, Any]] = []
    if plan_id is not None:
        plan = session.get(StrategicPlan, plan_id)
        existing = list(plan.stakeholders_data or []) if plan else []
    return Truth(
        today=today,
        plan_type=plan_type,
        fiscal_year=fiscal_year,
        owner=owner.name,
        clients=[_client(session, c, today) for c in clients],
        deals=deals,
        quarters=[_quarter(q) for q in quarters],
        meetings=_meetings(session, [c.id for c in clients], today),
        people=_people(session, client_id) if client_id else {},
        existing_map=existing,
    )


def _client(session: Session, client: Client, today: date) -> ClientFacts:
    support = session.scalars(
        select(ClientSupportHistory.p1_open)
        .where(ClientSupportHistory.client_id == client.id)
        .order_by(ClientSupportHistory.month.desc())
        .limit(1)
    ).first()
    before = session.execute(
        select(
            ClientHealthHistory.recorded_on,
            ClientHealthHistory.health_score,
            ClientHealthHistory.nps,
        )
        .where(
            ClientHealthHistory.client_id == client.id,
            ClientHealthHistory.recorded_on <= today - timedelta(days=LOOKBACK_DAYS),
        )
        .order_by(ClientHealthHistory.recorded_on.desc())
        .limit(1)
    ).first()
    prediction = session.scalars(
        select(RiskPrediction)
        .where(
            RiskPrediction.client_id == client.id,
            RiskPrediction.as_of == today,
            RiskPrediction.status == "scored",
        )
        .order_by(RiskPrediction.scored_at.desc(), RiskPrediction.id.desc())
        .limit(1)
    ).first()
    cam = session.get(User, client.cam_id) if client.cam_id else None
    return ClientFacts(
        id=client.id,
        name=client.name,
        territory=client.territory,
        segment=client.segment,
        arr=client.arr,
        health=client.health_score,
        nps=client.nps,
        sla_pct=client.support_sla_pct,
        renewal=client.renewal_date,
        open_p1s=support,
        cam=cam.name if cam else None,
        before=(before[0], before[1], before[2]) if before else None,
        band=prediction.band if prediction else None,
        score=prediction.score if prediction else None,
        reasons=tuple(str(r["text"]) for r in prediction.reasons) if prediction else (),
    )


def _deals(
    session: Session, *, client_id: uuid.UUID | None, owner_id: uuid.UUID | None
) -> list[DealFacts]:
    query = (
        select(PipelineOpportunity, Client.name, MeddpiccScore)
        .join(Client, Client.id == PipelineOpportunity.client_id)
        .outerjoin(MeddpiccScore, MeddpiccScore.opportunity_id == PipelineOpportunity.id)
        .where(PipelineOpportunity.stage.in_(OPEN_STAGES))
    )
    if client_id is not None:
        query = query.where(PipelineOpportunity.client_id == client_id)
    if owner_id is not None:
        query = query.where(PipelineOpportunity.owner_id == owner_id)
    deals = []
    for opp, client, scores in session.execute(query).all():
        dims = {d: int(getattr(scores, d)) for d in MEDDPICC_DIMENSIONS} if scores else None
        deals.append(
            DealFacts(
                id=opp.id, name=opp.name, client=client, stage=opp.stage,
                probability=opp.probability, acv=opp.acv, tcv=opp.tcv,
                weighted=opp.weighted_acv, close=opp.close_date, focus=opp.focus_deal,
                meddpicc=dims, total=int(scores.total_score) if scores else None,
            )
        )  # fmt: skip
    return deals


def _quarter(target: CseCamTarget) -> dict[str, Any]:
    keys = ("weighted_acv", "total_acv", "tcv")
    figures = {f"{k}_{s}": getattr(target, f"{k}_{s}") for k in keys for s in ("target", "actual")}
    return {"quarter": target.quarter, **figures}


def _meetings(
    session: Session, client_ids: list[uuid.UUID], today: date
) -> list[tuple[date, str, str]]:
    if not client_ids:
        return []
    rows = session.execute(
        select(Meeting.held_on, Meeting.title, Client.name)
        .join(Client, Client.id == Meeting.client_id)
        .where(
            Meeting.client_id.in_(client_ids),
            Meeting.held_on >= today - timedelta(days=LOOKBACK_DAYS),
            Meeting.held_on <= today,
        )
        .order_by(Meeting.held_on.desc())
    ).all()
    return [(held, title, client) for held, title, client in rows if held is not None]


def _people(session: Session, client_id: uuid.UUID) -> dict[str, date | None]:
    rows = session.execute(
        select(Stakeholder.name, func.max(Meeting.held_on))
        .outerjoin(StakeholderAppearance, StakeholderAppearance.stakeholder_id == Stakeholder.id)
        .outerjoin(Meeting, Meeting.id == StakeholderAppearance.meeting_id)
        .where(
            Stakeholder.client_id == client_id,
            Stakeholder.side != "internal",
            Stakeholder.status != "dismissed",
        )
        .group_by(Stakeholder.id, Stakeholder.name)
    ).all()
    return {name: seen for name, seen in rows}
