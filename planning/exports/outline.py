"""A plan as an outline of headings, facts, tables and prose, and the value formats they use.

The outline is the one description of what an exported plan says: the five steps with every
section readable, empty sections marked "Not filled in yet". Markdown (``markdown``) and the PDF
(``plan_pdf``) render the same outline, so the two documents never disagree. Outline cells hold
the user's raw text (whitespace collapsed); each renderer escapes it for its own format.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pydantic

from planning import draft_data
from planning.calculations import health_band
from planning.completion import STEPS
from planning.records import PlanRecord
from planning.sections import (
    QUARTER_AMOUNTS,
    SECTION_MODELS,
    ActionsSection,
    OpportunitiesSection,
    PortfolioSection,
    RisksSection,
    Snapshot,
    StakeholdersSection,
    Targets,
    Value,
    is_filled,
)

NOT_FILLED = "Not filled in yet"
STEP_TITLES = {
    "context": "1. Context & selection",
    "portfolio": "2. Portfolio & health snapshot",
    "relationships": "3. Relationships & opportunities",
    "risks": "4. Risks & actions",
    "review": "5. Review & collaborate",
}
SECTION_TITLES = {
    "portfolio": "Portfolio",
    "snapshot": "Health snapshot",
    "targets": "Targets and coverage",
    "stakeholders": "Relationship map",
    "opportunities": "Opportunities",
    "risks": "Risks",
    "actions": "Actions",
    "value": "Value and outcomes",
}
PLAN_KINDS = {"account": "account plan", "territory": "territory plan", "hybrid": "hybrid plan"}


# --- the outline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A title (level 1), a step (2), a section (3) or a part of one (4)."""

    text: str
    level: int


@dataclass(frozen=True)
class Facts:
    """Labelled values, e.g. ``("Owner", "Tracey Bland (CSE)")``."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Prose:
    """Free text written by a person; blank lines separate paragraphs."""

    text: str

    def paragraphs(self) -> list[str]:
        """The text's paragraphs, each still holding its own line breaks."""
        return re.split(r"\n\s*\n", self.text.strip())


@dataclass(frozen=True)
class Table:
    """Rows under column titles; ``widths`` are relative column widths; a newline in a cell
    separates its heading line from its detail."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Empty:
    """A section with nothing in it yet."""

    text: str = NOT_FILLED


Block = Heading | Facts | Prose | Table | Empty


# --- formatting of values ------------------------------------------------------------------


def money(value: Decimal | float | None) -> str:
    """1234567.8 -> '$1,234,568' (AUD; '-$5' below zero); a dash when unknown."""
    return "-" if value is None else draft_data.money(value)


def day(value: date | None) -> str:
    """A date as '20 Nov 2026'; a dash when unknown."""
    return "-" if value is None else f"{value.day} {value:%b %Y}"


def label(value: str | None) -> str:
    """A code such as 'in_review' as 'In review'."""
    return "-" if not value else value.replace("_", " ").capitalize()


def text(value: Any) -> str:
    """A user value on one line (runs of whitespace collapsed); a dash when empty."""
    if value is None or value == "":
        return "-"
    return " ".join(str(value).split())


def ratio(value: Decimal | float | None) -> str:
    """Coverage 1.354 -> '1.35x'; a dash when there is none."""
    return "-" if value is None else f"{Decimal(value):.2f}x"


def health(score: int | None) -> str:
    """84 -> '84 (healthy)'."""
    band = health_band(score)
    return "-" if score is None or band is None else f"{score} ({label(band).lower()})"


def plan_title(plan: PlanRecord) -> str:
    """'FY2026 account plan: Barwon Health'."""
    kind = PLAN_KINDS.get(plan.plan_type or "", "plan")
    if plan.plan_type == "account":
        subject = plan.client_name or plan.territory
    else:
        subject = " / ".join(s for s in (plan.territory, plan.client_name) if s) or None
    return f"FY{plan.fiscal_year} {kind}: {subject or 'no subject yet'}"


def file_name(title: str, extension: str) -> str:
    """A safe ASCII file name from a title: 'FY2026 account plan: Barwon Health', 'pdf' ->
    'fy2026-account-plan-barwon-health.pdf'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:120].rstrip("-")
    return f"{slug or 'document'}.{extension}"


def plan_filename(plan: PlanRecord, extension: str) -> str:
    """The plan's file name: 'fy2026-account-plan-barwon-health.pdf'."""
    return file_name(plan_title(plan), extension)


# --- the plan as an outline ----------------------------------------------------------------


