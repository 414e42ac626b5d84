"""Which column holds which field: built-in aliases, overrides, and finding the header row.

Column names are compared ignoring case, spaces and punctuation ("Client Name", "client_name"
and "CLIENT-NAME" are the same). Overrides (``--map FIELD=COLUMN``, a JSON mapping file) win
over the aliases. The header is the first row (of the first ten) where every required field
maps; a title row above it is skipped, and a two-row header is read as one ("Weighted ACV"
over "Target" -> "Weighted ACV Target") when that maps more fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.errors import ValidationError
from ingest.spreadsheets.reader import Cell, FormulaWithoutValue, Sheet

Kind = Literal[
    "text", "person", "money", "integer", "percent", "date", "flag", "stage", "year", "quarter"
]
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class FieldSpec:
    """A value an import reads: its kind, its allowed range and the column names it goes by."""

    name: str
    kind: Kind
    aliases: str = ""
    """Other names of the column, comma-separated ("Client, Client Name, Account")."""
    required: bool = False
    low: float | None = None
    high: float | None = None

    def names(self) -> tuple[str, ...]:
        """Normalised names this field is recognised by (its own name first)."""
        return tuple(dict.fromkeys(normalise(n) for n in (self.name, *self.alias_list())))

    def alias_list(self) -> list[str]:
        """The aliases, one per name."""
        return [a.strip() for a in self.aliases.split(",") if a.strip()]


@dataclass(frozen=True)
class Header:
    """Where a sheet's header is and which column holds each field."""

    rows: tuple[int, ...]
    """Spreadsheet row numbers of the header (one, or two for a two-row header)."""
    columns: dict[str, int]
    labels: dict[str, str]
    """Each mapped field's column as the file names it."""
    notes: tuple[str, ...] = ()
    found: tuple[str, ...] = ()
    """Every column name of the header."""


def normalise(name: str) -> str:
    """A column name without case, spaces or punctuation."""
    return re.sub(r"[\W_]+", "", name.casefold())


def _label(cell: Cell) -> str:
    if cell is None or isinstance(cell, FormulaWithoutValue):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def parse_overrides(
    pairs: Sequence[str], mapping_file: Path | None, fields: Sequence[FieldSpec]
) -> dict[str, str]:
    """Field -> column overrides from ``FIELD=COLUMN`` pairs and a JSON file (pairs win).

    An unknown field, a pair without ``=`` or an unreadable file is a ValidationError that
    lists the fields this import knows.
    """
    known = {f.name for f in fields}
    overrides: dict[str, str] = {}
    if mapping_file is not None:
        overrides.update(_read_mapping_file(mapping_file))
    for pair in pairs:
        field_name, sep, column = pair.partition("=")
        if not sep or not field_name.strip() or not column.strip():
            raise ValidationError(f"--map takes FIELD=COLUMN, not {pair!r}")
        overrides[field_name.strip()] = column.strip()
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValidationError(
            f"unknown field(s) in the column mapping: {', '.join(unknown)}; "
            f"the fields are: {', '.join(f.name for f in fields)}"
        )
    return overrides


def _read_mapping_file(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(f"cannot read the mapping file {path}: {error}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValidationError(
            f"the mapping file {path} must be a JSON object of field names to column names"
        )
    return data


def map_columns(
    labels: Sequence[str], fields: Sequence[FieldSpec], overrides: Mapping[str, str]
) -> tuple[dict[str, int], list[str]]:
    """Field -> column index for one header row, and notes on ambiguous columns."""
    normalised = [normalise(label) for label in labels]
    columns: dict[str, int] = {}
    taken: set[int] = set()
    for name, column in overrides.items():
        if normalise(column) in normalised:
            columns[name] = normalised.index(normalise(column))
            taken.add(columns[name])
    notes = []
    for spec in fields:
        if spec.name in overrides:
            continue
        hits = [i for alias in spec.names() for i, n in enumerate(normalised) if n == alias and n]
        hits = [i for i in dict.fromkeys(hits) if i not in taken]
        if hits:
            columns[spec.name] = hits[0]
            taken.add(hits[0])
            if len(hits) > 1:
                others = ", ".join(repr(labels[i]) for i in hits[1:])
                notes.append(
                    f"{spec.name}: read from column {labels[hits[0]]!r}, not {others} "
                    f"(choose with --map {spec.name}=COLUMN)"
                )
    return columns, notes


def _joined(upper: list[str], lower: list[str]) -> list[str]:
    """Two header rows as one. A heading over sub-headings (a merged cell: only its first
    column has the text) carries on to the right while the row below has text."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    joined, carried = [], ""
    for top, bottom in zip(upper, lower, strict=True):
        heading = top
        if top:
            carried = top if bottom else ""
        elif bottom:
            heading = carried
        else:
            carried = ""
        joined.append(" ".join(part for part in (heading, bottom) if part))
    return joined


def locate_header(
    sheet: Sheet, fields: Sequence[FieldSpec], overrides: Mapping[str, str]
) -> Header | None:
    """The header of ``sheet``: the candidate (one row, or two joined) among the first rows
    that maps every required field and the most fields; None when no candidate does."""
    required = [f.name for f in fields if f.required]
    rows = sheet.rows[:HEADER_SEARCH_ROWS]
    texts = _candidate_labels(sheet)
    best: tuple[int, int, Header] | None = None
    for i in range(len(rows)):
        candidates: list[tuple[tuple[int, ...], list[str]]] = [((rows[i][0],), texts[i])]
        if i + 1 < len(rows):
            candidates.append(((rows[i][0], rows[i + 1][0]), _joined(texts[i], texts[i + 1])))
        for numbers, labels in candidates:
            columns, notes = map_columns(labels, fields, overrides)
            if not all(name in columns for name in required):
                continue
            # More fields first; then a single-row header; then the earliest.
            score = (len(columns), -len(numbers))
            if best is None or score > best[:2]:
                found = {name: labels[index] for name, index in columns.items()}
                every = tuple(label for label in labels if label)
                best = (*score, Header(numbers, columns, found, tuple(notes), every))
    return best[2] if best else None


def maps_any(sheet: Sheet, fields: Sequence[FieldSpec], overrides: Mapping[str, str]) -> bool:
    """Whether any row where the header may be maps at least one of ``fields``."""
    return any(map_columns(labels, fields, overrides)[0] for labels in _candidate_labels(sheet))


def _candidate_labels(sheet: Sheet) -> list[list[str]]:
    """The labels of each row where the header may be."""
    return [[_label(c) for c in cells] for _, cells in sheet.rows[:HEADER_SEARCH_ROWS]]


def missing_columns_error(
    where: str, sheet: Sheet, fields: Sequence[FieldSpec], overrides: Mapping[str, str]
) -> ValidationError:
    """One error naming the required columns that are missing and the columns found."""
    # Show the row that came closest to being a header.
    labels = max(
        _candidate_labels(sheet),
        key=lambda ls: len(map_columns(ls, fields, overrides)[0]),
        default=[],
    )
    columns, _ = map_columns(labels, fields, overrides)
    missing = []
    for spec in fields:
        if spec.required and spec.name not in columns:
            wanted = overrides.get(spec.name) or " / ".join(
                dict.fromkeys((spec.name, *spec.alias_list()))
            )
            missing.append(f"{spec.name} ({wanted})")
    found = ", ".join(repr(label) for label in labels if label) or "none"
    return ValidationError(
        f"{where}: missing required column(s): {'; '.join(missing)}. Columns found: {found}"
    )
