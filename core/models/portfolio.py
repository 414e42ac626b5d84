"""The portfolio: clients with their health, NPS, ARR and support history."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, Money, UuidPk


class Client(Base):
    """A customer account: where it sits (territory, region), who owns it, and how it is doing."""

    __tablename__ = "clients"
    __table_args__ = (Index("idx_clients_cse", "cse_id"), Index("idx_clients_cam", "cam_id"))

    id: Mapped[UuidPk]
    name: Mapped[str] = mapped_column(Text, unique=True)
    segment: Mapped[str | None] = mapped_column(Text)
    territory: Mapped[str] = mapped_column(Text)
    region: Mapped[str] = mapped_column(Text)
    cse_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cam_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    arr: Mapped[Money]
    health_score: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    support_sla_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    renewal_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt]

    def __repr__(self) -> str:
        return f"Client({self.name!r})"


class ClientHealthHistory(Base):
    """A dated reading of a client's health score, NPS and ARR (any may be missing)."""

    __tablename__ = "client_health_history"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    recorded_on: Mapped[date] = mapped_column(Date, primary_key=True)
    health_score: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class ClientSupportHistory(Base):
    """A client's support figures for one calendar month (``month`` is its first day)."""

    __tablename__ = "client_support_history"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    tickets_opened: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sla_breaches: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    p1_open: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sla_met_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
