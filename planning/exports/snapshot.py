"""The Success Snapshot: one page about one account, for a QBR or a handover.

Health, ARR, renewal and NPS with their trends; the people who matter (the account plan's
relationship map first, then people found in meetings); churn risk with its reasons and the
plan's own risks; the plan's next open actions; and the account's pipeline coverage.

Account coverage is this client's open weighted pipeline divided by what remains of its
CSE's weighted-ACV target for the fiscal year (target minus closed): the share of the CSE's
remaining target this one account could close. The CSE's whole-book coverage is marked
beside it. It is shown to those who may see the CSE's targets (the CSE, their managers and
admins); others see the pipeline alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from core.errors import PermissionDeniedError
from core.identity import Person
from core.models import Client, User
from ingest.stakeholders.service import list_stakeholders
from planning import portfolio_repository, portfolio_views
from planning.calculations import coverage, health_band
from planning.draft_data import renewal_days
from planning.exports import charts, pdf
from planning.exports.outline import day, file_name, label, money
from planning.permissions import client_in_reach
from planning.plan_repository import PlanFilters
from planning.portfolio_views import ClientRiskView
from planning.records import PlanRecord
from planning.sections import Action, ActionsSection, Risk, RisksSection, StakeholdersSection
from planning.service import PlanService

HISTORY_DAYS = 365
TOP_STAKEHOLDERS = 5
TOP_REASONS = 3
TOP_PLAN_RISKS = 3
TOP_ACTIONS = 5
ROLE_ORDER = ("economic_buyer", "champion", "decision_maker", "blocker", "influencer", "user")
SEVERITY_ORDER = ("critical", "high", "medium", "low")
COVERAGE_DEFINITION = (
    "Account coverage = this client's open weighted pipeline ÷ what remains of its CSE's "
    "FY weighted-ACV target (target - closed). 1.00x would cover the whole remaining target "
    "from this account alone; the mark shows the CSE's coverage from all their pipeline."
)


@dataclass(frozen=True)
class Reading:
    """One dated health / NPS reading."""

    on: date
    health: int | None
    nps: int | None


@dataclass(frozen=True)
class KeyPerson:
    """A stakeholder worth knowing, and where we know them from."""

    name: str
    title: str | None
    role: str | None
    source: str


@dataclass(frozen=True)
class Coverage:
    """The account's open weighted pipeline against its CSE's remaining target."""

    pipeline: Decimal
    remaining: Decimal | None
    share: Decimal | None
    owner_coverage: Decimal | None
    note: str
    short_note: str = ""


@dataclass(frozen=True)
class SuccessSnapshot:
    """Everything the one-page snapshot shows about one client as of a day."""

    client: Client
    cse: str | None
    cam: str | None
    as_of: date
    history: list[Reading]
    risk: ClientRiskView
    people: list[KeyPerson]
    plan: PlanRecord | None
    plan_risks: list[Risk]
    actions: list[Action]
    coverage: Coverage


def success_snapshot(
    session: Session, person: Person, client_id: uuid.UUID, today: date
) -> SuccessSnapshot:
    """Gather the snapshot of a client ``person`` may see (NotFoundError, PermissionDenied)."""
    client = client_in_reach(session, person, client_id)
    plan = _account_plan(session, person, client, today)
    sections = plan.sections if plan else {}
    risks = RisksSection.model_validate(sections.get("risks") or []).root
    actions = ActionsSection.model_validate(sections.get("actions") or []).root
    return SuccessSnapshot(
        client=client,
        cse=portfolio_views.user_name(session, client.cse_id),
        cam=portfolio_views.user_name(session, client.cam_id),
        as_of=today,
        history=_history(session, client.id, today),
        risk=portfolio_views.client_risk(session, person, client.id, today),
        people=_people(session, client, sections.get("stakeholders")),
        plan=plan,
        plan_risks=sorted(risks, key=lambda r: SEVERITY_ORDER.index(r.severity))[:TOP_PLAN_RISKS],
        actions=sorted((a for a in actions if a.status != "done"), key=lambda a: a.due_date)[
            :TOP_ACTIONS
        ],
        coverage=_coverage(session, person, client, today.year),
    )


def _account_plan(
    session: Session, person: Person, client: Client, today: date
) -> PlanRecord | None:
    """The client's plan the person may read: this fiscal year's first, account plans before
    hybrids, the most recently changed first; archived plans are history, not the plan."""
    service = PlanService(session)
    plans = [
        p
        for p in service.list_plans(PlanFilters(client_id=client.id), 50, visible_to=person)
        if p.status != "archived"
    ]
    plans.sort(key=lambda p: (p.fiscal_year != today.year, p.plan_type != "account"))
    return service.get_plan(plans[0].id) if plans else None


def _history(session: Session, client_id: uuid.UUID, today: date) -> list[Reading]:
    since = today - timedelta(days=HISTORY_DAYS)
    rows = portfolio_repository.health_history(session, client_id, since, today)
    return [Reading(r.recorded_on, r.health_score, r.nps) for r in rows]


def _people(session: Session, client: Client, raw: object) -> list[KeyPerson]:
    """The plan's relationship map (decision makers first), then people met in meetings."""
    mapped = StakeholdersSection.model_validate(raw or []).root
    mapped = sorted(mapped, key=lambda s: ROLE_ORDER.index(s.role) if s.role in ROLE_ORDER else 99)
    people = [
        KeyPerson(s.name, s.title, s.role, f"plan; relationship {s.relationship}") for s in mapped
    ]
    known = {p.name.casefold() for p in people}
    for found in list_stakeholders(session, client.id):
        if found.side == "internal" or found.name.casefold() in known:
            continue
        meetings = f"{found.meetings} meeting{'' if found.meetings == 1 else 's'}"
        seen = f", last {day(found.last_seen)}" if found.last_seen else ""
        people.append(KeyPerson(found.name, found.title, found.meddpicc_role, f"{meetings}{seen}"))
    return people[:TOP_STAKEHOLDERS]


