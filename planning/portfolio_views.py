"""Read views of what a person may see: churn risk with reasons, the portfolio with its totals,
and targets against actuals with pipeline coverage.

Structured records for the dashboard API; the agent's tools render the same views as text, so
the two never disagree. Money is ``Decimal`` (AUD), which JSON carries as a decimal string,
exact to the cent.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Literal, cast

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from core.errors import NotFoundError
from core.identity import Person
from core.models import Band, Client, CseCamTarget, User
from planning import calculations, directory
from planning import portfolio_repository as repo
from planning.calculations import HealthBand
from planning.permissions import check_targets, client_in_reach, visible_clients
from risk.assessment import ClientRisk, assess

AUD = "AUD, as a decimal string"
MEASURES = ("weighted_acv", "acv_net_cogs", "total_acv", "tcv")
"""The target measures of ``cse_cam_targets``, each a ``<measure>_target``/``_actual`` pair."""


# --- records -------------------------------------------------------------------------------


class RiskReason(BaseModel):
    """One factor's push on a client's churn risk, in words."""

    factor: str = Field(description="The model feature behind it, e.g. nps_change_180d.")
    label: str = Field(description="The feature's short name.")
    detail: str = Field(description="The reason in words, from the client's own figures.")
    contribution: float = Field(
        description="Its push on risk: points for the scorecard, log-odds for a trained model."
    )
    direction: Literal["raises", "lowers"] = Field(description="Whether it raises or lowers risk.")


class ClientRiskView(BaseModel):
    """A client's churn risk as of a day, scored live with the current model."""

    client_id: uuid.UUID
    client: str = Field(description="The client's name.")
    territory: str
    status: Literal["scored", "not_enough_data"] = Field(
        description="not_enough_data when the model lacks the inputs to score the client."
    )
    band: Band | None = Field(description="low, medium, high or critical; null when not scored.")
    score: float | None = Field(
        description="Risk on 0-100: the scorecard's points, or a trained model's churn "
        "probability in percent; null when not scored."
    )
    missing: str | None = Field(description="What data is missing, when not scored.")
    reasons: list[RiskReason] = Field(
        description="The factors raising risk (biggest first), then the strongest protective."
    )
    biggest_drag: RiskReason | None = Field(description="The factor raising risk the most.")
    next_action: str | None = Field(description="The suggested next step against the risk.")
    scored_on: date = Field(description="The day the risk is as of.")
    model: str = Field(description="The risk model's version and description.")


class RiskList(BaseModel):
    """Churn risk of the clients a person sees, riskiest first (unscored last)."""

    as_of: date
    matched: int = Field(description="How many clients matched, before the limit.")
    items: list[ClientRiskView]


class SupportMonth(BaseModel):
    """A client's support figures for its latest recorded month."""

    month: date = Field(description="First day of the month.")
    tickets_opened: int
    sla_breaches: int
    p1_open: int = Field(description="P1 tickets open.")
    sla_met_pct: Decimal | None = Field(
        description="Share of tickets within SLA, percent as a decimal string."
    )


class PortfolioClient(BaseModel):
    """One client of the portfolio with its figures and churn-risk band."""

    client_id: uuid.UUID
    name: str
    territory: str
    region: str
    segment: str | None
    cse: str | None = Field(description="Name of the client's CSE; null when unassigned.")
    cam: str | None = Field(description="Name of the client's CAM; null when unassigned.")
    arr: Decimal = Field(description=f"Annual recurring revenue, {AUD}.")
    health_score: int | None = Field(description="Health score 0-100.")
    health_band: HealthBand | None = Field(
        description="healthy >= 70, at_risk 50-69, else critical."
    )
    nps: int | None
    support_sla_pct: Decimal | None = Field(
        description="The client's support SLA met, percent as a decimal string."
    )
    latest_support: SupportMonth | None
    renewal_date: date | None
    days_to_renewal: int | None = Field(description="Days from the view's day to the renewal.")
    risk_band: Band | None = Field(description="Churn-risk band; null when not scored.")
    risk_score: float | None = Field(description="Churn-risk score 0-100 (see ClientRiskView).")
    at_risk: bool = Field(description="Churn risk high or critical, or health critical.")
    open_pipeline: Decimal = Field(description=f"Weighted ACV of its open deals, {AUD}.")


