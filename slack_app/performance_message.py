"""``/chasen performance [unit]``: targets against actuals, with the units to drill into."""

from __future__ import annotations

from datetime import date
from typing import Final

from sqlalchemy.orm import Session

from core.identity import Person
from planning import performance as perf
from planning.draft_data import money
from planning.performance_records import Performance
from slack_app.blocks import escape, report_message
from slack_app.messages import Message

MAX_DEALS: Final = 5
MAX_CHILDREN: Final = 8
MAX_UNITS: Final = 12


def performance_message(session: Session, person: Person, argument: str, today: date) -> Message:
    """One unit's performance (the person's own without ``argument``), or every unit of the
    person's level when they have no unit of their own (an admin's regions)."""
    if argument:
        level, key = perf.unit_named(session, argument)
    else:
        level, found = perf.natural_scope(person, None, None)
        if found is None:
            units = perf.rollup(session, person, level, today.year, today)
            lines = [f"*{escape(level.replace('_', ' ').capitalize())}s, FY{today.year}*"]
            lines += [_headline(u) for u in units[:MAX_UNITS]]
            footer = "Drill in with `/chasen performance <name>`"
            return report_message(f"Performance of {len(units)} {level}s", "\n".join(lines), footer)
        key = found
    unit = perf.performance(session, person, level, key, today.year, today)
    return unit_message(unit)


def unit_message(unit: Performance) -> Message:
    """A unit's figures as Block Kit: headline, quarters, focus deals, readiness, drill-down."""
    lines = [f"*{escape(unit.label)}* · {unit.level.replace('_', ' ')} · FY{unit.fiscal_year}"]
    lines.append(_headline(unit))
    if unit.targets:
        quarters = " · ".join(
            f"Q{q.quarter} {money(q.weighted_acv.actual)}/{money(q.weighted_acv.target)}"
            for q in unit.targets.quarters
        )
        lines.append(f"Weighted ACV by quarter (actual/target): {quarters}")
    if unit.burc_aligned_pct is not None:
        lines.append(f"BURC alignment: {unit.burc_aligned_pct}% of open weighted ACV")
    ready = unit.readiness
    lines.append(
        f"Meetings in the next {ready.window_days} days: {ready.meetings}, {ready.ready} ready"
    )
    if unit.focus_deals:
        lines.append("*Focus deals*")
        for deal in unit.focus_deals[:MAX_DEALS]:
            weak = ", ".join(d.dimension.replace("_", " ") for d in deal.weakest) or "-"
            lines.append(
                f"• {escape(deal.name)} ({escape(deal.client)}): {money(deal.weighted_acv)} "
                f"weighted · MEDDPICC {deal.grade or 'not assessed'} · weakest: {escape(weak)}"
            )
    if unit.children:
        lines.append("*Drill down*")
        for child in unit.children[:MAX_CHILDREN]:
            lines.append(
                f"• {escape(child.label)}: pipeline {money(child.pipeline)}, "
                f"{child.clients} clients, {child.clients_at_risk} at risk · "
                f"`/chasen performance {escape(child.key)}`"
            )
    text = f"Performance of {unit.label}, FY{unit.fiscal_year}"
    footer = f"ChaSen · performance as of {unit.as_of.isoformat()}"
    return report_message(text, "\n".join(lines), footer)


def _headline(unit: Performance) -> str:
    return f"{escape(unit.label)}: " + " · ".join(perf.headline_figures(unit))