def _coverage(session: Session, person: Person, client: Client, fiscal_year: int) -> Coverage:
    pipeline = portfolio_repository.open_pipeline_total(session, client_id=client.id)
    cse = session.get(User, client.cse_id) if client.cse_id else None
    if cse is None:
        return Coverage(pipeline, None, None, None, "No CSE is assigned, so no target.", "no CSE")
    try:
        targets = portfolio_views.targets(session, person, cse.email, fiscal_year)
    except PermissionDeniedError:
        note = f"{cse.name}'s targets are shown to them, their managers and admins."
        return Coverage(pipeline, None, None, None, note, "CSE target not shown to you")
    remaining = targets.remaining_weighted_acv
    if targets.year is None:
        note = f"{cse.name} has no FY{fiscal_year} target."
        return Coverage(pipeline, None, None, None, note, "no target set")
    share = coverage(pipeline, remaining, Decimal(0))
    if share is None:
        note = f"{cse.name}'s FY{fiscal_year} target is met."
        return Coverage(pipeline, remaining, None, None, note, "target met")
    note = (
        f"{money(pipeline)} of open weighted pipeline against {money(remaining)} left of "
        f"{cse.name}'s FY{fiscal_year} target."
    )
    return Coverage(pipeline, remaining, share, targets.coverage, note)


# --- the page ------------------------------------------------------------------------------


def snapshot_pdf(session: Session, person: Person, client_id: uuid.UUID, today: date) -> bytes:
    """The one-page Success Snapshot of a client as a PDF (the person must see the client)."""
    snapshot = success_snapshot(session, person, client_id, today)
    return render_snapshot(snapshot)


def snapshot_filename(client_name: str, today: date) -> str:
    """'success-snapshot-barwon-health-2026-11-20.pdf'."""
    return file_name(f"success snapshot {client_name} {today}", "pdf")


def render_snapshot(s: SuccessSnapshot) -> bytes:
    """A gathered snapshot laid out on one A4 page."""
    c = s.client
    width = pdf.FRAME_WIDTH
    story: list[pdf.Flowable] = [
        pdf.para("Success Snapshot", "h4"),
        pdf.para(c.name, "title"),
        pdf.para(
            " · ".join(
                [
                    c.territory,
                    c.segment or "no segment",
                    f"CSE {s.cse or 'unassigned'}",
                    f"CAM {s.cam or 'unassigned'}",
                    f"as of {day(s.as_of)}",
                ]
            ),
            "small",
        ),
        pdf.Spacer(1, 3 * pdf.mm),
        _tiles(s, width),
        pdf.Spacer(1, 3 * pdf.mm),
        _charts(s, width),
        pdf.para(f"{s.coverage.note} {COVERAGE_DEFINITION}", "small"),
        pdf.para("Top stakeholders", "h3"),
        _stakeholders(s, width),
        pdf.para("Risks", "h3"),
        _risks(s, width),
        pdf.para("Next actions", "h3"),
        _actions(s, width),
        pdf.para(_sources(s), "small"),
    ]
    # Limits above keep it to a page; shrinking is the guarantee if long text still spills.
    page = pdf.KeepInFrame(width, pdf.FRAME_HEIGHT, story, mode="shrink")
    return pdf.build(
        [page], title=f"Success Snapshot: {c.name}", generated=s.as_of, subject="Success Snapshot"
    )


def _tiles(s: SuccessSnapshot, width: float) -> pdf.Flowable:
    c = s.client
    band = health_band(c.health_score)
    days = renewal_days(c, s.as_of)
    renewal = "no date" if days is None else f"in {days} days"
    risk = s.risk
    tiles = [
        (
            "Health",
            "-" if c.health_score is None else str(c.health_score),
            label(band) if band else "no score",
            pdf.colour_of(band),
        ),
        ("ARR", short_money(c.arr), "annual recurring revenue", None),
        ("Renewal", day(c.renewal_date), renewal, None),
        ("NPS", "-" if c.nps is None else f"{c.nps:+d}", _nps_change(s), None),
        (
            "Churn risk",
            label(risk.band) if risk.band else "Not scored",
            f"score {risk.score:.0f}" if risk.score is not None else "not enough data",
            pdf.colour_of(risk.band),
        ),
    ]
    return pdf.tiles(tiles, width)


