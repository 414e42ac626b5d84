"""Churn risk: labelled renewal history, versioned models, predictions, and digest schedules."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UuidPk

Outcome = Literal["renewed", "churned"]
Band = Literal["low", "medium", "high", "critical"]
BANDS: tuple[Band, ...] = get_args(Band)
PredictionStatus = Literal["scored", "insufficient_data"]
ModelKind = Literal["scorecard", "trained"]
DigestScope = Literal["owner", "region"]
DeliveryStatus = Literal["pending", "sent", "failed"]

_EMPTY_LIST = text("'[]'::jsonb")
_EMPTY_OBJECT = text("'{}'::jsonb")


class RenewalOutcome(Base):
    """Whether a client renewed or churned at one renewal date: the labels a model learns from."""

    __tablename__ = "renewal_outcomes"
    __table_args__ = (CheckConstraint("outcome IN ('renewed', 'churned')"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    renewal_date: Mapped[date] = mapped_column(Date, primary_key=True)
    outcome: Mapped[str] = mapped_column(Text)
    arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    recorded_at: Mapped[CreatedAt]


class RiskModel(Base):
    """One version of a risk model: the scorecard (weights in ``params``) or a trained model."""

    __tablename__ = "risk_models"
    __table_args__ = (
        CheckConstraint("kind IN ('scorecard', 'trained')"),
        CheckConstraint(
            "(kind = 'trained') = (artifact IS NOT NULL)", name="ck_risk_models_artifact"
        ),
        Index("idx_risk_models_feature_set", "feature_set", "version"),
    )

    version: Mapped[int] = mapped_column(Integer, Identity(always=True), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    feature_set: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    params: Mapped[Any] = mapped_column(JSONB, server_default=_EMPTY_OBJECT)
    metrics: Mapped[Any] = mapped_column(JSONB, server_default=_EMPTY_OBJECT)
    trained_rows: Mapped[int | None] = mapped_column(Integer)
    artifact: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[CreatedAt]


class RiskPrediction(Base):
    """A client's risk as of a date under one model version, with the inputs it was scored on."""

    __tablename__ = "risk_predictions"
    __table_args__ = (
        UniqueConstraint("client_id", "model_version", "as_of", name="uq_risk_predictions"),
        CheckConstraint("status IN ('scored', 'insufficient_data')"),
        CheckConstraint("probability BETWEEN 0 AND 1"),
        CheckConstraint("score BETWEEN 0 AND 100"),
        CheckConstraint("band IN ('low', 'medium', 'high', 'critical')"),
        CheckConstraint(
            "(status = 'scored') = (band IS NOT NULL AND score IS NOT NULL)",
            name="ck_risk_predictions_scored",
        ),
        Index("idx_risk_predictions_client", "client_id", text("scored_at DESC")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    model_version: Mapped[int] = mapped_column(ForeignKey("risk_models.version"))
    as_of: Mapped[date] = mapped_column(Date)
    scored_at: Mapped[CreatedAt]
    status: Mapped[str] = mapped_column(Text)
    probability: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[Any] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    inputs: Mapped[Any] = mapped_column(JSONB)


class DigestSchedule(Base):
    """Who gets a risk digest, about what (their clients, or a region), and when (cron)."""

    __tablename__ = "digest_schedules"
    __table_args__ = (
        CheckConstraint("scope IN ('owner', 'region')"),
        CheckConstraint(
            "(scope = 'region') = (region IS NOT NULL)", name="ck_digest_schedules_region"
        ),
        UniqueConstraint(
            "user_id",
            "scope",
            "region",
            name="uq_digest_schedules",
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[UuidPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    cron: Mapped[str] = mapped_column(Text)
    # NULL: the recipient's own time zone.
    timezone: Mapped[str | None] = mapped_column(Text)
    # NULL: the recipient's direct messages.
    channel: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    created_at: Mapped[CreatedAt]


class DigestDelivery(Base):
    """One period's digest of one schedule; unique per period, so it is sent at most once."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("schedule_id", "period_end", name="uq_digest_deliveries_period"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')"),
        Index("idx_digest_deliveries_status", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    schedule_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("digest_schedules.id", ondelete="CASCADE")
    )
    period_start: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    period_end: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(Text)
    message_ts: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt]
    sent_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))
