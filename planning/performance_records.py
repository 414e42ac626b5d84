"""What a performance view holds: the records of :mod:`planning.performance`.

A :class:`Performance` is one unit (region, business unit, territory, owner or client) of
:data:`Level`: its targets, the people whose targets it counts, pipeline, coverage, portfolio,
focus deals, meeting readiness and the units one level down. Every record is frozen; how the
figures are computed, and who may see them, is in :mod:`planning.performance`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass as model_dataclass

from planning.portfolio_views import AUD, HealthCounts, Measure, Measures, QuarterTargets

Level = Literal["region", "business_unit", "territory", "owner", "client"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class TargetFigures(_Record):
    """Targets, actuals and gaps per quarter (all four) and for the year."""

    quarters: list[QuarterTargets] = Field(description="Quarters 1-4; zeros where none are set.")
    year: Measures


class Contributor(_Record):
    """A person whose targets a unit counts, and which share of them."""

    email: str
    name: str
    role: str
    clients_in_unit: int = Field(description="Their clients in the unit.")
    clients_total: int = Field(description="All their clients (0: counted whole in their region).")
    share: Decimal = Field(description="Share of their targets counted, to four decimals.")


class PortfolioFigures(_Record):
    """The unit's clients."""

    clients: int
    arr: Decimal = Field(description=f"Total ARR, {AUD}.")
    health: HealthCounts


class DimensionScore(_Record):
    """One MEDDPICC dimension's score (0-5)."""

    dimension: str
    score: int


class FocusDeal(_Record):
    """An open focus deal of the fiscal year and how well it is qualified."""

    opportunity_id: uuid.UUID
    name: str
    client_id: uuid.UUID
    client: str
    owner: str | None = Field(description="The deal owner's name.")
    stage: str
    probability: Decimal = Field(description="Win probability in percent.")
    acv: Decimal = Field(description=AUD)
    weighted_acv: Decimal = Field(description=AUD)
    close_date: date | None
    meddpicc_total: int | None = Field(description="Out of 40; null when not assessed.")
    grade: str | None = Field(description="Letter grade A-F; null when not assessed.")
    weakest: list[DimensionScore] = Field(
        description="The dimensions at the deal's lowest score (at most three); empty when "
        "every dimension scores 5 or the deal is not assessed."
    )


class MeetingReadiness(_Record):
    """One upcoming meeting's Power Messaging readiness."""

    readiness_id: uuid.UUID
    title: str
    client: str
    owner: str | None
    meeting_at: datetime
    overall: Decimal = Field(description="Mean of the five 1-5 scores.")
    checklist_done: int
    checklist_items: int
    ready: bool = Field(description="Overall >= 4.00 and every checklist item done.")


class ReadinessFigures(_Record):
    """Meetings from today through the next 30 days."""

    window_days: int
    meetings: int
    ready: int
    average: Decimal | None = Field(description="Mean overall readiness; null without meetings.")
    least_ready: list[MeetingReadiness] = Field(description="Least ready first, at most three.")


# A dataclass, not a model: a rollup makes one per client of every owner, and a slotted
# dataclass is one object for the garbage collector to track where a model is three.
@model_dataclass(frozen=True, slots=True)
class ChildSummary:
    """A unit one level down, as far as it lies within its parent, for drill-down."""

    level: Level
    key: Annotated[str, Field(description="Pass it as ``key`` with ``level`` to drill down.")]
    label: str
    weighted_acv: Annotated[
        Measure | None, Field(description="Weighted-ACV target; null for clients.")
    ]
    pipeline: Annotated[Decimal, Field(description=f"Open weighted pipeline of the year, {AUD}.")]
    coverage: Decimal | None
    clients: int
    clients_at_risk: Annotated[int, Field(description="Clients with health below 70.")]


class Performance(_Record):
    """One unit's targets, pipeline, coverage, health, focus deals, readiness and children."""

    level: Level
    key: str
    label: str
    fiscal_year: int
    as_of: date
    targets: TargetFigures | None = Field(description="Null for a client: targets are people's.")
    people: list[Contributor] = Field(description="Whose targets are counted, and how much.")
    pipeline: Decimal = Field(description=f"Open weighted ACV of deals closing this year, {AUD}.")
    pipeline_acv: Decimal = Field(description=f"The same deals' unweighted ACV, {AUD}.")
    open_deals: int
    remaining_weighted_acv: Decimal | None = Field(
        description=f"Weighted-ACV target still to close (0 once met), {AUD}; null for a client."
    )
    coverage: Decimal | None = Field(
        description="Pipeline over the remaining target; null when nothing remains."
    )
    burc_aligned_pct: Decimal | None = Field(
        description="Percent of the pipeline's weighted ACV matched to BURC; null without pipeline."
    )
    portfolio: PortfolioFigures
    focus_deals: list[FocusDeal] = Field(description="Largest weighted ACV first.")
    readiness: ReadinessFigures
    children: list[ChildSummary]
