"""The agent's own records: runs of its graphs and the approvals its proposals wait for."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UuidPk

GraphName = Literal["chat", "plan_draft"]
RunStatus = Literal["running", "waiting", "done", "failed"]
ApprovalKind = Literal["section_change", "status_change", "plan_draft"]
ApprovalStatus = Literal["pending", "accepted", "edited", "rejected", "responded", "failed"]
APPROVAL_STATUSES: tuple[ApprovalStatus, ...] = get_args(ApprovalStatus)


class AgentRun(Base):
    """One run of a graph on a thread: who asked, which model, tokens in and out."""

    __tablename__ = "agent_runs"
    __table_args__ = (
        CheckConstraint("graph IN ('chat', 'plan_draft')"),
        CheckConstraint("status IN ('running', 'waiting', 'done', 'failed')"),
        Index("idx_agent_runs_thread", "thread_id", "started_at"),
    )

    id: Mapped[UuidPk]
    thread_id: Mapped[str] = mapped_column(Text)
    graph: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(Text, server_default=text("'running'"))
    model: Mapped[str] = mapped_column(Text)
    input_tokens: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    output_tokens: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    model_calls: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(
        TIMESTAMP(timezone=True), server_default=text("now()")
    )
    finished_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))


class ApprovalRequest(Base):
    """A change ChaSen proposed, waiting in a thread's interrupt for a person's decision."""

    __tablename__ = "approval_requests"
    __table_args__ = (
        CheckConstraint("graph IN ('chat', 'plan_draft')"),
        CheckConstraint("kind IN ('section_change', 'status_change', 'plan_draft')"),
        CheckConstraint(
            "status IN ('pending', 'accepted', 'edited', 'rejected', 'responded', 'failed')"
        ),
        Index("idx_approval_requests_pending", "status", "created_at"),
        Index("idx_approval_requests_thread", "thread_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    thread_id: Mapped[str] = mapped_column(Text)
    graph: Mapped[str] = mapped_column(Text)
    interrupt_id: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("strategic_plans.id", ondelete="CASCADE")
    )
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE")
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    description: Mapped[str] = mapped_column(Text)
    action: Mapped[Any] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))
    response: Mapped[Any | None] = mapped_column(JSONB)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
