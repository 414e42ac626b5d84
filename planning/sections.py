"""Typed schemas of the eight plan sections (JSONB columns ``<name>_data`` of strategic_plans).

Derived figures (weighted ACV, MEDDPICC total and grade, coverage) are recomputed on every
validation, so a value sent by a client can never disagree with its inputs. List items carry a
stable ``id`` that comments and the agent use to point at them.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    field_validator,
    model_validator,
)

from core.errors import ValidationError
from core.models import Stage
from core.validation import parse
from planning import calculations

# Money and percentages are exact decimals in Python and plain numbers in JSON.
Amount = Annotated[
    Decimal, Field(ge=0, max_digits=14, decimal_places=2), PlainSerializer(float, when_used="json")
]
Percent = Annotated[
    Decimal, Field(ge=0, le=100, decimal_places=2), PlainSerializer(float, when_used="json")
]
Ratio = Annotated[Decimal, PlainSerializer(float, when_used="json")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Score05 = Annotated[int, Field(ge=0, le=5)]


_ItemT = TypeVar("_ItemT", bound="_Item")


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # PostgreSQL cannot store a NUL character in text or JSON: refuse it here, by name,
        # rather than let the write fail in the database.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text cannot contain NUL characters")
        return value


class _Item(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=64)] = Field(default_factory=_new_id)


class PortfolioClient(_Item):
    """One client in scope of the plan."""

    client_id: uuid.UUID | None = None
    name: Text
    territory: str | None = None
    segment: str | None = None
    arr: Amount | None = None
    health_score: Annotated[int, Field(ge=0, le=100)] | None = None
    nps: Annotated[int, Field(ge=-100, le=100)] | None = None
    renewal_date: date | None = None


class HealthDistribution(_Strict):
    """How many clients fall in each health band."""

    healthy: Annotated[int, Field(ge=0)] = 0
    at_risk: Annotated[int, Field(ge=0)] = 0
    critical: Annotated[int, Field(ge=0)] = 0
    unknown: Annotated[int, Field(ge=0)] = 0


class Snapshot(_Strict):
    """Health snapshot: one client's figures (account plan) or the portfolio's (territory)."""

    as_of: date | None = None
    arr: Amount | None = None
    health_score: Annotated[int, Field(ge=0, le=100)] | None = None
    nps: Annotated[int, Field(ge=-100, le=100)] | None = None
    segment: str | None = None
    support_sla_pct: Percent | None = None
    open_p1s: Annotated[int, Field(ge=0)] | None = None
    renewal_date: date | None = None
    client_count: Annotated[int, Field(ge=0)] | None = None
    health_distribution: HealthDistribution | None = None


class QuarterFigures(_Strict):
    """Target and actual for one quarter."""

    quarter: Annotated[int, Field(ge=1, le=4)]
    weighted_acv_target: Amount = Decimal(0)
    weighted_acv_actual: Amount = Decimal(0)
    total_acv_target: Amount = Decimal(0)
    total_acv_actual: Amount = Decimal(0)
    tcv_target: Amount = Decimal(0)
    tcv_actual: Amount = Decimal(0)


QUARTER_AMOUNTS: Final = tuple(name for name in QuarterFigures.model_fields if name != "quarter")
"""A quarter's amounts in order: weighted ACV, total ACV and TCV, each target then actual."""


class Targets(_Strict):
    """FY targets against pipeline; ``coverage`` is derived (weighted pipeline / remaining)."""

    fiscal_year: Annotated[int, Field(ge=2000, le=2100)]
    quarters: list[QuarterFigures] = Field(default_factory=list, max_length=4)
    pipeline_weighted_acv: Amount = Decimal(0)
    coverage: Ratio | None = None

    @model_validator(mode="after")
    def _derive(self) -> Targets:
        quarters = [q.quarter for q in self.quarters]
        if len(set(quarters)) != len(quarters):
            raise ValueError("each quarter may appear once")
        target = sum((q.weighted_acv_target for q in self.quarters), Decimal(0))
        actual = sum((q.weighted_acv_actual for q in self.quarters), Decimal(0))
        self.coverage = calculations.coverage(self.pipeline_weighted_acv, target, actual)
        return self


class Meddpicc(_Strict):
    """MEDDPICC scores, 0-5 each (0: not known yet)."""

    metrics: Score05 = 0
    economic_buyer: Score05 = 0
    decision_criteria: Score05 = 0
    decision_process: Score05 = 0
    paper_process: Score05 = 0
    identify_pain: Score05 = 0
    champion: Score05 = 0
    competition: Score05 = 0


