"""Portfolio tools: clients, targets, pipeline and churn risk, as the acting person may see them.

At-risk clients and focus deals are priority-0 records: when a result must be cut to its token
budget, what a CSE would act on first is what survives.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from pydantic import Field
from sqlalchemy.orm import Session

from core.budget import Record
from core.models import MEDDPICC_DIMENSIONS, Client, MeddpiccScore, PipelineOpportunity
from planning import calculations
from planning import portfolio_repository as repo
from planning import portfolio_views as views
from planning.draft_data import money
from planning.permissions import client_named, territory_in_reach, visible_clients
from risk.assessment import ClientRisk, assess
from tools.context import ToolArgs, ToolContext
from tools.results import readable_errors, render

ACTION_DUE_DAYS = 14
TOP_REASONS = 3
WEAKEST_DIMENSIONS = 2
QUARTER_MEASURES = (("weighted_acv", "weighted ACV"), ("total_acv", "total ACV"), ("tcv", "TCV"))
"""The measures shown per quarter, with their labels."""

# What to do about a weak MEDDPICC dimension, said as the next step on the deal.
DIMENSION_ACTIONS = {
    "metrics": "quantify the outcomes the client will measure success by",
    "economic_buyer": "confirm the economic buyer and their decision criteria",
    "decision_criteria": "document the client's decision criteria and how we meet each one",
    "decision_process": "map the decision process, its approvers and its timeline",
    "paper_process": "map the paper process (legal, procurement, signatures) and lead times",
    "identify_pain": "confirm the business pain and what it costs the client",
    "champion": "find and test a champion who will sell the deal internally",
    "competition": "find out which alternatives the client is weighing and position against them",
}


def _client_field(what: str) -> str:
    return f"{what} (its name in any case, or its id)."


def _territory_field(otherwise: str) -> str:
    return f"Only clients of this territory (VIC, NZ, WA, SA, Asia or Guam); omit for {otherwise}."


class PortfolioArgs(ToolArgs):
    """Arguments of portfolio."""

    territory: str | None = Field(
        default=None, description=_territory_field("all the clients you can see")
    )


class ClientArgs(ToolArgs):
    """Arguments of the tools about one client."""

    client: str = Field(description=_client_field("The client"))


class TargetsArgs(ToolArgs):
    """Arguments of targets_and_coverage."""

    owner_email: str | None = Field(
        default=None, description="E-mail of the CSE or CAM whose targets to show; omit for yours."
    )
    fiscal_year: int | None = Field(
        default=None, ge=2000, le=2100, description="Fiscal (calendar) year; omit for this year."
    )


class OpportunitiesArgs(ToolArgs):
    """Arguments of opportunities."""

    client: str | None = Field(
        default=None, description=_client_field("Only this client's deals") + " Omit for all."
    )
    focus_only: bool = Field(default=False, description="Only the focus deals.")


class ChurnRiskArgs(ToolArgs):
    """Arguments of churn_risk."""

    client: str | None = Field(
        default=None, description=_client_field("One client") + " Omit for all you can see."
    )
    territory: str | None = Field(
        default=None,
        description=_territory_field("all you can see") + " Not used when a client is given.",
    )


@readable_errors
def portfolio(ctx: ToolContext, territory: str | None = None) -> str:
    """List the clients you can see (optionally of one territory), riskiest first, with ARR,
    health, NPS, renewal date and churn-risk band, under a totals line (client count, total
    ARR, health distribution). Use it for "how is my portfolio", "which clients are at risk",
    or to find a client's exact name."""
    with ctx.reading() as session:
        if territory:
            territory = territory_in_reach(session, ctx.person, territory)
        view = views.portfolio(session, ctx.person, ctx.today, territory)
    records = [_portfolio_line(c) for c in view.clients]
    sums, health = view.totals, view.totals.health
    totals = (
        f"{sums.clients} clients, total ARR {money(sums.arr)}; health: {health.healthy} healthy, "
        f"{health.at_risk} at risk, {health.critical} critical, {health.unknown} unknown"
    )
    scope = f" in {territory}" if territory else ""
    title = f"Portfolio visible to {ctx.person.name}{scope}, riskiest first\nTotals: {totals}"
    return render(title, records, ctx.result_tokens, empty="no clients")


def _portfolio_line(client: views.PortfolioClient) -> Record:
    text = " | ".join(
        [
            client.name,
            client.territory,
            f"ARR {money(client.arr)}",
            f"health {_value(client.health_score)}",
            f"NPS {_value(client.nps)}",
            f"renews {_value(client.renewal_date)}",
            f"risk {client.risk_band or 'unscored'}",
        ]
    )
    return Record(text, 0 if client.at_risk else 1)


