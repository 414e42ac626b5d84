"""Reading a spreadsheet file (CSV or Excel .xlsx) into sheets of raw cells.

The format is found from the content, never from the extension: an ``.xlsx`` that is really a
CSV export is read as CSV (and a note says so). Row numbers are the spreadsheet's own (1-based,
blank rows counted), so messages point at the row a person sees in Excel.

Excel files are opened read-only with ``data_only=True`` (cached values). A formula whose
result was never computed (the file was written by a program, not saved by Excel) comes back
empty there; such cells are found with a second, formula-reading pass and returned as
:data:`FORMULA_WITHOUT_VALUE` so that a required value is not silently taken as blank.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

from core.errors import ValidationError

FileFormat = Literal["csv", "xlsx"]


class FormulaWithoutValue:
    """Marker of a formula cell with no computed (cached) value."""

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"


FORMULA_WITHOUT_VALUE: Final = FormulaWithoutValue()

Cell = str | int | float | bool | date | datetime | time | FormulaWithoutValue | None

_DELIMITERS = ",;\t|"
_SAMPLE_LINES = 30
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# A worksheet part holding at least one formula element (<f> or <f ...>, any namespace prefix).
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name and its non-blank rows as (spreadsheet row number, cells)."""

    name: str
    rows: list[tuple[int, list[Cell]]]


@dataclass(frozen=True)
class Workbook:
    """What was read from a file, and how (notes for the import report)."""

    source: str
    format: FileFormat
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)
    all_sheets: bool = True
    """False when only some of the workbook's sheets were read (``--sheet``)."""


def read_workbook(path: Path, *, sheet: str | None = None, first_only: bool = False) -> Workbook:
    """Read ``path`` as CSV or XLSX, whatever its name says.

    ``sheet`` reads only that sheet of a workbook; ``first_only`` reads only the first one
    (the others are named in a note). Raises ValidationError for a missing, empty, binary or
    unreadable file, naming what it found.
    """
    if not path.is_file():
        raise ValidationError(f"{path.name}: no such file ({path})", file=str(path))
    data = path.read_bytes()
    if not data.strip():
        raise _fail(path, "the file is empty")
    kind = _sniff(path, data)
    if kind == "xlsx":
        return _read_xlsx(path, sheet=sheet, first_only=first_only)
    book = _read_csv(path, data)
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        book.notes.insert(0, f"{path.name} is a CSV (text) file despite its name: read as CSV")
    if sheet is not None:
        book.notes.append(f"--sheet {sheet!r} ignored: a CSV file has a single sheet")
    return book


def _fail(path: Path, message: str) -> ValidationError:
    return ValidationError(f"{path.name}: {message}", file=str(path))


def _sniff(path: Path, data: bytes) -> Literal["csv", "xlsx"]:
    """``xlsx`` for an Excel workbook, ``csv`` for text; anything else is an error."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise _fail(path, "a damaged zip/Excel file; save it again as .xlsx or CSV") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            raise _fail(path, "an OpenDocument spreadsheet; save it as .xlsx or CSV")
        raise _fail(path, "a zip archive but not an Excel workbook; expected .xlsx or CSV")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(path, "an old-style Excel .xls file; save it as .xlsx or CSV")
    return "csv"


# --- CSV -------------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> tuple[str, list[str]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        return data.decode("utf-16"), ["read as UTF-16 text"]
    if b"\x00" in data[:8192]:
        raise _fail(path, "neither a CSV nor an Excel .xlsx file (binary content)")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), ["read as Windows-1252 text (not UTF-8)"]
    except UnicodeDecodeError:
        raise _fail(path, "neither a CSV nor an Excel .xlsx file (not text)") from None


def _delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample into the most rows of one consistent width."""
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=delimiter) if any(r)]
        common = Counter(w for w in widths if w > 1).most_common(1)
        if common:
            width, count = common[0]
            if (count, width) > best_score:
                best, best_score = delimiter, (count, width)
    return best


