"""What Slack sent the Slack app, recorded once per event, command or click."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base

SlackEventKind = Literal["message", "app_home", "command", "action", "view"]
SlackEventStatus = Literal["queued", "answered", "done", "failed"]


class SlackEvent(Base):
    """One delivery from Slack and how ChaSen answered it.

    ``status``: queued (a job will handle it), answered (the reply is in ``reply`` but Slack
    has not taken it yet), done, failed. ``reply_channel``/``reply_ts`` address the status
    message that the reply replaces.
    """

    __tablename__ = "slack_events"
    __table_args__ = (
        CheckConstraint("kind IN ('message', 'app_home', 'command', 'action', 'view')"),
        CheckConstraint("status IN ('queued', 'answered', 'done', 'failed')"),
        Index("idx_slack_events_received", "received_at"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    team_id: Mapped[str | None] = mapped_column(Text)
    slack_user_id: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[Any] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, server_default=text("'queued'"))
    redeliveries: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reply_channel: Mapped[str | None] = mapped_column(Text)
    reply_ts: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[Any] = mapped_column(JSONB, nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(
        TIMESTAMP(timezone=True), server_default=text("now()")
    )
    finished_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))
