"""Opaque page cursors: a few strings, JSON in URL-safe base64, refused with a 422 if forged."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

from core.errors import ValidationError


def encode_cursor(values: list[str]) -> str:
    """The cursor carrying ``values``."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str, n: int) -> list[str]:
    """The ``n`` strings of a cursor made by :func:`encode_cursor`; ValidationError otherwise."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != n
        or not all(isinstance(v, str) for v in values)
    ):
        raise _forged()
    return values


def encode_keyset(stamp: datetime, row_id: uuid.UUID) -> str:
    """The cursor of a (timestamp, id) keyset: where the next page of a newest-first list
    starts."""
    return encode_cursor([stamp.isoformat(), str(row_id)])


def decode_keyset(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (timestamp, id) of a cursor made by :func:`encode_keyset`; ValidationError otherwise."""
    stamp, row_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(stamp), uuid.UUID(row_id)
    except ValueError:
        raise _forged() from None


def _forged() -> ValidationError:
    message = "the cursor is not one this API gave out"
    return ValidationError(message, errors=[{"path": "cursor", "message": message}])
