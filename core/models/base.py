"""Declarative base and shared column helpers."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import Numeric, text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID
from sqlalchemy.orm import DeclarativeBase, mapped_column

UuidPk = Annotated[
    uuid.UUID,
    mapped_column(UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
]
Money = Annotated[Decimal, mapped_column(Numeric(14, 2), server_default=text("0"))]
Flag = Annotated[bool, mapped_column(server_default=text("false"))]
NullableJson = Annotated[Any, mapped_column(JSONB, nullable=True)]
CreatedAt = Annotated[
    datetime, mapped_column(TIMESTAMP(timezone=True), server_default=text("now()"))
]
# The seed schema's columns: nullable, with defaults.
SeedTimestamp = Annotated[
    datetime | None, mapped_column(TIMESTAMP(timezone=True), server_default=text("now()"))
]
JsonList = Annotated[Any, mapped_column(JSONB, nullable=True, server_default=text("'[]'::jsonb"))]
JsonObject = Annotated[Any, mapped_column(JSONB, nullable=True, server_default=text("'{}'::jsonb"))]


class Base(DeclarativeBase):
    """Base of every ORM model; the schema itself is owned by the Alembic migrations."""
