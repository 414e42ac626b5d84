"""Gap analysis: how far an owner is from their weighted-ACV target, and what could close it.

Recommendations, ranked by the value each stands for (largest first):

- each open **focus deal** closing in the fiscal year, valued at its weighted ACV:
  ``advance_focus_deal`` when its MEDDPICC grade is A-C, ``strengthen_meddpicc`` (naming its
  weakest dimensions) when it is D-F or not assessed;
- each **renewal to save**: the owner's clients at risk (:func:`portfolio_views.is_at_risk`:
  high or critical churn risk, or critical health) renewing between today and the end of the
  fiscal year, valued at the ARR at stake (all of it is lost if the client leaves);
- **pipeline to add** when the open deals of the year could not close the gap even if every
  one of them were won at its full ACV, valued at that shortfall.

Every recommendation carries the figures it rests on and its evidence (table and row id). The
summary is templated from the same figures, so it reads the same every time; a language model
may reword it from :func:`gap_facts` only (``agent.gap_wording``).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from core.identity import Person
from core.models import Client
from planning import performance_repository as repo
from planning.draft_data import money
from planning.performance import performance
from planning.performance_records import FocusDeal, Performance
from planning.portfolio_views import AUD, Measure, TargetOwner, is_at_risk, target_owner
from risk.assessment import ClientRisk, assess

RecommendationKind = Literal[
    "advance_focus_deal", "strengthen_meddpicc", "save_renewal", "add_pipeline"
]
KIND_ORDER: tuple[RecommendationKind, ...] = (
    "advance_focus_deal",
    "strengthen_meddpicc",
    "save_renewal",
    "add_pipeline",
)
QUALIFIED_GRADES = frozenset("ABC")
SUMMARY_ACTIONS = 3
ZERO = Decimal("0.00")
Figure = Decimal | int | str | None


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Evidence(_Record):
    """Where a recommendation's figure comes from."""

    source: str = Field(description="Table or model: pipeline_opportunities, clients, ...")
    id: str = Field(description="The row's id (an opportunity, a client, the owner).")
    fact: str = Field(description="The figure in words.")


class Recommendation(_Record):
    """One move that could close part of the gap."""

    kind: RecommendationKind
    title: str
    expected_value: Decimal = Field(
        description=f"What it is worth: weighted ACV, ARR at stake or the shortfall; {AUD}."
    )
    figures: dict[str, Figure] = Field(description="The figures it rests on, by name.")
    evidence: list[Evidence]


class QuarterGap(_Record):
    """A remaining quarter's weighted-ACV target, actual and gap."""

    quarter: int
    target: Decimal
    actual: Decimal
    gap: Decimal


class GapAnalysis(_Record):
    """An owner's weighted-ACV gap for the year and the ranked moves that could close it."""

    owner: TargetOwner
    fiscal_year: int
    as_of: date
    weighted_acv: Measure = Field(description="The year's weighted-ACV target, actual and gap.")
    remaining: Decimal = Field(description=f"Gap still to close, 0 once met; {AUD}.")
    quarters: list[QuarterGap] = Field(description="The current and later quarters of the year.")
    pipeline: Decimal = Field(description=f"Open weighted ACV closing this year, {AUD}.")
    pipeline_acv: Decimal = Field(description=f"The same deals at full ACV, {AUD}.")
    open_deals: int
    coverage: Decimal | None
    shortfall: Decimal = Field(
        description=f"Gap left if every open deal of the year were won at full ACV; {AUD}."
    )
    recommendations: list[Recommendation] = Field(description="Largest expected value first.")
    summary: str = Field(description="The analysis in words, templated from the figures.")


