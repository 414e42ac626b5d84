"""What an import did, or would do in a dry run: one outcome per row of the file.

Each row is an ``insert``, an ``update`` (with each changed field, before -> after), an
``unchanged`` or a ``rejected`` row (with its reasons), named by sheet and spreadsheet row
number. Changes an import makes to rows that are not in the file (a pipeline deal no longer in
the BURC workbook) are listed apart, in ``other_changes``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from core.errors import ValidationError

Action = Literal["insert", "update", "unchanged", "rejected"]
ACTIONS: tuple[Action, ...] = ("insert", "update", "unchanged", "rejected")


@dataclass
class RowOutcome:
    """What happens to one row of the file (or, in ``other_changes``, to one stored row)."""

    sheet: str
    row: int
    key: str
    action: Action
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def where(self) -> str:
        """``"<sheet> row <n>"``, for messages."""
        return f"{self.sheet} row {self.row}" if self.row else self.sheet

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "key": self.key,
            "action": self.action,
            "changes": {k: {"before": b, "after": a} for k, (b, a) in self.changes.items()},
            "reasons": self.reasons,
            "note": self.note,
        }


@dataclass
class ImportReport:
    """The report of one import of one file."""

    kind: str
    source: str
    format: str
    sheets: list[str]
    rows: list[RowOutcome]
    notes: list[str] = field(default_factory=list)
    other_changes: list[RowOutcome] = field(default_factory=list)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    dry_run: bool = False
    partial: bool = False
    written: bool = False
    history_rows: int = 0
    """``client_health_history`` readings written (or that would be)."""

    def counts(self) -> dict[str, int]:
        """Rows of the file per action (every action present, zero or not)."""
        found = Counter(r.action for r in self.rows)
        return {action: found[action] for action in ACTIONS}

    @property
    def rejected(self) -> list[RowOutcome]:
        """The rejected rows, in file order."""
        return [r for r in self.rows if r.action == "rejected"]

    @property
    def blocked(self) -> bool:
        """True when rejected rows stop the whole file (no ``--partial``)."""
        return bool(self.rejected) and not self.partial

    def refusal(self) -> ValidationError | None:
        """The error to end with when rejected rows kept the file from being imported."""
        if not self.blocked:
            return None
        problems = [
            {"path": r.where, "message": f"{r.key}: {'; '.join(r.reasons)}"} for r in self.rejected
        ]
        verb = "would be written" if self.dry_run else "was written"
        return ValidationError(
            f"{self.source}: {len(problems)} of {len(self.rows)} row(s) rejected, so nothing "
            f"{verb} (fix them, or use --partial to import the good rows)",
            errors=problems,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole report."""
        return {
            "kind": self.kind,
            "source": self.source,
            "format": self.format,
            "sheets": self.sheets,
            "columns": self.columns,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "written": self.written,
            "counts": self.counts(),
            "history_rows": self.history_rows,
            "notes": self.notes,
            "rows": [r.to_dict() for r in self.rows],
            "other_changes": [r.to_dict() for r in self.other_changes],
        }
