"""From sheets of cells to rows of typed values, each with the problems found in it.

A blank cell means "not given": the stored value is kept (a new row takes the default), except
for yes/no flags, where a blank cell in a flag column means "no". A blank cell in a required
column, or a value that does not parse, is a problem of the row. Rows whose first cell says
"Total" (or "Grand total", "Subtotal") are spreadsheet totals, not records, and are skipped, as
are rows with nothing in the imported columns (a remark beside the table); notes say so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import ValidationError
from ingest.spreadsheets.columns import (
    FieldSpec,
    Header,
    locate_header,
    maps_any,
    missing_columns_error,
)
from ingest.spreadsheets.reader import Cell, Sheet, Workbook
from ingest.spreadsheets.values import CellError, is_blank, parse_cell

_TOTAL = re.compile(r"^(?:grand\s+|sub\s*)?totals?:?$", re.IGNORECASE)


@dataclass
class SourceRow:
    """One row of the file: where it is, its values by field, and what is wrong with it."""

    sheet: str
    row: int
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        """``"<sheet> row <n>"``, for messages."""
        return f"{self.sheet} row {self.row}"

    @property
    def ok(self) -> bool:
        """No problem found so far."""
        return not self.problems


@dataclass(frozen=True)
class Rows:
    """The rows read from a workbook, with notes and the sheets that held them."""

    rows: list[SourceRow]
    sheets: list[str]
    notes: list[str]
    columns: dict[str, dict[str, str]]
    """Per sheet: field -> the column it was read from."""


def read_rows(book: Workbook, fields: Sequence[FieldSpec], overrides: Mapping[str, str]) -> Rows:
    """Typed rows of every sheet of ``book``.

    With several sheets, one that maps none of the required columns (a summary, notes) is
    skipped with a note; a sheet that maps some but not all of them is an error, as is a
    workbook where no sheet has the columns.
    """
    required = [f for f in fields if f.required]
    rows: list[SourceRow] = []
    notes: list[str] = []
    sheets: list[str] = []
    columns: dict[str, dict[str, str]] = {}
    for sheet in book.sheets:
        header = locate_header(sheet, fields, overrides)
        if header is None:
            if len(book.sheets) > 1 and not maps_any(sheet, required, overrides):
                notes.append(f"sheet {sheet.name!r} skipped: it has none of the required columns")
                continue
            raise missing_columns_error(_where(book, sheet), sheet, fields, overrides)
        _check_overrides(_where(book, sheet), header, overrides)
        sheets.append(sheet.name)
        columns[sheet.name] = header.labels
        notes.extend(header.notes)
        if header.rows[0] != sheet.rows[0][0]:
            notes.append(f"sheet {sheet.name!r}: header found on row {header.rows[0]}")
        rows.extend(_sheet_rows(sheet, header, fields, notes))
    if not sheets:
        raise missing_columns_error(_where(book, book.sheets[0]), book.sheets[0], fields, overrides)
    return Rows(rows, sheets, notes, columns)


def _check_overrides(where: str, header: Header, overrides: Mapping[str, str]) -> None:
    """A column named in the mapping must be there, required field or not."""
    absent = [
        f"{name}={column!r}" for name, column in overrides.items() if name not in header.columns
    ]
    if absent:
        found = ", ".join(repr(label) for label in header.found)
        raise ValidationError(
            f"{where}: column(s) of the mapping not found: {', '.join(absent)}. "
            f"Columns found: {found}"
        )


def _where(book: Workbook, sheet: Sheet) -> str:
    return book.source if book.format == "csv" else f"{book.source}, sheet {sheet.name!r}"


def _sheet_rows(
    sheet: Sheet, header: Header, fields: Sequence[FieldSpec], notes: list[str]
) -> list[SourceRow]:
    specs = {f.name: f for f in fields}
    out, empty = [], []
    for number, cells in sheet.rows:
        if number <= header.rows[-1]:
            continue
        first = next((c for c in cells if not is_blank(c)), None)
        if isinstance(first, str) and _TOTAL.match(first.strip()):
            notes.append(f"{sheet.name} row {number} skipped: a totals row")
        elif all(is_blank(cells[i]) for i in header.columns.values() if i < len(cells)):
            empty.append(number)  # a remark beside the table, not a record
        else:
            out.append(_typed(sheet.name, number, cells, header, specs))
    if empty:
        shown = ", ".join(str(n) for n in empty[:10]) + (", ..." if len(empty) > 10 else "")
        notes.append(f"{sheet.name}: {len(empty)} row(s) with no imported values skipped ({shown})")
    return out


def _typed(
    sheet: str, number: int, cells: list[Cell], header: Header, specs: dict[str, FieldSpec]
) -> SourceRow:
    row = SourceRow(sheet, number, {})
    for name, index in header.columns.items():
        spec = specs[name]
        cell = cells[index] if index < len(cells) else None
        if is_blank(cell):
            if spec.kind == "flag":
                row.values[name] = False
            elif spec.required:
                row.problems.append(f"{name}: required, but the cell is empty")
            continue
        try:
            row.values[name] = parse_cell(spec, cell)
        except CellError as error:
            row.problems.append(f"{name} ({header.labels[name]!r}): {error}")
    return row


def reject_duplicates(
    rows: Sequence[SourceRow], key: Callable[[SourceRow], Hashable | None], what: str
) -> None:
    """Reject every row whose ``key`` another row of the file shares, naming the others."""
    groups: dict[Hashable, list[SourceRow]] = defaultdict(list)
    for row in rows:
        found = key(row)
        if found is not None:
            groups[found].append(row)
    for group in groups.values():
        if len(group) < 2:
            continue
        for row in group:
            others = ", ".join(o.where for o in group if o is not row)
            row.problems.append(f"duplicate: the same {what} as {others}")