class Opportunity(_Item):
    """A deal in the plan, with derived weighted ACV and MEDDPICC total and grade."""

    opportunity_id: uuid.UUID | None = None
    name: Text
    client_name: str | None = None
    stage: Stage = "qualify"
    probability: Percent = Decimal(0)
    acv: Amount = Decimal(0)
    tcv: Amount = Decimal(0)
    close_date: date | None = None
    focus_deal: bool = False
    meddpicc: Meddpicc | None = None
    next_step: str | None = None
    weighted_acv: Amount | None = None
    meddpicc_total: int | None = None
    meddpicc_grade: str | None = None

    @model_validator(mode="after")
    def _derive(self) -> Opportunity:
        self.weighted_acv = calculations.weighted_acv(self.acv, self.probability)
        if self.meddpicc is None:
            self.meddpicc_total = self.meddpicc_grade = None
        else:
            self.meddpicc_total = calculations.meddpicc_total(self.meddpicc.model_dump())
            self.meddpicc_grade = calculations.meddpicc_grade(self.meddpicc_total)
        return self


class Stakeholder(_Item):
    """A person in the client's relationship map."""

    name: Text
    title: str | None = None
    organisation: str | None = None
    role: Literal[
        "economic_buyer", "champion", "decision_maker", "influencer", "user", "blocker", "other"
    ] = "other"
    relationship: Literal["strong", "neutral", "weak", "unknown"] = "unknown"
    email: str | None = None
    last_contact: date | None = None
    notes: str | None = None
    source: str | None = None


class Risk(_Item):
    """A risk to the plan, with severity and mitigation."""

    title: Text
    description: str | None = None
    client_name: str | None = None
    category: Literal[
        "churn", "renewal", "relationship", "delivery", "commercial", "competitive", "other"
    ] = "other"
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    likelihood: Literal["low", "medium", "high"] = "medium"
    mitigation: str | None = None
    owner: str | None = None
    source: str | None = None


class Action(_Item):
    """Something someone will do by a date."""

    title: Text
    owner: Text
    due_date: date
    priority: Literal["low", "medium", "high"] = "medium"
    status: Literal["not_started", "in_progress", "done", "blocked"] = "not_started"
    client_name: str | None = None
    risk_id: str | None = None


class Outcome(_Item):
    """A customer outcome the plan aims at, and how it is going."""

    title: Text
    metric: str | None = None
    baseline: str | None = None
    target: str | None = None
    current: str | None = None
    status: Literal["planned", "on_track", "at_risk", "achieved"] = "planned"


class Value(_Strict):
    """Outcomes and value realisation; the executive summary lives here too."""

    executive_summary: str | None = None
    outcomes: list[Outcome] = Field(default_factory=list)

    @field_validator("outcomes", mode="after")
    @classmethod
    def _unique_outcomes(cls, outcomes: list[Outcome]) -> list[Outcome]:
        return unique_ids(outcomes)


def unique_ids(items: list[_ItemT]) -> list[_ItemT]:
    """``items`` when no two share an id (diffs and edits address items by id)."""
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("item ids must be unique within a section")
    return items


class _UniqueIds(RootModel[list[Any]]):
    @model_validator(mode="after")
    def _unique(self) -> _UniqueIds:
        unique_ids(self.root)
        return self


class PortfolioSection(_UniqueIds):
    """Clients in scope."""

    root: list[PortfolioClient]


class StakeholdersSection(_UniqueIds):
    """Relationship map."""

    root: list[Stakeholder]


class OpportunitiesSection(_UniqueIds):
    """Pipeline with MEDDPICC."""

    root: list[Opportunity]


class RisksSection(_UniqueIds):
    """Risk assessment."""

    root: list[Risk]


class ActionsSection(_UniqueIds):
    """Action plan."""

    root: list[Action]


SECTION_MODELS: dict[str, type[BaseModel]] = {
    "portfolio": PortfolioSection,
    "snapshot": Snapshot,
    "targets": Targets,
    "stakeholders": StakeholdersSection,
    "opportunities": OpportunitiesSection,
    "risks": RisksSection,
    "actions": ActionsSection,
    "value": Value,
}
SECTIONS: tuple[str, ...] = tuple(SECTION_MODELS)


def column_of(section: str) -> str:
    """The strategic_plans column that holds ``section``."""
    check_section_name(section)
    return f"{section}_data"


def check_section_name(section: str) -> None:
    """Refuse a section name that is not one of :data:`SECTIONS`."""
    if section not in SECTION_MODELS:
        raise ValidationError(
            f"Unknown section {section!r}; sections are: {', '.join(SECTIONS)}",
            section=section,
        )


def validate_section(section: str, payload: Any) -> Any:
    """Validate ``payload`` for ``section``; return it as JSON-ready data with derived fields.

    Raises :class:`core.errors.ValidationError` listing every problem by its path.
    """
    check_section_name(section)
    parsed = parse(SECTION_MODELS[section], payload, f"Section {section!r}")
    return parsed.model_dump(mode="json")


def is_filled(value: Any) -> bool:
    """True when a stored section holds something (not null, [] or {} of only nulls)."""
    if isinstance(value, dict):
        return any(is_filled(v) for v in value.values())
    if isinstance(value, list):
        return len(value) > 0
    return value is not None and value != ""