def plan_outline(plan: PlanRecord, generated: date) -> list[Block]:
    """The plan's content in reading order: title, status, then the five steps."""
    steps = plan.steps_completed or {}
    done = [STEP_TITLES[name][3:] for name, _ in STEPS if steps.get(name)]
    blocks: list[Block] = [
        Heading(plan_title(plan), 1),
        Facts(
            (
                ("Owner", _owner(plan)),
                ("Status", label(plan.status or "draft")),
                ("Version", str(plan.version)),
                ("Completion", f"{plan.completion_percentage or 0}%"),
                ("Steps done", f"{len(done)} of {len(STEPS)}: {', '.join(done) or 'none yet'}"),
                ("Generated", day(generated)),
            )
        ),
    ]
    for step, members in STEPS:
        blocks.append(Heading(STEP_TITLES[step], 2))
        if step == "context":
            blocks.append(_context(plan))
        if step == "review":
            blocks.append(_review(plan))
        for section in members:
            blocks.append(Heading(SECTION_TITLES[section], 3))
            blocks.extend(_section(section, plan.sections.get(section)))
    return blocks


def _owner(plan: PlanRecord) -> str:
    role = f" ({plan.primary_owner_role})" if plan.primary_owner_role else ""
    return f"{text(plan.primary_owner)}{role}"


def _context(plan: PlanRecord) -> Facts:
    return Facts(
        (
            ("Plan type", label(plan.plan_type)),
            ("Fiscal year", f"FY{plan.fiscal_year}"),
            ("Owner", _owner(plan)),
            ("Territory", text(plan.territory)),
            ("Client", text(plan.client_name)),
            ("Collaborators", ", ".join(text(c) for c in plan.collaborators or []) or "-"),
        )
    )


def _review(plan: PlanRecord) -> Facts:
    submitted = f"{text(plan.submitted_by)}, {day(_date(plan.submitted_at))}"
    approved = f"{text(plan.approved_by)}, {day(_date(plan.approved_at))}"
    return Facts(
        (
            ("Submitted", submitted if plan.submitted_by else "not yet"),
            ("Approved", approved if plan.approved_by else "not yet"),
            ("Last changed", day(_date(plan.updated_at))),
        )
    )


def _date(value: Any) -> date | None:
    return value.date() if value is not None else None


def _section(name: str, raw: Any) -> list[Block]:
    if not is_filled(raw):
        return [Empty()]
    try:
        parsed = SECTION_MODELS[name].model_validate(raw)
    except pydantic.ValidationError:
        # Stored data is validated on write; anything else predates today's schema.
        return [Empty("Stored in an older shape that cannot be shown; open it in the app")]
    render = _RENDERERS[name]
    return render(parsed)


def _portfolio(section: Any) -> list[Block]:
    clients = section.root if isinstance(section, PortfolioSection) else []
    rows = tuple(
        (
            text(c.name),
            text(c.territory),
            text(c.segment),
            money(c.arr),
            health(c.health_score),
            text(c.nps),
            day(c.renewal_date),
        )
        for c in clients
    )
    total = sum((c.arr or Decimal(0) for c in clients), Decimal(0))
    columns = ("Client", "Territory", "Segment", "ARR", "Health", "NPS", "Renewal")
    return [
        Facts((("Clients", str(len(clients))), ("Total ARR", money(total)))),
        Table(columns, rows, (3, 1.4, 1.6, 1.6, 1.6, 0.8, 1.6)),
    ]


def _snapshot(section: Any) -> list[Block]:
    s = section if isinstance(section, Snapshot) else Snapshot()
    items = [
        ("As of", day(s.as_of)),
        ("ARR", money(s.arr)),
        ("Health", health(s.health_score)),
        ("NPS", text(s.nps)),
        ("Segment", text(s.segment)),
        ("Support SLA met", "-" if s.support_sla_pct is None else f"{s.support_sla_pct}%"),
        ("Open P1 tickets", text(s.open_p1s)),
        ("Renewal", day(s.renewal_date)),
        ("Clients", text(s.client_count)),
    ]
    if s.health_distribution is not None:
        d = s.health_distribution
        items.append(
            (
                "Health distribution",
                f"{d.healthy} healthy, {d.at_risk} at risk, {d.critical} critical, "
                f"{d.unknown} unknown",
            )
        )
    return [Facts(tuple((k, v) for k, v in items if v != "-"))]


def _targets(section: Any) -> list[Block]:
    t = section if isinstance(section, Targets) else None
    if t is None:
        return [Empty()]
    facts = Facts(
        (
            ("Fiscal year", f"FY{t.fiscal_year}"),
            ("Open weighted pipeline", money(t.pipeline_weighted_acv)),
            ("Coverage (weighted pipeline / remaining target)", ratio(t.coverage)),
        )
    )
    if not t.quarters:
        return [facts]
    columns = (
        "Quarter",
        "Weighted ACV target",
        "actual",
        "Total ACV target",
        "actual",
        "TCV target",
        "actual",
    )
    rows: list[tuple[str, ...]] = [
        (f"Q{q.quarter}", *(money(getattr(q, name)) for name in QUARTER_AMOUNTS))
        for q in sorted(t.quarters, key=lambda q: q.quarter)
    ]
    year = tuple(
        money(sum((getattr(q, name) for q in t.quarters), Decimal(0))) for name in QUARTER_AMOUNTS
    )
    rows.append(("Year", *year))
    return [facts, Table(columns, tuple(rows), (1, 1.6, 1.4, 1.6, 1.4, 1.6, 1.4))]


