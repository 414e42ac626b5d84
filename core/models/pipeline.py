"""Targets, pipeline opportunities with MEDDPICC, and meeting readiness."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import (
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, Flag, Money, UuidPk

Stage = Literal[
    "prospect", "qualify", "develop", "propose", "negotiate", "closed_won", "closed_lost"
]
STAGES: tuple[Stage, ...] = get_args(Stage)
OPEN_STAGES: tuple[Stage, ...] = STAGES[:5]
MEDDPICC_DIMENSIONS = (
    "metrics",
    "economic_buyer",
    "decision_criteria",
    "decision_process",
    "paper_process",
    "identify_pain",
    "champion",
    "competition",
)
READINESS_SCORES = (
    "value_wedge",
    "power_position",
    "pain_articulation",
    "proof_points",
    "old_brain",
)


class CseCamTarget(Base):
    """One person's targets and actuals for one quarter of a fiscal year."""

    __tablename__ = "cse_cam_targets"
    __table_args__ = (UniqueConstraint("user_id", "fiscal_year", "quarter"),)

    id: Mapped[UuidPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    weighted_acv_target: Mapped[Money]
    weighted_acv_actual: Mapped[Money]
    acv_net_cogs_target: Mapped[Money]
    acv_net_cogs_actual: Mapped[Money]
    total_acv_target: Mapped[Money]
    total_acv_actual: Mapped[Money]
    tcv_target: Mapped[Money]
    tcv_actual: Mapped[Money]


class PipelineOpportunity(Base):
    """A deal in the pipeline; ``weighted_acv`` is computed by the database."""

    __tablename__ = "pipeline_opportunities"
    __table_args__ = (
        UniqueConstraint("client_id", "name"),
        Index("idx_pipeline_owner", "owner_id"),
    )

    id: Mapped[UuidPk]
    name: Mapped[str] = mapped_column(Text)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(Text, server_default=text("'qualify'"))
    probability: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default=text("0"))
    acv: Mapped[Money]
    tcv: Mapped[Money]
    weighted_acv: Mapped[Decimal] = mapped_column(
        Numeric(14, 2), Computed("round(acv * probability / 100, 2)", persisted=True)
    )
    close_date: Mapped[date | None] = mapped_column(Date)
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(SmallInteger)
    in_target: Mapped[Flag]
    focus_deal: Mapped[Flag]
    rats_and_mice: Mapped[Flag]
    burc_match: Mapped[Flag]
    burc_source_sheet: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt]


class MeddpiccScore(Base):
    """MEDDPICC scores (0-5 per dimension, 0 = unknown) of one opportunity."""

    __tablename__ = "meddpicc_scores"

    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pipeline_opportunities.id", ondelete="CASCADE"), primary_key=True
    )
    metrics: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    economic_buyer: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    decision_criteria: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    decision_process: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    paper_process: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    identify_pain: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    champion: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    competition: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    total_score: Mapped[int] = mapped_column(
        SmallInteger,
        Computed(" + ".join(MEDDPICC_DIMENSIONS), persisted=True),
    )
    notes: Mapped[str | None] = mapped_column(Text)
    assessed_at: Mapped[CreatedAt]

    def scores(self) -> dict[str, int]:
        """The eight dimension scores by name."""
        return {name: int(getattr(self, name)) for name in MEDDPICC_DIMENSIONS}


class ConversationReadiness(Base):
    """Power Messaging readiness for one upcoming customer meeting (scores 1-5)."""

    __tablename__ = "conversation_readiness"
    __table_args__ = (UniqueConstraint("client_id", "meeting_title", "meeting_at"),)

    id: Mapped[UuidPk]
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    meeting_title: Mapped[str] = mapped_column(Text)
    meeting_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    value_wedge: Mapped[int] = mapped_column(SmallInteger)
    power_position: Mapped[int] = mapped_column(SmallInteger)
    pain_articulation: Mapped[int] = mapped_column(SmallInteger)
    proof_points: Mapped[int] = mapped_column(SmallInteger)
    old_brain: Mapped[int] = mapped_column(SmallInteger)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    overall_readiness: Mapped[Decimal] = mapped_column(
        Numeric(3, 2),
        Computed(f"round(({' + '.join(READINESS_SCORES)})::numeric / 5, 2)", persisted=True),
    )
    created_at: Mapped[CreatedAt]
