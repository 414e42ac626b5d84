"""Options and argument parsing shared by the CLI's commands."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from core.errors import ValidationError

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def parse_date(value: str | None, option: str) -> date | None:
    """An ISO date from an option, or a ValidationError naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{option} must be a date like 2026-10-14, not {value!r}") from None
