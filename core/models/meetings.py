"""Meetings, their utterances and embedded chunks, and stakeholders detected in them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Final, Literal

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    cast,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UuidPk

Side = Literal["customer", "internal", "third_party"]
MeddpiccRole = Literal["economic_buyer", "champion", "decision_maker", "influencer", "blocker"]
EvidenceKind = Literal["spoke", "mentioned", "title", "affiliation", "role"]
StakeholderStatus = Literal["suggested", "accepted", "dismissed"]

CHAMPION_QUIET_DAYS: Final = 90
"""A champion not seen in a meeting for this many days has gone quiet: flagged among a
client's stakeholder changes and counted by the churn-risk feature ``champion_quiet``."""

_NOW = text("now()")


class Meeting(Base):
    """One ingested transcript; ``content_hash`` makes re-ingesting it a no-op."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("client_id", "content_hash", name="uq_meetings_client_content"),
        Index("idx_meetings_client_date", "client_id", "held_on"),
    )

    id: Mapped[UuidPk]
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    held_on: Mapped[date | None] = mapped_column(Date)
    source_name: Mapped[str | None] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    attendees: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    utterance_count: Mapped[int] = mapped_column(Integer)
    word_count: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    warnings: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True), server_default=_NOW)


class MeetingUtterance(Base):
    """One speaker turn of a meeting, in order."""

    __tablename__ = "meeting_utterances"

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker: Mapped[str] = mapped_column(Text)
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)


class TranscriptChunk(Base):
    """A token-bounded run of utterances with its embedding and full-text vector."""

    __tablename__ = "transcript_chunks"
    __table_args__ = (
        UniqueConstraint("meeting_id", "seq", name="uq_transcript_chunks_meeting_seq"),
        CheckConstraint("vector_dims(embedding) = embedding_dim", name="ck_transcript_chunks_dim"),
        Index("idx_transcript_chunks_client", "client_id", "held_on"),
        Index("idx_transcript_chunks_tsv", "tsv", postgresql_using="gin"),
        Index("idx_transcript_chunks_speakers", "speakers", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    held_on: Mapped[date | None] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    speakers: Mapped[list[str]] = mapped_column(ARRAY(Text))
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    token_count: Mapped[int] = mapped_column(Integer)
    embedding_model: Mapped[str] = mapped_column(Text)
    embedding_dim: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[Any] = mapped_column(Vector())
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR, Computed("to_tsvector('english'::regconfig, text)", persisted=True)
    )


def _hnsw_index(dim: int) -> Index:
    """Partial HNSW index over the chunks of one embedding dimension (pgvector needs a size)."""
    return Index(
        f"idx_transcript_chunks_hnsw_{dim}",
        cast(TranscriptChunk.embedding, Vector(dim)).label("embedding"),
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
        postgresql_where=TranscriptChunk.embedding_dim == dim,
    )


HNSW_DIMS = (384, 1536)
"""Embedding dimensions with a cross-portfolio HNSW index (MiniLM, text-embedding-3-small)."""
HNSW_INDEXES = [_hnsw_index(dim) for dim in HNSW_DIMS]


class Stakeholder(Base):
    """A person seen in a client's meetings: a suggestion until someone accepts it."""

    __tablename__ = "stakeholders"
    __table_args__ = (
        UniqueConstraint("client_id", "name_key", name="uq_stakeholders_client_name"),
        CheckConstraint("side IN ('customer', 'internal', 'third_party')"),
        CheckConstraint(
            "meddpicc_role IN "
            "('economic_buyer', 'champion', 'decision_maker', 'influencer', 'blocker')"
        ),
        CheckConstraint("confidence BETWEEN 0 AND 1"),
        CheckConstraint("status IN ('suggested', 'accepted', 'dismissed')"),
    )

    id: Mapped[UuidPk]
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    side: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    meddpicc_role: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(Text, server_default=text("'suggested'::text"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True), server_default=_NOW)
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True), server_default=_NOW)


class StakeholderAppearance(Base):
    """What one meeting said about one stakeholder."""

    __tablename__ = "stakeholder_appearances"
    __table_args__ = (
        CheckConstraint(
            "meddpicc_role IN "
            "('economic_buyer', 'champion', 'decision_maker', 'influencer', 'blocker')"
        ),
        Index("idx_stakeholder_appearances_meeting", "meeting_id"),
    )

    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    spoke: Mapped[bool] = mapped_column(Boolean)
    title: Mapped[str | None] = mapped_column(Text)
    meddpicc_role: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    talk_share: Mapped[float] = mapped_column(Float)
    sentiment: Mapped[float] = mapped_column(Float)


class StakeholderEvidence(Base):
    """A quote that supports one claim about a stakeholder."""

    __tablename__ = "stakeholder_evidence"
    __table_args__ = (
        UniqueConstraint(
            "stakeholder_id", "meeting_id", "kind", "quote", name="uq_stakeholder_evidence"
        ),
        CheckConstraint("kind IN ('spoke', 'mentioned', 'title', 'affiliation', 'role')"),
        Index("idx_stakeholder_evidence_meeting", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE")
    )
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str] = mapped_column(Text)
    start_s: Mapped[float | None] = mapped_column(Float)
    quote: Mapped[str] = mapped_column(Text)
