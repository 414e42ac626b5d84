"""Portfolio performance with drill-down, and an owner's gap analysis.

Figures and visibility come from ``planning.performance`` and ``planning.gap_analysis``: the
API shows each caller only the units they may see (403 otherwise, 404 for an unknown key).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from agent.gap_wording import word_gap_analysis
from api.deps import ChaSenDep, PersonDep, SessionDep
from api.routes.dashboard import TodayDep
from planning import gap_analysis as gaps
from planning import performance as perf
from planning.gap_analysis import GapAnalysis
from planning.performance_records import Level, Performance

router = APIRouter(tags=["performance"])

FiscalYear = Annotated[
    int | None, Query(ge=2000, le=2100, description="Fiscal (calendar) year; default this.")
]


class PerformanceList(BaseModel):
    """Every unit of a level the caller may see."""

    level: Level
    fiscal_year: int
    as_of: date
    items: list[Performance] = Field(description="By key (owners and clients by name).")


class GapView(GapAnalysis):
    """The gap analysis, optionally with its summary worded by the language model."""

    worded_summary: str | None = Field(
        default=None,
        description="With worded=true: the model's wording of the summary from the "
        "recommendations only, or the templated summary when no model answered.",
    )
    worded_by: str | None = Field(
        default=None, description="The model's name, or 'template'; null unless worded=true."
    )


@router.get("/performance", response_model=Performance | PerformanceList)
def performance(
    person: PersonDep,
    session: SessionDep,
    today: TodayDep,
    level: Annotated[
        Level | None,
        Query(
            description="region, business_unit (the client segment), territory, owner or "
            "client; default the caller's own level."
        ),
    ] = None,
    key: Annotated[
        str | None,
        Query(
            min_length=1,
            description="Which unit: a region, segment or territory name, an owner's e-mail, a "
            "client's id or name. Omitted: every unit of the level the caller may see.",
        ),
    ] = None,
    fiscal_year: FiscalYear = None,
) -> Performance | PerformanceList:
    """Targets against actuals per quarter and for the year, pipeline and coverage, health,
    focus deals with MEDDPICC, meeting readiness and BURC alignment of one unit, with the
    units one level down to drill into; or, without a key, every unit of the level."""
    year = fiscal_year or today.year
    level, key = perf.natural_scope(person, level, key)
    if key is not None:
        return perf.performance(session, person, level, key, year, today)
    items = perf.rollup(session, person, level, year, today)
    return PerformanceList(level=level, fiscal_year=year, as_of=today, items=items)


@router.get("/performance/gap", response_model=GapView)
def gap(
    person: PersonDep,
    session: SessionDep,
    today: TodayDep,
    chasen: ChaSenDep,
    owner: Annotated[
        str | None, Query(description="E-mail of the CSE or CAM; default the caller.")
    ] = None,
    fiscal_year: FiscalYear = None,
    worded: Annotated[
        bool, Query(description="Also word the summary with the language model, if configured.")
    ] = False,
) -> GapView:
    """The owner's weighted-ACV gap for the year and per remaining quarter, and the ranked
    moves that could close it (focus deals, renewals to save, pipeline to add) with evidence."""
    analysis = gaps.gap_analysis(session, person, owner, fiscal_year or today.year, today)
    view = GapView(**analysis.model_dump())
    if not worded:
        return view
    # The model may take seconds: give the connection back before calling it.
    session.rollback()
    text = word_gap_analysis(analysis, chasen.model)
    by = chasen.model.name if text != analysis.summary else "template"
    return view.model_copy(update={"worded_summary": text, "worded_by": by})