def _stakeholders(section: Any) -> list[Block]:
    people = section.root if isinstance(section, StakeholdersSection) else []
    rows = tuple(
        (
            _with_detail(p.name, p.notes),
            text(p.title),
            text(p.organisation),
            label(p.role),
            label(p.relationship),
            day(p.last_contact),
        )
        for p in people
    )
    columns = ("Name", "Title", "Organisation", "Role", "Relationship", "Last contact")
    return [Table(columns, rows, (3, 2, 2, 1.6, 1.4, 1.5))]


def _opportunities(section: Any) -> list[Block]:
    deals = section.root if isinstance(section, OpportunitiesSection) else []
    rows = tuple(
        (
            _with_detail(
                f"{o.name}{' (focus deal)' if o.focus_deal else ''}",
                o.client_name,
            ),
            label(o.stage),
            f"{o.probability:.0f}%",
            money(o.acv),
            money(o.weighted_acv),
            day(o.close_date),
            "-" if o.meddpicc_grade is None else f"{o.meddpicc_grade} ({o.meddpicc_total}/40)",
            text(o.next_step),
        )
        for o in deals
    )
    weighted = sum((o.weighted_acv or Decimal(0) for o in deals), Decimal(0))
    columns = ("Opportunity", "Stage", "Prob.", "ACV", "Weighted", "Close", "MEDDPICC", "Next step")
    return [
        Facts((("Deals", str(len(deals))), ("Weighted ACV", money(weighted)))),
        Table(columns, rows, (2.8, 1.1, 0.8, 1.4, 1.4, 1.4, 1.6, 2.7)),
    ]


def _risks(section: Any) -> list[Block]:
    risks = section.root if isinstance(section, RisksSection) else []
    rows = tuple(
        (
            _with_detail(r.title, r.description),
            text(r.client_name),
            label(r.category),
            f"{label(r.severity)} / {r.likelihood}",
            text(r.mitigation),
            text(r.owner),
        )
        for r in risks
    )
    columns = ("Risk", "Client", "Category", "Severity / likelihood", "Mitigation", "Owner")
    return [Table(columns, rows, (3.2, 1.6, 1.3, 1.5, 3, 1.4))]


def _actions(section: Any) -> list[Block]:
    actions = section.root if isinstance(section, ActionsSection) else []
    ordered = sorted(actions, key=lambda a: (a.status == "done", a.due_date))
    rows = tuple(
        (
            _with_detail(a.title, a.client_name),
            text(a.owner),
            day(a.due_date),
            label(a.priority),
            label(a.status),
        )
        for a in ordered
    )
    open_count = sum(a.status != "done" for a in actions)
    columns = ("Action", "Owner", "Due", "Priority", "Status")
    return [
        Facts((("Open", str(open_count)), ("Done", str(len(actions) - open_count)))),
        Table(columns, rows, (4.5, 2, 1.5, 1.1, 1.3)),
    ]


def _value(section: Any) -> list[Block]:
    v = section if isinstance(section, Value) else Value()
    blocks: list[Block] = [Heading("Executive summary", 4)]
    summary = (v.executive_summary or "").strip()
    blocks.append(Prose(summary) if summary else Empty())
    blocks.append(Heading("Outcomes", 4))
    if not v.outcomes:
        blocks.append(Empty())
        return blocks
    rows = tuple(
        (
            text(o.title),
            text(o.metric),
            text(o.baseline),
            text(o.target),
            text(o.current),
            label(o.status),
        )
        for o in v.outcomes
    )
    columns = ("Outcome", "Metric", "Baseline", "Target", "Current", "Status")
    blocks.append(Table(columns, rows, (3, 2, 1.3, 1.3, 1.3, 1.2)))
    return blocks


def _with_detail(head: str, detail: str | None) -> str:
    """A cell's heading line, and its detail on a second line when there is one."""
    return text(head) if not detail else f"{text(head)}\n{text(detail)}"


_RENDERERS = {
    "portfolio": _portfolio,
    "snapshot": _snapshot,
    "targets": _targets,
    "stakeholders": _stakeholders,
    "opportunities": _opportunities,
    "risks": _risks,
    "actions": _actions,
    "value": _value,
}