def gap_analysis(
    session: Session, person: Person, owner_email: str | None, fiscal_year: int, today: date
) -> GapAnalysis:
    """The gap of ``owner_email`` (default: ``person``) and what could close it; NotFoundError
    for an unknown owner, PermissionDeniedError when ``person`` may not see their targets."""
    owner = target_owner(session, person, owner_email)
    unit = performance(session, person, "owner", owner.email, fiscal_year, today)
    assert unit.targets is not None  # an owner always has (possibly zero) targets
    year = unit.targets.year.weighted_acv
    remaining = max(year.gap, ZERO)
    shortfall = max(remaining - unit.pipeline_acv, ZERO)
    recommendations = [_deal_move(deal) for deal in unit.focus_deals]
    start = max(today, date(fiscal_year, 1, 1))
    renewing = repo.clients_renewing(session, owner, start, date(fiscal_year, 12, 31))
    by_id = {c.id: c for c in renewing}
    for risk in assess(session, renewing, today):
        client = by_id[risk.client_id]
        if is_at_risk(client, risk):
            recommendations.append(_renewal_move(client, risk))
    if shortfall > 0:
        recommendations.append(_pipeline_move(unit, owner.id, remaining, shortfall))
    recommendations.sort(key=lambda r: (-r.expected_value, KIND_ORDER.index(r.kind), r.title))
    quarters = [
        QuarterGap(quarter=q.quarter, **q.weighted_acv.model_dump())
        for q in unit.targets.quarters
        if _quarter_open(fiscal_year, q.quarter, today)
    ]
    draft = GapAnalysis(
        owner=TargetOwner(id=owner.id, name=owner.name, email=owner.email, role=owner.role),
        fiscal_year=fiscal_year,
        as_of=today,
        weighted_acv=year,
        remaining=remaining,
        quarters=quarters,
        pipeline=unit.pipeline,
        pipeline_acv=unit.pipeline_acv,
        open_deals=unit.open_deals,
        coverage=unit.coverage,
        shortfall=shortfall,
        recommendations=recommendations,
        summary="",
    )
    return draft.model_copy(update={"summary": offline_summary(draft)})