@readable_errors
def client_snapshot(ctx: ToolContext, client: str) -> str:
    """Show one client's figures: ARR, health, NPS, segment, support SLA %, open P1 tickets,
    renewal date, its CSE and CAM, and its churn-risk band with the top reasons. Use it before
    advising on or writing about a specific client."""
    with ctx.reading() as session:
        found = client_named(session, ctx.person, client)
        support = repo.latest_support(session, found.id)
        [risk] = assess(session, [found], ctx.today)
        renewal = found.renewal_date
        days = f" (in {(renewal - ctx.today).days} days)" if renewal else ""
        records = [
            Record(
                f"ARR {money(found.arr)} | segment {_value(found.segment)} | "
                f"health {_value(found.health_score)} | NPS {_value(found.nps)}"
            ),
            Record(
                f"support SLA {_value(found.support_sla_pct)}% | open P1s "
                f"{_value(support.p1_open if support else None)} | renews {_value(renewal)}{days}"
            ),
            Record(f"CSE {_name(session, found.cse_id)} | CAM {_name(session, found.cam_id)}"),
            *_risk_records(risk),
        ]
        title = f"{found.name} ({found.territory}, {found.region}) as of {ctx.today}"
    return render(title, records, ctx.result_tokens)


def _risk_records(risk: ClientRisk) -> list[Record]:
    if risk.band is None:
        return [Record(f"churn risk: not scored ({risk.missing or 'no data'})", 0)]
    score = f"{risk.score:g}" if risk.score is not None else "?"
    lines = [Record(f"churn risk: {risk.band} (score {score}/100; {risk.model})", 0)]
    lines += [Record(_reason(r), 0) for r in risk.reasons[:TOP_REASONS]]
    if risk.action:
        lines.append(Record(f"next action: {risk.action}", 0))
    return lines


def _reason(reason: dict[str, object]) -> str:
    return f"- {reason['text']} ({reason['direction']} risk)"


@readable_errors
def targets_and_coverage(
    ctx: ToolContext, owner_email: str | None = None, fiscal_year: int | None = None
) -> str:
    """Show a person's quarterly targets against actuals (weighted ACV, total ACV, TCV, with the
    gap), their open weighted pipeline and its coverage of the weighted ACV still to close.
    Defaults to you and this year. CSEs and CAMs may see only their own; managers their
    region's people."""
    year = fiscal_year or ctx.today.year
    with ctx.reading() as session:
        view = views.targets(session, ctx.person, owner_email, year)
    title = f"Targets of {view.owner.name} ({view.owner.role}) for FY{year}"
    if view.year is None:
        return render(title, [], ctx.result_tokens, empty=f"no targets for FY{year}")
    records = [
        Record(
            f"Q{quarter.quarter}: "
            + " | ".join(_measure(label, getattr(quarter, key)) for key, label in QUARTER_MEASURES)
        )
        for quarter in view.quarters
    ]
    covered = (
        f"coverage {view.coverage}x of the {money(view.remaining_weighted_acv)} still to close"
        if view.coverage is not None
        else "coverage n/a (weighted ACV target met)"
    )
    fy = f"FY: {_measure('weighted ACV', view.year.weighted_acv)} | open weighted pipeline "
    records.append(Record(f"{fy}{money(view.open_weighted_pipeline)} | {covered}", 0))
    return render(title, records, ctx.result_tokens)


def _measure(label: str, measure: views.Measure) -> str:
    gap = measure.gap
    where = f"gap {money(gap)}" if gap > 0 else f"ahead {money(-gap)}"
    return f"{label} {money(measure.actual)} of {money(measure.target)} ({where})"


@readable_errors
def opportunities(ctx: ToolContext, client: str | None = None, focus_only: bool = False) -> str:
    """List open pipeline opportunities (of one client, or of all the clients you can see),
    biggest weighted ACV first: stage, probability, ACV, weighted ACV, close date, focus flag,
    and MEDDPICC total/40 with its grade and the two weakest dimensions. Use it for pipeline,
    deal-qualification and "where should I focus" questions."""
    with ctx.reading() as session:
        if client:
            rows = repo.open_opportunities(
                session, client_id=client_named(session, ctx.person, client).id
            )
        else:
            # Open deals are few; one query and a filter by visibility beats one per client.
            visible = {c.id for c in visible_clients(session, ctx.person)}
            rows = [r for r in repo.open_opportunities(session) if r[1].id in visible]
        rows = [r for r in rows if r[0].focus_deal or not focus_only]
        records = [
            Record(_deal_line(opp, owner, scores), 0 if opp.focus_deal else 1)
            for opp, owner, scores in rows
        ]
        weighted = sum((opp.weighted_acv for opp, _, _ in rows), Decimal(0))
    scope = client or f"clients visible to {ctx.person.name}"
    title = (
        f"Open {'focus ' if focus_only else ''}opportunities of {scope}: {len(rows)} deals, "
        f"weighted ACV {money(weighted)} (MEDDPICC scores 0-5, 0 = not known yet)"
    )
    return render(title, records, ctx.result_tokens, empty="no open deals")