class HealthCounts(BaseModel):
    """Clients per health band."""

    healthy: int
    at_risk: int
    critical: int
    unknown: int = Field(description="Clients without a health score.")

    @classmethod
    def of(cls, scores: Iterable[int | None]) -> HealthCounts:
        """The counts of these health scores by band (no score: unknown)."""
        bands = Counter(calculations.health_band(score) or "unknown" for score in scores)
        return cls(
            healthy=bands["healthy"],
            at_risk=bands["at_risk"],
            critical=bands["critical"],
            unknown=bands["unknown"],
        )


class PortfolioTotals(BaseModel):
    """Totals over the portfolio's clients."""

    clients: int = Field(description="How many clients.")
    arr: Decimal = Field(description=f"Total ARR, {AUD}.")
    open_pipeline: Decimal = Field(description=f"Total weighted ACV of open deals, {AUD}.")
    at_risk: int = Field(description="Clients flagged at_risk (high churn risk or critical).")
    health: HealthCounts


class PortfolioView(BaseModel):
    """The clients a person sees, riskiest first, under their totals."""

    as_of: date
    territory: str | None = Field(description="The territory asked for; null for all.")
    totals: PortfolioTotals
    clients: list[PortfolioClient]


class Measure(BaseModel):
    """One target measure against its actual."""

    target: Decimal = Field(description=AUD)
    actual: Decimal = Field(description=AUD)
    gap: Decimal = Field(description=f"Target minus actual, negative when ahead; {AUD}.")


class Measures(BaseModel):
    """The four target measures."""

    weighted_acv: Measure
    acv_net_cogs: Measure = Field(description="ACV net of cost of goods sold.")
    total_acv: Measure
    tcv: Measure = Field(description="Total contract value.")


class QuarterTargets(Measures):
    """The measures of one quarter."""

    quarter: int = Field(ge=1, le=4)


class TargetOwner(BaseModel):
    """Whose targets they are."""

    id: uuid.UUID
    name: str
    email: str
    role: str


class TargetsView(BaseModel):
    """A person's targets for a fiscal year, their open weighted pipeline and its coverage."""

    owner: TargetOwner
    fiscal_year: int = Field(description="Fiscal years are calendar years.")
    quarters: list[QuarterTargets] = Field(description="By quarter; empty when none are set.")
    year: Measures | None = Field(description="The year's sums; null when no targets are set.")
    open_weighted_pipeline: Decimal = Field(
        description=f"Weighted ACV of the owner's open deals, {AUD}."
    )
    remaining_weighted_acv: Decimal = Field(
        description=f"Weighted ACV target still to close this year (0 once met), {AUD}."
    )
    coverage: Decimal | None = Field(
        description="Open weighted pipeline over the remaining target, as a decimal string "
        "(e.g. 1.35); null when nothing remains to close."
    )


# --- clients and risk ----------------------------------------------------------------------


def user_name(session: Session, user_id: uuid.UUID | None) -> str | None:
    """The name of the user with this id; None when unassigned."""
    # People are few and the session's identity map keeps them: no query per client.
    user = session.get(User, user_id) if user_id else None
    return user.name if user else None


def is_at_risk(client: Client, risk: ClientRisk) -> bool:
    """True when the client needs attention first: high churn risk or critical health."""
    return risk.high or calculations.health_band(client.health_score) == "critical"


def client_risk(session: Session, person: Person, client_id: uuid.UUID, on: date) -> ClientRiskView:
    """One client's churn risk as of ``on``, with its reasons."""
    client = client_in_reach(session, person, client_id)
    [risk] = assess(session, [client], on)
    return _risk_view(risk, client.territory)


def risk_list(
    session: Session,
    person: Person,
    on: date,
    *,
    territory: str | None = None,
    band: Band | None = None,
    limit: int | None = None,
) -> RiskList:
    """The churn risk of the clients ``person`` sees (optionally of one territory or band),
    riskiest first, at most ``limit`` of them."""
    clients = visible_clients(session, person, territory)
    territories = {c.id: c.territory for c in clients}
    risks = [r for r in assess(session, clients, on) if band is None or r.band == band]
    items = [_risk_view(r, territories[r.client_id]) for r in risks[:limit]]
    return RiskList(as_of=on, matched=len(risks), items=items)


def _risk_view(risk: ClientRisk, territory: str) -> ClientRiskView:
    reasons = [
        RiskReason(
            factor=r["feature"],
            label=r["label"],
            detail=r["text"],
            contribution=r["contribution"],
            direction=r["direction"],
        )
        for r in risk.reasons
    ]
    return ClientRiskView(
        client_id=risk.client_id,
        client=risk.client_name,
        territory=territory,
        status="scored" if risk.band is not None else "not_enough_data",
        band=cast("Band | None", risk.band),  # assess bands come from BANDS; pydantic checks
        score=risk.score,
        missing=risk.missing,
        reasons=reasons,
        biggest_drag=next((r for r in reasons if r.direction == "raises"), None),
        next_action=risk.action,
        scored_on=risk.as_of,
        model=risk.model,
    )


