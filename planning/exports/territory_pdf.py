"""A territory's performance for a fiscal year as a PDF: targets against actuals per measure
and quarter, pipeline and coverage, health, focus deals, meeting readiness and its people.

The figures are :func:`planning.performance.performance` at territory level, so the report
says what the dashboard says; who may read it follows the same rule (every client of the
territory and the targets of everyone counted in it).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.identity import Person
from planning.exports import charts, pdf
from planning.exports.outline import day, file_name, label, money, ratio
from planning.exports.snapshot import short_money
from planning.performance import performance
from planning.performance_records import Performance
from planning.portfolio_views import Measure

MEASURE_TITLES = {
    "weighted_acv": "Weighted ACV",
    "acv_net_cogs": "ACV net of COGS",
    "total_acv": "Total ACV",
    "tcv": "Total contract value (TCV)",
}
TOP_FOCUS_DEALS = 12


def territory_pdf(
    session: Session, person: Person, territory: str, fiscal_year: int, today: date
) -> bytes:
    """The territory's performance report (NotFoundError for an unknown territory,
    PermissionDeniedError when ``person`` may not see all of it)."""
    return render_performance(
        performance(session, person, "territory", territory, fiscal_year, today)
    )


def territory_filename(territory: str, fiscal_year: int) -> str:
    """'vic-performance-fy2026.pdf'."""
    return file_name(f"{territory} performance fy{fiscal_year}", "pdf")


def render_performance(p: Performance) -> bytes:
    """A unit's performance laid out on A4 pages."""
    width = pdf.FRAME_WIDTH
    title = f"{p.label}: FY{p.fiscal_year} performance"
    story: list[pdf.Flowable] = [
        pdf.para(f"{label(p.level)} performance", "h4"),
        pdf.para(title, "title"),
        pdf.para(
            f"As of {day(p.as_of)} · {p.portfolio.clients} clients · ARR "
            f"{money(p.portfolio.arr)} · targets of {len(p.people)} people counted",
            "small",
        ),
        pdf.Spacer(1, 3 * pdf.mm),
        _tiles(p, width),
        pdf.Spacer(1, 3 * pdf.mm),
        _charts(p, width),
        pdf.para("Targets against actuals", "h2"),
        *_measure_tables(p, width),
        pdf.para(
            "Targets belong to people: each CSE's and CAM's targets and actuals count in the "
            "territory by the share of their clients in it. Gap = target - actual (negative "
            "when ahead). Coverage = open weighted pipeline of deals closing this year ÷ the "
            "weighted-ACV target still to close.",
            "small",
        ),
        pdf.para("People counted", "h2"),
        _people(p, width),
        pdf.para("Focus deals", "h2"),
        *_focus_deals(p, width),
        pdf.para("Meeting readiness", "h2"),
        *_readiness(p, width),
    ]
    return pdf.build(story, title=title, generated=p.as_of, subject="Territory performance")


def _tiles(p: Performance, width: float) -> pdf.Flowable:
    year = p.targets.year.weighted_acv if p.targets else None
    tiles = [
        ("Weighted ACV target", short_money(year.target) if year else "-", "FY total", None),
        ("Closed", short_money(year.actual) if year else "-", _attainment(year), None),
        ("Open pipeline", short_money(p.pipeline), _deals(p.open_deals), None),
        ("Coverage", ratio(p.coverage), "of the target still to close", None),
        (
            "BURC aligned",
            "-" if p.burc_aligned_pct is None else f"{p.burc_aligned_pct}%",
            "of pipeline value",
            None,
        ),
    ]
    return pdf.tiles(tiles, width)


def _deals(count: int) -> str:
    return f"{count} deal{'' if count == 1 else 's'}, weighted"


def _attainment(measure: Measure | None) -> str:
    if measure is None or not measure.target:
        return "no target"
    return f"{_attained(measure)} of target"


def _attained(m: Measure) -> str:
    """Actual as a share of target: '87%'; a dash without a target."""
    return f"{100 * m.actual / m.target:.0f}%" if m.target else "-"


def _charts(p: Performance, width: float) -> pdf.Flowable:
    quarters = [
        (f"Q{q.quarter}", float(q.weighted_acv.target), float(q.weighted_acv.actual))
        for q in (p.targets.quarters if p.targets else [])
    ]
    images = [
        charts.target_vs_actual(quarters, title="Weighted ACV by quarter: target vs actual"),
        charts.health_distribution(
            p.portfolio.health.model_dump(), title=f"Health of {p.portfolio.clients} clients"
        ),
    ]
    return pdf.row(images, (0.5, 0.5), width, height=55 * pdf.mm)