def short_money(value: Decimal) -> str:
    """2850000 -> '$2.85M', 191100 -> '$191K' (for tiles, where space is short)."""
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:.2f}M"
    if abs(value) >= 1_000:
        return f"${value / 1_000:.0f}K"
    return money(value)


def _nps_change(s: SuccessSnapshot) -> str:
    scores = [(r.on, r.nps) for r in s.history if r.nps is not None]
    if len(scores) < 2:
        return "no trend yet"
    (since, first), (_, last) = scores[0], scores[-1]
    return f"{last - first:+d} since {since:%b %Y}"


def _charts(s: SuccessSnapshot, width: float) -> pdf.Flowable:
    nps = [(r.on, float(r.nps)) for r in s.history if r.nps is not None]
    health = [(r.on, float(r.health)) for r in s.history if r.health is not None]
    cov = s.coverage
    images = [
        charts.trend(nps, title="NPS, last 12 months", low=-100, high=100),
        charts.trend(health, title="Health, last 12 months", low=0, high=100, health_bands=True),
        charts.coverage_gauge(
            float(cov.share) if cov.share is not None else None,
            title="Account coverage",
            caption=f"pipeline {money(cov.pipeline)}"
            + ("" if cov.share is not None else f"; {cov.short_note}"),
            reference=float(cov.owner_coverage) if cov.owner_coverage is not None else None,
            reference_label=(
                f"CSE {cov.owner_coverage:.1f}x" if cov.owner_coverage is not None else ""
            ),
        ),
    ]
    return pdf.row(images, (0.36, 0.36, 0.28), width, height=46 * pdf.mm)


def _stakeholders(s: SuccessSnapshot, width: float) -> pdf.Flowable:
    if not s.people:
        return pdf.para("No stakeholders in the account plan or found in meetings yet.", "muted")
    rows = [(p.name, pdf.truncate(p.title or "-", 60), label(p.role), p.source) for p in s.people]
    return pdf.table(
        ("Name", "Title", "Role", "Known from"),
        rows,
        (2.2, 3, 1.6, 2.6),
        width=width,
        bold_first_column=True,
    )


def _risks(s: SuccessSnapshot, width: float) -> pdf.Flowable:
    risk = s.risk
    rows: list[tuple[str, str, str]] = []
    if risk.status == "scored":
        reasons = [r for r in risk.reasons if r.direction == "raises"][:TOP_REASONS]
        why = pdf.truncate("; ".join(r.detail for r in reasons) or "nothing stands out", 300)
        if risk.next_action:
            why += f"\nNext: {pdf.truncate(risk.next_action, 200)}"
        rows.append(("Churn risk (model)", why, label(risk.band)))
    else:
        rows.append(("Churn risk (model)", f"Not scored: {risk.missing or 'no data'}", "-"))
    for r in s.plan_risks:
        detail = pdf.truncate(r.description or "-", 200)
        if r.mitigation:
            detail += f"\nMitigation: {pdf.truncate(r.mitigation, 160)}"
        rows.append((pdf.truncate(r.title, 80), detail, label(r.severity)))
    if not s.plan_risks:
        rows.append(("Plan risks", _no_plan(s, "risks"), "-"))
    return pdf.table(
        ("Risk", "Why / mitigation", "Level"),
        rows,
        (2.4, 6.2, 1.1),
        width=width,
        bold_first_column=True,
    )


def _actions(s: SuccessSnapshot, width: float) -> pdf.Flowable:
    if not s.actions:
        return pdf.para(_no_plan(s, "open actions"), "muted")
    rows = [
        (
            pdf.truncate(a.title, 120),
            a.owner,
            day(a.due_date) + (" (overdue)" if a.due_date < s.as_of else ""),
            label(a.priority),
            label(a.status),
        )
        for a in s.actions
    ]
    return pdf.table(
        ("Action", "Owner", "Due", "Priority", "Status"), rows, (4.4, 1.8, 1.9, 1, 1.2), width=width
    )


def _no_plan(s: SuccessSnapshot, what: str) -> str:
    if s.plan is None:
        return f"No account plan for {s.client.name} yet, so no {what}."
    return f"The account plan has no {what}."


def _sources(s: SuccessSnapshot) -> str:
    plan = (
        f"FY{s.plan.fiscal_year} {s.plan.plan_type} plan v{s.plan.version} ({s.plan.status})"
        if s.plan
        else "no account plan"
    )
    return (
        f"Sources: client record and health history; churn risk {s.risk.model}; {plan}; "
        "stakeholders detected in meeting transcripts are suggestions."
    )
