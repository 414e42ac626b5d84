"""Performance tools: targets against actuals with drill-down, and an owner's gap to target.

Both read the domain's figures (``planning.performance``, ``planning.gap_analysis``) as the
acting person may see them; the text is compact, every number copied from those figures.
"""

from __future__ import annotations

from pydantic import Field

from core.budget import Record
from planning import gap_analysis as gaps
from planning import performance as perf
from planning.draft_data import money
from planning.performance_records import Level
from tools.context import ToolArgs, ToolContext
from tools.results import readable_errors, render


class PerformanceArgs(ToolArgs):
    """Arguments of performance_summary."""

    level: Level | None = Field(
        default=None,
        description="region, business_unit (client segment), territory, owner or client; "
        "omit for your own (your figures as a CSE or CAM, your region as a manager).",
    )
    key: str | None = Field(
        default=None,
        description="Which one: a region, segment or territory name, an owner's e-mail, a "
        "client's name. Drill down with a key the result lists.",
    )
    fiscal_year: int | None = Field(
        default=None, ge=2000, le=2100, description="Fiscal (calendar) year; omit for this one."
    )


class GapArgs(ToolArgs):
    """Arguments of gap_to_target."""

    owner: str | None = Field(
        default=None, description="E-mail of the CSE or CAM; omit for your own gap."
    )
    fiscal_year: int | None = Field(
        default=None, ge=2000, le=2100, description="Fiscal (calendar) year; omit for this one."
    )


@readable_errors
def performance_summary(
    ctx: ToolContext,
    level: Level | None = None,
    key: str | None = None,
    fiscal_year: int | None = None,
) -> str:
    """Show performance against target for a region, business unit, territory, owner (CSE or
    CAM) or client: weighted ACV, total ACV and TCV target vs actual with the gap, open
    pipeline and coverage, health distribution, focus deals with MEDDPICC grades, meeting
    readiness for the next 30 days, BURC alignment, and the units one level down to drill
    into. Use it for "how am I tracking", "how is VIC doing", "which CSE is behind"."""
    year = fiscal_year or ctx.today.year
    with ctx.reading() as session:
        level, key = perf.natural_scope(ctx.person, level, key)
        if key is None:
            units = perf.rollup(session, ctx.person, level, year, ctx.today)
            records = [Record(_headline(u), 1) for u in units]
            return render(f"{level} performance FY{year}", records, ctx.result_tokens)
        unit = perf.performance(session, ctx.person, level, key, year, ctx.today)
    return render(f"Performance of {unit.label} FY{year}", _lines(unit), ctx.result_tokens)


@readable_errors
def gap_to_target(
    ctx: ToolContext, owner: str | None = None, fiscal_year: int | None = None
) -> str:
    """Show an owner's weighted-ACV gap to this year's target (and per remaining quarter) and
    the ranked moves that could close it: focus deals to advance, MEDDPICC to strengthen,
    at-risk renewals to save, pipeline to add, each with its evidence. Use it for "how do I
    close my gap", "am I going to hit target"."""
    year = fiscal_year or ctx.today.year
    with ctx.reading() as session:
        analysis = gaps.gap_analysis(session, ctx.person, owner, year, ctx.today)
    records = [Record(line, 0) for line in gaps.gap_facts(analysis)]
    title = f"Gap to target of {analysis.owner.name} FY{year}"
    return render(title, records, ctx.result_tokens)


def _headline(unit: perf.Performance) -> str:
    return " | ".join([f"{unit.label} [key {unit.key}]", *perf.headline_figures(unit)])


def _lines(unit: perf.Performance) -> list[Record]:
    records = [Record(_headline(unit), 0)]
    if unit.targets:
        for quarter in unit.targets.quarters:
            w = quarter.weighted_acv
            records.append(
                Record(
                    f"Q{quarter.quarter}: weighted ACV {money(w.actual)} of {money(w.target)}, "
                    f"gap {money(w.gap)}",
                    1,
                )
            )
    if unit.burc_aligned_pct is not None:
        records.append(Record(f"BURC alignment {unit.burc_aligned_pct}% of open weighted ACV", 1))
    ready = unit.readiness
    records.append(
        Record(f"Meetings in {ready.window_days} days: {ready.meetings}, {ready.ready} ready", 1)
    )
    for deal in unit.focus_deals[:8]:
        weak = ", ".join(d.dimension for d in deal.weakest) or "-"
        records.append(
            Record(
                f"Focus deal {deal.name} ({deal.client}) | {deal.stage} | weighted "
                f"{money(deal.weighted_acv)} | MEDDPICC {deal.grade or 'not assessed'} "
                f"| weakest: {weak}",
                0,
            )
        )
    for child in unit.children:
        records.append(
            Record(
                f"Drill down: {child.level} {child.label} [key {child.key}] | pipeline "
                f"{money(child.pipeline)} | {child.clients} clients, {child.clients_at_risk} "
                "at risk",
                2,
            )
        )
    return records
