"""People who use ChaSen."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UuidPk

Role = Literal["CSE", "CAM", "manager", "admin"]


class User(Base):
    """A CSE, CAM, manager or admin, known by e-mail (lower case) and optionally by Slack id."""

    __tablename__ = "users"

    id: Mapped[UuidPk]
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(Text)
    territory: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    slack_user_id: Mapped[str | None] = mapped_column(Text, unique=True)
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    # IANA zone name; scheduled digests run in the recipient's own time.
    timezone: Mapped[str] = mapped_column(Text, server_default=text("'UTC'"))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt]

    def __repr__(self) -> str:
        return f"User({self.email!r}, {self.role})"
