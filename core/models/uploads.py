"""Transcripts uploaded over HTTP, kept until a worker has ingested them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, Text, text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UuidPk

UploadStatus = Literal["queued", "running", "done", "failed"]


class TranscriptUpload(Base):
    """One uploaded transcript file and how its ingest job went."""

    __tablename__ = "transcript_uploads"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')"),
        Index("idx_transcript_uploads_user", "uploaded_by", "created_at"),
    )

    id: Mapped[UuidPk]
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    title: Mapped[str | None] = mapped_column(Text)
    held_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, server_default=text("'queued'"))
    error: Mapped[str | None] = mapped_column(Text)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )
    report: Mapped[Any] = mapped_column(JSONB, nullable=True)
    created_at: Mapped[CreatedAt]
    finished_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))
