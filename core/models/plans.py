"""Strategic plans and their collaboration tables (the planning dashboard's seed schema)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, JsonList, JsonObject, NullableJson, SeedTimestamp, UuidPk

PlanType = Literal["territory", "account", "hybrid"]


class StrategicPlan(Base):
    """One territory or account plan for one fiscal year; sections are JSONB columns."""

    __tablename__ = "strategic_plans"
    __table_args__ = (
        Index("idx_strategic_plans_owner", "primary_owner"),
        Index("idx_strategic_plans_type", "plan_type"),
        Index("idx_strategic_plans_fiscal_year", "fiscal_year"),
        Index("idx_strategic_plans_status", "status"),
        Index(
            "idx_strategic_plans_client",
            "client_id",
            postgresql_where=text("client_id IS NOT NULL"),
        ),
    )

    id: Mapped[UuidPk]
    plan_type: Mapped[str | None] = mapped_column(Text)
    fiscal_year: Mapped[int] = mapped_column(Integer, server_default=text("2026"))
    primary_owner: Mapped[str] = mapped_column(Text)
    primary_owner_role: Mapped[str | None] = mapped_column(Text)
    collaborators: Mapped[list[str] | None] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )
    territory: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT", name="fk_strategic_plans_client")
    )
    client_name: Mapped[str | None] = mapped_column(Text)
    portfolio_data: Mapped[JsonList]
    snapshot_data: Mapped[JsonObject]
    stakeholders_data: Mapped[JsonList]
    opportunities_data: Mapped[JsonList]
    targets_data: Mapped[JsonObject]
    risks_data: Mapped[JsonList]
    actions_data: Mapped[JsonList]
    value_data: Mapped[JsonObject]
    comments: Mapped[JsonList]
    activity_log: Mapped[JsonList]
    active_editors: Mapped[JsonList]
    status: Mapped[str | None] = mapped_column(Text, server_default=text("'draft'"))
    completion_percentage: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))
    steps_completed: Mapped[JsonObject]
    submitted_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))
    submitted_by: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))
    created_at: Mapped[SeedTimestamp]
    updated_at: Mapped[SeedTimestamp]
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"StrategicPlan({self.id}, {self.plan_type}, v{self.version})"


class PlanComment(Base):
    """A comment on a plan, threaded by ``parent_id`` and anchored to an entity if given."""

    __tablename__ = "plan_comments"
    __table_args__ = (Index("idx_plan_comments_plan", "plan_id", "created_at"),)

    id: Mapped[UuidPk]
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("strategic_plans.id", ondelete="CASCADE")
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plan_comments.id"))
    author: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    entity_type: Mapped[str | None] = mapped_column(Text)
    entity_id: Mapped[str | None] = mapped_column(Text)
    resolved: Mapped[bool | None] = mapped_column(server_default=text("false"))
    resolved_by: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))
    created_at: Mapped[SeedTimestamp]
    updated_at: Mapped[SeedTimestamp]


class PlanPresence(Base):
    """Who has a plan open, on which step, and when they were last active."""

    __tablename__ = "plan_presence"
    __table_args__ = (UniqueConstraint("plan_id", "user_name"),)

    id: Mapped[UuidPk]
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("strategic_plans.id", ondelete="CASCADE")
    )
    user_name: Mapped[str] = mapped_column(Text)
    user_role: Mapped[str | None] = mapped_column(Text)
    current_step: Mapped[str | None] = mapped_column(Text)
    last_active: Mapped[SeedTimestamp]


class PlanActivity(Base):
    """One entry of a plan's audit trail: who did what, with details (diffs, versions)."""

    __tablename__ = "plan_activity_log"
    __table_args__ = (Index("idx_plan_activity_plan", "plan_id", "created_at"),)

    id: Mapped[UuidPk]
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("strategic_plans.id", ondelete="CASCADE")
    )
    user_name: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    details: Mapped[NullableJson]
    created_at: Mapped[SeedTimestamp]