def _quarter_open(fiscal_year: int, quarter: int, today: date) -> bool:
    """Whether the quarter ends on or after today (fiscal years are calendar years)."""
    return (fiscal_year, quarter) >= (today.year, (today.month - 1) // 3 + 1)


def _deal_move(deal: FocusDeal) -> Recommendation:
    weak = ", ".join(f"{d.dimension.replace('_', ' ')} {d.score}/5" for d in deal.weakest)
    qualified = deal.grade in QUALIFIED_GRADES
    closes = deal.close_date.isoformat() if deal.close_date else "no close date"
    if qualified:
        title = f"Advance {deal.name} ({deal.stage}, {deal.probability:.0f}%) to close by {closes}"
    elif deal.grade is None:
        title = f"Qualify {deal.name}: no MEDDPICC assessment yet"
    else:
        title = f"Strengthen MEDDPICC on {deal.name} (grade {deal.grade}): {weak}"
    evidence = [
        Evidence(
            source="pipeline_opportunities",
            id=str(deal.opportunity_id),
            fact=f"{deal.client}: ACV {money(deal.acv)} at {deal.stage} ({deal.probability:.0f}%), "
            f"weighted {money(deal.weighted_acv)}, closes {closes}",
        )
    ]
    if deal.meddpicc_total is not None:
        evidence.append(
            Evidence(
                source="meddpicc_scores",
                id=str(deal.opportunity_id),
                fact=f"MEDDPICC {deal.meddpicc_total}/40 (grade {deal.grade})"
                + (f"; weakest: {weak}" if weak else ""),
            )
        )
    return Recommendation(
        kind="advance_focus_deal" if qualified else "strengthen_meddpicc",
        title=title,
        expected_value=deal.weighted_acv,
        figures={
            "weighted_acv": deal.weighted_acv,
            "acv": deal.acv,
            "probability": deal.probability,
            "stage": deal.stage,
            "close_date": deal.close_date.isoformat() if deal.close_date else None,
            "meddpicc_total": deal.meddpicc_total,
            "grade": deal.grade,
            "weakest": weak or None,
        },
        evidence=evidence,
    )


def _renewal_move(client: Client, risk: ClientRisk) -> Recommendation:
    renews = client.renewal_date.isoformat() if client.renewal_date else "unknown"
    band = f"{risk.band} ({risk.score:.1f})" if risk.band and risk.score is not None else "unscored"
    evidence = [
        Evidence(
            source="clients",
            id=str(client.id),
            fact=f"ARR {money(client.arr)}, renews {renews}, health "
            f"{client.health_score if client.health_score is not None else 'unknown'}",
        ),
        Evidence(
            source="churn_risk",
            id=str(client.id),
            fact=f"churn risk {band}"
            + (f"; biggest reason: {risk.raising[0]['text']}" if risk.raising else ""),
        ),
    ]
    return Recommendation(
        kind="save_renewal",
        title=f"Save the {client.name} renewal due {renews} ({money(client.arr)} ARR at stake)",
        expected_value=client.arr,
        figures={
            "arr": client.arr,
            "renewal_date": renews,
            "health_score": client.health_score,
            "risk_band": risk.band,
            "risk_score": Decimal(str(risk.score)) if risk.score is not None else None,
        },
        evidence=evidence,
    )


def _pipeline_move(
    unit: Performance, owner_id: uuid.UUID, remaining: Decimal, shortfall: Decimal
) -> Recommendation:
    fy = unit.fiscal_year
    return Recommendation(
        kind="add_pipeline",
        title=f"Add {money(shortfall)} of new FY{fy} pipeline: open deals cannot close the gap",
        expected_value=shortfall,
        figures={"shortfall": shortfall, "remaining": remaining, "pipeline_acv": unit.pipeline_acv},
        evidence=[
            Evidence(
                source="cse_cam_targets",
                id=str(owner_id),
                fact=f"FY{fy} weighted-ACV gap still to close: {money(remaining)}",
            ),
            Evidence(
                source="pipeline_opportunities",
                id=str(owner_id),
                fact=f"{deals(unit.open_deals)} open in FY{fy}, worth {money(unit.pipeline_acv)} "
                "at full ACV",
            ),
        ],
    )


# --- wording ---------------------------------------------------------------------------------


def deals(count: int) -> str:
    """``1 deal``, ``2 deals``."""
    return f"{count} deal" if count == 1 else f"{count} deals"


def gap_facts(analysis: GapAnalysis) -> list[str]:
    """The analysis as numbered lines: the headline, then each recommendation in rank order
    with its figures and evidence. The summary and a model's wording use these only."""
    fy = analysis.fiscal_year
    year = analysis.weighted_acv
    coverage = f"{analysis.coverage}x" if analysis.coverage is not None else "n/a (target met)"
    lines = [
        f"Owner: {analysis.owner.name} ({analysis.owner.role}), FY{fy}, as of "
        f"{analysis.as_of.isoformat()}.",
        f"Weighted-ACV target {money(year.target)}, closed {money(year.actual)}, still to close "
        f"{money(analysis.remaining)}.",
        f"Open FY{fy} pipeline: {money(analysis.pipeline)} weighted, {money(analysis.pipeline_acv)}"
        f" at full ACV, {deals(analysis.open_deals)}; coverage {coverage}.",
    ]
    lines += [f"Q{q.quarter} gap: {money(q.gap)}." for q in analysis.quarters]
    if analysis.shortfall > 0:
        lines.append(f"Shortfall even if every open deal closed: {money(analysis.shortfall)}.")
    for rank, rec in enumerate(analysis.recommendations, start=1):
        evidence = "; ".join(f"{e.source} {e.id}: {e.fact}" for e in rec.evidence)
        lines.append(
            f"{rank}. [{rec.kind}] {rec.title}. Worth {money(rec.expected_value)}. {evidence}"
        )
    return lines


def offline_summary(analysis: GapAnalysis) -> str:
    """The summary, templated from the figures (the same text for the same figures)."""
    fy, year, name = analysis.fiscal_year, analysis.weighted_acv, analysis.owner.name
    if analysis.remaining > 0:
        text = (
            f"{name} has {money(analysis.remaining)} of the FY{fy} weighted-ACV target of "
            f"{money(year.target)} still to close ({money(year.actual)} closed)."
        )
    else:
        text = f"{name} has met the FY{fy} weighted-ACV target of {money(year.target)} " + (
            f"({money(year.actual)} closed)."
        )
    coverage = f", coverage {analysis.coverage}x" if analysis.coverage is not None else ""
    text += (
        f" Open FY{fy} pipeline: {money(analysis.pipeline)} weighted "
        f"({money(analysis.pipeline_acv)} at full ACV, {deals(analysis.open_deals)}){coverage}."
    )
    if analysis.shortfall > 0:
        text += (
            f" Even if every open deal closed, {money(analysis.shortfall)} would be missing: "
            "new pipeline is needed."
        )
    top = analysis.recommendations[:SUMMARY_ACTIONS]
    if top:
        moves = "; ".join(
            f"{rank}. {r.title} (worth {money(r.expected_value)})" for rank, r in enumerate(top, 1)
        )
        text += f" Top moves: {moves}."
    else:
        text += " No focus deals or at-risk renewals to act on."
    return text
