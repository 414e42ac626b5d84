"""Printing for the CLI: rich tables for people, JSON for scripts, errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (plain, for pipes)."""
    print(json.dumps(data, default=_default, indent=2, ensure_ascii=False))


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print a rich table; None shows as a dash."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row))
    console.print(table)


def money(value: Decimal | float | None) -> str:
    """1234567.8 -> '$1,234,568'."""
    return "-" if value is None else f"${Decimal(value):,.0f}"