# --- portfolio -----------------------------------------------------------------------------


def portfolio(
    session: Session, person: Person, on: date, territory: str | None = None
) -> PortfolioView:
    """The clients ``person`` sees (optionally of one territory) riskiest first, with totals."""
    clients = visible_clients(session, person, territory)
    by_id = {c.id: c for c in clients}
    pipeline: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    # Open deals are few: one query for all beats one per client.
    for opp, client, _ in repo.open_opportunities(session):
        if client.id in by_id:
            pipeline[client.id] += opp.weighted_acv
    items = [
        _portfolio_client(session, by_id[r.client_id], r, pipeline[r.client_id], on)
        for r in assess(session, clients, on)
    ]
    totals = PortfolioTotals(
        clients=len(items),
        arr=sum((c.arr for c in items), Decimal(0)),
        open_pipeline=sum((c.open_pipeline for c in items), Decimal(0)),
        at_risk=sum(c.at_risk for c in items),
        health=HealthCounts.of(c.health_score for c in items),
    )
    return PortfolioView(as_of=on, territory=territory, totals=totals, clients=items)


def _portfolio_client(
    session: Session, client: Client, risk: ClientRisk, pipeline: Decimal, on: date
) -> PortfolioClient:
    support = repo.latest_support(session, client.id)
    renewal = client.renewal_date
    return PortfolioClient(
        client_id=client.id,
        name=client.name,
        territory=client.territory,
        region=client.region,
        segment=client.segment,
        cse=user_name(session, client.cse_id),
        cam=user_name(session, client.cam_id),
        arr=client.arr,
        health_score=client.health_score,
        health_band=calculations.health_band(client.health_score),
        nps=client.nps,
        support_sla_pct=client.support_sla_pct,
        latest_support=SupportMonth(
            month=support.month,
            tickets_opened=support.tickets_opened,
            sla_breaches=support.sla_breaches,
            p1_open=support.p1_open,
            sla_met_pct=support.sla_met_pct,
        )
        if support
        else None,
        renewal_date=renewal,
        days_to_renewal=(renewal - on).days if renewal else None,
        risk_band=cast("Band | None", risk.band),
        risk_score=risk.score,
        at_risk=is_at_risk(client, risk),
        open_pipeline=pipeline,
    )


# --- targets -------------------------------------------------------------------------------


def target_owner(session: Session, person: Person, email: str | None) -> User:
    """The user with ``email`` (any case), else ``person``'s own record; NotFoundError."""
    if email:
        return directory.get_user_by_email(session, email)
    user = session.get(User, person.id)
    if user is None:
        raise NotFoundError(f"{person.name} has no user record, so no targets", email=person.email)
    return user


def targets(
    session: Session, person: Person, owner_email: str | None, fiscal_year: int
) -> TargetsView:
    """The targets of ``owner_email`` (default: ``person``) for a fiscal year, if ``person``
    may see them, with the owner's open weighted pipeline and its coverage."""
    owner = target_owner(session, person, owner_email)
    check_targets(person, owner)
    rows = repo.targets_of(session, owner.id, fiscal_year)
    pipeline = repo.open_pipeline_total(session, owner_id=owner.id)
    year = Measures(**_sums(rows))  # all zero without targets
    weighted = year.weighted_acv
    return TargetsView(
        owner=TargetOwner(id=owner.id, name=owner.name, email=owner.email, role=owner.role),
        fiscal_year=fiscal_year,
        quarters=[QuarterTargets(quarter=row.quarter, **_sums([row])) for row in rows],
        year=year if rows else None,
        open_weighted_pipeline=pipeline,
        remaining_weighted_acv=max(weighted.gap, Decimal(0)),
        coverage=calculations.coverage(pipeline, weighted.target, weighted.actual),
    )


def _sums(rows: Sequence[CseCamTarget]) -> dict[str, Measure]:
    sums = {}
    for measure in MEASURES:
        target = sum((getattr(r, f"{measure}_target") for r in rows), Decimal(0))
        actual = sum((getattr(r, f"{measure}_actual") for r in rows), Decimal(0))
        sums[measure] = Measure(target=target, actual=actual, gap=target - actual)
    return sums