def _measure_tables(p: Performance, width: float) -> list[pdf.Flowable]:
    if p.targets is None:
        return [pdf.para("No targets: they belong to people, not to clients.", "muted")]
    flowables = []
    for measure, title in MEASURE_TITLES.items():
        rows = [(f"Q{q.quarter}", *_figures(getattr(q, measure))) for q in p.targets.quarters]
        rows.append(("Year", *_figures(getattr(p.targets.year, measure))))
        flowables.append(pdf.para(title, "h3"))
        flowables.append(
            pdf.table(
                ("Quarter", "Target", "Actual", "Gap", "Attained"),
                rows,
                (1, 1.6, 1.6, 1.6, 1.1),
                width=width * 0.75,
                numeric=(1, 2, 3, 4),
            )
        )
    return flowables


def _figures(m: Measure) -> tuple[str, str, str, str]:
    return money(m.target), money(m.actual), money(m.gap), _attained(m)


def _people(p: Performance, width: float) -> pdf.Flowable:
    by_email = {c.key: c for c in p.children}
    rows = []
    for person in p.people:
        child = by_email.get(person.email)
        target = child.weighted_acv if child else None
        rows.append(
            (
                f"{person.name}\n{person.role}",
                f"{person.clients_in_unit} of {person.clients_total} ({person.share:.0%})",
                money(target.target) if target else "-",
                money(target.actual) if target else "-",
                money(child.pipeline) if child else "-",
                ratio(child.coverage) if child else "-",
                f"{child.clients_at_risk} of {child.clients}" if child else "-",
            )
        )
    if not rows:
        return pdf.para("Nobody's targets are counted here.", "muted")
    columns = ("Person", "Clients here (share)", "Weighted ACV target", "Closed", "Pipeline")
    return pdf.table(
        (*columns, "Coverage", "Clients at risk"),
        rows,
        (2.2, 1.7, 1.6, 1.5, 1.5, 1.1, 1.2),
        width=width,
        bold_first_column=True,
        numeric=(2, 3, 4, 5),
    )


def _focus_deals(p: Performance, width: float) -> list[pdf.Flowable]:
    if not p.focus_deals:
        return [pdf.para("No open focus deals closing this fiscal year.", "muted")]
    rows = [
        (
            f"{d.name}\n{d.client}",
            d.owner or "-",
            label(d.stage),
            money(d.weighted_acv),
            day(d.close_date),
            f"{d.grade} ({d.meddpicc_total}/40)" if d.grade else "not assessed",
            ", ".join(f"{label(w.dimension)} {w.score}" for w in d.weakest) or "-",
        )
        for d in p.focus_deals[:TOP_FOCUS_DEALS]
    ]
    more = len(p.focus_deals) - TOP_FOCUS_DEALS
    table = pdf.table(
        ("Deal", "Owner", "Stage", "Weighted ACV", "Close", "MEDDPICC", "Weakest"),
        rows,
        (3, 1.6, 1.1, 1.4, 1.3, 1.3, 2.2),
        width=width,
        bold_first_column=True,
        numeric=(3,),
    )
    if more <= 0:
        return [table]
    return [table, pdf.para(f"… and {more} more focus deals.", "muted")]


def _readiness(p: Performance, width: float) -> list[pdf.Flowable]:
    r = p.readiness
    average = "-" if r.average is None else f"{r.average} of 5"
    summary = pdf.facts(
        [
            (f"Meetings in the next {r.window_days} days", str(r.meetings)),
            ("Ready (overall 4+ and checklist done)", str(r.ready)),
            ("Average readiness", average),
        ],
        width=width,
    )
    if not r.least_ready:
        return [summary]
    rows = [
        (
            f"{m.title}\n{m.client}",
            m.owner or "-",
            day(m.meeting_at.date()),
            f"{m.overall}",
            f"{m.checklist_done} of {m.checklist_items}",
        )
        for m in r.least_ready
    ]
    return [
        summary,
        pdf.para("Least ready", "h3"),
        pdf.table(
            ("Meeting", "Owner", "When", "Readiness", "Checklist"),
            rows,
            (3.6, 1.8, 1.4, 1.1, 1.1),
            width=width,
            bold_first_column=True,
        ),
    ]
