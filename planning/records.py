"""What the plan service returns and accepts: plain typed records, no ORM objects."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.models import PlanType, StrategicPlan
from planning.sections import SECTIONS, column_of


class NewPlan(BaseModel):
    """A plan to create. Territory plans name a territory; account plans a client."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    plan_type: PlanType
    fiscal_year: int = Field(ge=2000, le=2100)
    primary_owner: str = Field(min_length=1, max_length=200)
    primary_owner_role: Literal["CSE", "CAM"] | None = None
    owner_id: uuid.UUID | None = None
    territory: str | None = None
    client_id: uuid.UUID | None = None
    collaborators: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _subject(self) -> NewPlan:
        if self.plan_type == "territory" and self.client_id is not None:
            raise ValueError("a territory plan covers a territory, not one client: drop client_id")
        if self.plan_type == "territory" and not self.territory:
            raise ValueError("a territory plan needs a territory")
        if self.plan_type == "account" and self.client_id is None:
            raise ValueError("an account plan needs a client_id")
        return self


class PlanSummary(BaseModel):
    """A plan without its sections, for lists."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_type: str | None
    fiscal_year: int
    primary_owner: str
    primary_owner_role: str | None
    owner_id: uuid.UUID | None
    collaborators: list[str] | None
    territory: str | None
    client_id: uuid.UUID | None
    client_name: str | None
    status: str | None
    version: int
    completion_percentage: int | None
    steps_completed: dict[str, bool] | None
    submitted_at: datetime | None
    submitted_by: str | None
    approved_at: datetime | None
    approved_by: str | None
    created_at: datetime | None
    updated_at: datetime | None


class PlanRecord(PlanSummary):
    """A whole plan: its context and its eight sections by name."""

    sections: dict[str, Any]

    @classmethod
    def of(cls, plan: StrategicPlan) -> PlanRecord:
        """Build the record of an ORM plan."""
        summary = PlanSummary.model_validate(plan)
        sections = {name: getattr(plan, column_of(name)) for name in SECTIONS}
        return cls(**summary.model_dump(), sections=sections)


class SectionRecord(BaseModel):
    """One section of one plan at one version."""

    plan_id: uuid.UUID
    section: str
    version: int
    data: Any