def _deal_line(opp: PipelineOpportunity, client: Client, scores: MeddpiccScore | None) -> str:
    # Deal names usually start with the client's ("Barwon Health - EMR Upgrade"): say it once.
    named = opp.name if opp.name.lower().startswith(client.name.lower()) else None
    return " | ".join(
        [
            named or f"{opp.name} | {client.name}",
            f"{opp.stage} {float(opp.probability):g}%",
            f"ACV {money(opp.acv)}",
            f"weighted {money(opp.weighted_acv)}",
            f"closes {_value(opp.close_date)}",
            *(["FOCUS"] if opp.focus_deal else []),
            meddpicc_summary(scores),
        ]
    )


def meddpicc_summary(scores: MeddpiccScore | None) -> str:
    """``MEDDPICC 23/40 grade C, weakest economic_buyer 1/5, champion 2/5``."""
    if scores is None:
        return "MEDDPICC not scored"
    values = scores.scores()
    total = calculations.meddpicc_total(values)
    weakest = ", ".join(f"{d} {values[d]}/5" for d in weakest_dimensions(values))
    return f"MEDDPICC {total}/40 grade {calculations.meddpicc_grade(total)}, weakest {weakest}"


def weakest_dimensions(values: dict[str, int], count: int = WEAKEST_DIMENSIONS) -> list[str]:
    """The lowest-scored dimensions, in MEDDPICC order on ties."""
    return sorted(MEDDPICC_DIMENSIONS, key=lambda d: (values[d], MEDDPICC_DIMENSIONS.index(d)))[
        :count
    ]


@readable_errors
def churn_risk(ctx: ToolContext, client: str | None = None, territory: str | None = None) -> str:
    """Show churn risk for one client, or for every client you can see (optionally of one
    territory) riskiest first: band, score, the top reasons in words, and the suggested next
    action; clients without enough data say what is missing. Use it for "who might churn",
    "what's at risk in NZ", "why is X at risk"."""
    scope = ""
    with ctx.reading() as session:
        if client:
            clients = [client_named(session, ctx.person, client)]
        elif territory:
            territory = territory_in_reach(session, ctx.person, territory)
            clients = visible_clients(session, ctx.person, territory)
            scope = f" in {territory}"
        else:
            clients = visible_clients(session, ctx.person)
        risks = assess(session, clients, ctx.today)
    records = [Record(_risk_line(r), 0 if r.high else 1) for r in risks]
    model = f" (model {risks[0].model})" if risks else ""
    title = f"Churn risk{scope} as of {ctx.today}{model}, riskiest first"
    return render(title, records, ctx.result_tokens, empty="no clients")


def _risk_line(risk: ClientRisk) -> str:
    if risk.band is None:
        return f"{risk.client_name}: not scored ({risk.missing or 'no data'})"
    reasons = "; ".join(str(r["text"]) for r in risk.reasons[:TOP_REASONS]) or "none stated"
    score = f"{risk.score:g}" if risk.score is not None else "?"
    return (
        f"{risk.client_name}: {risk.band} (score {score}) | why: {reasons} | "
        f"next: {risk.action or 'none'}"
    )


@readable_errors
def suggest_actions(ctx: ToolContext, client: str) -> str:
    """Suggest concrete next actions for one client, each with an owner and a due date: the
    churn-risk next action (owned by the CAM) and, for each open focus deal, its weakest
    MEDDPICC dimension turned into an action (owned by the CSE). Suggestions only: nothing is
    saved; propose them as plan actions if the person agrees."""
    due = (ctx.today + timedelta(days=ACTION_DUE_DAYS)).isoformat()
    with ctx.reading() as session:
        found = client_named(session, ctx.person, client)
        [risk] = assess(session, [found], ctx.today)
        cse, cam = _name(session, found.cse_id), _name(session, found.cam_id)
        deals = [r for r in repo.open_opportunities(session, client_id=found.id) if r[0].focus_deal]
        records = [Record(_churn_action(risk, cam, due), 0)]
        records += [
            Record(f"{_deal_action(opp.name, scores)} | owner {cse} (CSE) | due {due}")
            for opp, _, scores in deals
        ]
        if not deals:
            records.append(Record(f"No open focus deals at {found.name}."))
        title = f"Suggested actions for {found.name} as of {ctx.today} (suggestions, not saved)"
    return render(title, records, ctx.result_tokens)


def _churn_action(risk: ClientRisk, cam: str, due: str) -> str:
    if risk.band is None:
        return (
            f"Collect the data churn scoring lacks ({risk.missing or 'unknown'}) | owner {cam} "
            f"(CAM) | due {due}"
        )
    why = f" | why: {risk.raising[0]['text']}" if risk.raising else ""
    return f"{risk.action} | owner {cam} (CAM) | due {due} | churn risk {risk.band}{why}"


def _deal_action(deal: str, scores: MeddpiccScore | None) -> str:
    if scores is None:
        return f"MEDDPICC not scored on {deal}: score it with the account team"
    values = scores.scores()
    [weakest] = weakest_dimensions(values, 1)
    return f"{weakest} scored {values[weakest]}/5 on {deal}: {DIMENSION_ACTIONS[weakest]}"


def _name(session: Session, user_id: uuid.UUID | None) -> str:
    return views.user_name(session, user_id) or "unassigned"


def _value(value: object) -> str:
    return "?" if value is None else str(value)