def _read_csv(path: Path, data: bytes) -> Workbook:
    text, notes = _decode(path, data)
    sample = text[:20_000]
    if len(_CONTROL.findall(sample)) > len(sample) / 100:
        raise _fail(path, "neither a CSV nor an Excel .xlsx file (binary content)")
    delimiter = _delimiter(text.splitlines()[:_SAMPLE_LINES])
    if delimiter != ",":
        notes.append(f"read as {_DELIMITER_NAMES[delimiter]}-separated values")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise _fail(path, f"not a readable CSV file ({error})") from None
    rows: list[tuple[int, list[Cell]]] = []
    for number, record in enumerate(records, start=1):
        cells: list[Cell] = [value.strip() or None for value in record]
        if any(c is not None for c in cells):
            rows.append((number, cells))
    if not rows:
        raise _fail(path, "the file is empty")
    # A CSV has one sheet; it is named after the file (BURC exports are one file per sheet).
    return Workbook(str(path.name), "csv", [Sheet(path.stem, rows)], notes)


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


# --- XLSX ------------------------------------------------------------------------------------


def _read_xlsx(path: Path, *, sheet: str | None, first_only: bool) -> Workbook:
    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for damaged files
        raise _fail(path, f"not a readable Excel workbook ({error})") from None
    try:
        names = [ws.title for ws in book.worksheets]
        chosen = _choose_sheets(path, names, sheet, first_only)
        notes = []
        if len(chosen) < len(names):
            others = ", ".join(repr(n) for n in names if n not in chosen)
            notes.append(f"read sheet {chosen[0]!r} only; not read: {others}")
        formulas = _formula_cells(path, chosen) if _has_formulas(path) else {}
        sheets = [
            Sheet(name, list(_xlsx_rows(book[name], formulas.get(name, set())))) for name in chosen
        ]
    finally:
        book.close()
    return Workbook(path.name, "xlsx", sheets, notes, all_sheets=len(chosen) == len(names))


def _choose_sheets(path: Path, names: list[str], sheet: str | None, first: bool) -> list[str]:
    if not names:
        raise _fail(path, "the workbook has no worksheets")
    if sheet is None:
        return names[:1] if first else names
    by_lower = {n.strip().lower(): n for n in names}
    if sheet.strip().lower() not in by_lower:
        listed = ", ".join(repr(n) for n in names)
        raise _fail(path, f"no sheet named {sheet!r}; the sheets are {listed}")
    return [by_lower[sheet.strip().lower()]]


def _xlsx_rows(worksheet: Any, formulas: set[tuple[int, int]]) -> Iterator[tuple[int, list[Cell]]]:
    # Programs that write .xlsx files often store wrong sheet dimensions, which would cut rows.
    worksheet.reset_dimensions()
    for row in worksheet.iter_rows():
        cells: list[Cell] = []
        number = 0
        for cell in row:
            if getattr(cell, "row", None):
                number = cell.row
            cells.append(_xlsx_value(cell, formulas))
        if number and any(c is not None for c in cells):
            yield number, cells


def _xlsx_value(cell: Any, formulas: set[tuple[int, int]]) -> Cell:
    value = cell.value
    if value is None:
        row, column = getattr(cell, "row", None), getattr(cell, "column", None)
        return FORMULA_WITHOUT_VALUE if (row, column) in formulas else None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A percentage-formatted cell holds 0.6 for "60%": keep what the person sees.
        if "%" in (getattr(cell, "number_format", "") or ""):
            shown = (Decimal(repr(value)) * 100).normalize()
            return f"{shown:f}%"
        return value
    if isinstance(value, bool | date | datetime | time):
        return value
    return str(value)


def _has_formulas(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return any(
            _FORMULA_TAG.search(archive.read(name))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _formula_cells(path: Path, names: list[str]) -> dict[str, set[tuple[int, int]]]:
    """(row, column) of every formula cell per sheet, from a formula-reading pass."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        found: dict[str, set[tuple[int, int]]] = {}
        for name in names:
            book[name].reset_dimensions()
            found[name] = {
                (cell.row, cell.column)
                for row in book[name].iter_rows()
                for cell in row
                if getattr(cell, "data_type", None) == "f"
            }
        return found
    finally:
        book.close()
