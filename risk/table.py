"""Any labelled table (a CSV with a yes/no outcome column), read, checked and typed for learning.

Row numbers in messages are the spreadsheet's: the header is row 1, the first record row 2.
Every problem is one ``ValidationError`` naming the file, the column and a few examples; every
silent-looking decision (a value treated as missing, a column or row left out) becomes a note.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from core.errors import ValidationError

NA_TOKENS = frozenset({"", "na", "n/a", "null", "none", "nan", "?", "-"})
LABELS = {"yes": 1, "true": 1, "1": 1, "churned": 1, "y": 1}
LABELS |= {"no": 0, "false": 0, "0": 0, "renewed": 0, "n": 0}
MIN_ROWS = 20
MIN_MINORITY = 5
NUMERIC_SHARE = 0.9  # a column this numeric is a numeric column with junk in it, not a category
MOSTLY_MISSING = 0.95
ID_LIKE_SHARE, ID_LIKE_DISTINCT = 0.5, 50
EXAMPLES = 3


@dataclass(frozen=True)
class Column:
    """A feature column: numeric values are floats (NaN missing), categorical ones str or None."""

    name: str
    kind: Literal["numeric", "categorical"]


@dataclass(frozen=True)
class LabelledTable:
    """Feature rows (object array, one column per ``columns``), 0/1 labels and what was done."""

    columns: tuple[Column, ...]
    rows: np.ndarray
    y: np.ndarray
    ids: tuple[str, ...] | None
    positive_label: str
    notes: tuple[str, ...]
    label: str = "label"
    source: str = ""

    @property
    def positive_rate(self) -> float:
        """Share of rows labelled 1."""
        return float(self.y.mean())

    def names(self, kind: Literal["numeric", "categorical"]) -> list[str]:
        """Names of the feature columns of one kind, in table order."""
        return [c.name for c in self.columns if c.kind == kind]

    def describe(self) -> dict[str, Any]:
        """The table in a few figures, for reports."""
        return {
            "data": self.source,
            "rows": len(self.y),
            "label": self.label,
            "positive": self.positive_label,
            "positive_rate": round(self.positive_rate, 4),
            "features": {
                "numeric": self.names("numeric"),
                "categorical": self.names("categorical"),
            },
            "notes": list(self.notes),
        }


def _fail(path: Path, message: str) -> ValidationError:
    return ValidationError(f"{path.name}: {message}", file=str(path))


def _examples(pairs: Sequence[tuple[int, str]]) -> str:
    return ", ".join(f"row {row} {value!r}" for row, value in pairs[:EXAMPLES])


def _number(text: str) -> float | None:
    """The value as a finite number, or None ('1_000', 'inf' and '1,5' are not numbers here)."""
    if "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    """Header, (row number, stripped fields) of each non-blank record, and how it was read."""
    if not path.is_file():
        raise _fail(path, f"no such file ({path})")
    raw = path.read_bytes()
    if not raw.strip():
        raise _fail(path, "the file is empty")
    if b"\0" in raw[:4096]:
        raise _fail(path, "not a CSV file (binary content)")
    how = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # spreadsheets still export Windows-1252
        how.append("read as Windows-1252 text (not UTF-8)")
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",;\t|", key=first.count)  # the delimiter the header uses most
    if delimiter != ",":
        how.append(f"read as {delimiter!r}-separated values")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise _fail(path, f"not a readable CSV file ({error})") from None
    numbered = [(i + 1, [f.strip() for f in r]) for i, r in enumerate(records) if any(r)]
    if not numbered:
        raise _fail(path, "the file is empty")
    (_, header), body = numbered[0], numbered[1:]
    _check_header(path, header, first)
    for row, fields in body:
        if len(fields) != len(header):
            raise _fail(path, f"row {row} has {len(fields)} fields, the header has {len(header)}")
    if not body:
        raise _fail(path, "a header but no rows")
    return header, body, how


def _check_header(path: Path, header: list[str], first: str) -> None:
    if len(header) < 2:
        raise _fail(path, f"one column only ({first[:80]!r}); a label and features are needed")
    if all(_number(name) is not None or not name for name in header):
        raise _fail(path, f"no header row (the first line is {first[:80]!r})")
    blank = [i + 1 for i, name in enumerate(header) if not name]
    if blank:
        raise _fail(path, f"the header has no name for column(s) {blank}")
    doubled = sorted(n for n, k in Counter(header).items() if k > 1)
    if doubled:
        raise _fail(path, f"the header names columns more than once: {', '.join(doubled)}")


def _find(path: Path, header: list[str], name: str, role: str) -> int:
    if name not in header:
        raise _fail(path, f"no {role} column {name!r}; the columns are: {', '.join(header)}")
    return header.index(name)


def _labels(
    path: Path, body: list[tuple[int, list[str]]], at: int, name: str, notes: list[str]
) -> tuple[list[int], list[int], str]:
    """Kept record indices, their 0/1 labels and the text meaning 1; blank labels are left out."""
    keep, y, bad = [], [], []
    positives: Counter[str] = Counter()
    for i, (row, fields) in enumerate(body):
        value = fields[at]
        if value.lower() in NA_TOKENS:
            continue
        if value.lower() not in LABELS:
            bad.append((row, value))
            continue
        keep.append(i)
        y.append(LABELS[value.lower()])
        if y[-1]:
            positives[value] += 1
    if bad:
        raise _fail(
            path,
            f"column {name}: {len(bad)} values are not a yes/no label, e.g. {_examples(bad)}; "
            "use yes/no, true/false, 1/0, churned/renewed or y/n",
        )
    if len(keep) < len(body):
        notes.append(f"{len(body) - len(keep)} rows without a label were left out")
    counts = Counter(y)
    if len(counts) < 2:
        only = (
            positives.most_common(1)[0][0]
            if positives
            else next((body[i][1][at] for i in keep), "?")
        )
        raise _fail(path, f"{name} needs both classes; found only {only!r} in {len(keep)} rows")
    if len(keep) < MIN_ROWS:
        raise _fail(path, f"only {len(keep)} labelled rows; at least {MIN_ROWS} are needed")
    if min(counts.values()) < MIN_MINORITY:
        raise _fail(
            path,
            f"{name}: only {min(counts.values())} rows of the rarer class; "
            f"at least {MIN_MINORITY} are needed",
        )
    return keep, y, positives.most_common(1)[0][0]


def _ids(path: Path, body: list[tuple[int, list[str]]], at: int, name: str) -> tuple[str, ...]:
    blank = [row for row, fields in body if fields[at].lower() in NA_TOKENS]
    if blank:
        raise _fail(path, f"id column {name}: blank in {len(blank)} rows, e.g. rows {blank[:5]}")
    seen: dict[str, int] = {}
    doubles: list[str] = []
    for row, fields in body:
        if fields[at] in seen:
            doubles.append(f"{fields[at]!r} (rows {seen[fields[at]]} and {row})")
        seen.setdefault(fields[at], row)
    if doubles:
        raise _fail(path, f"id column {name}: {len(doubles)} duplicate ids, e.g. {doubles[:3]}")
    return tuple(fields[at] for _, fields in body)


def _typed(
    path: Path, name: str, values: list[str], rows: list[int], notes: list[str]
) -> tuple[Column, list[Any]] | None:
    """The column typed and converted, or None when it is left out (a note says why)."""
    present = [(r, v) for r, v in zip(rows, values, strict=True) if v.lower() not in NA_TOKENS]
    missing = len(values) - len(present)
    if missing > MOSTLY_MISSING * len(values):
        notes.append(f"{name}: dropped, missing in {missing} of {len(values)} rows")
        return None
    parsed = [_number(v) for _, v in present]
    junk = [(r, v) for (r, v), n in zip(present, parsed, strict=True) if n is None]
    categorical = bool(junk)
    if categorical and len(present) - len(junk) >= NUMERIC_SHARE * len(present):
        raise _fail(
            path,
            f"column {name}: {len(junk)} non-numeric values in a numeric column, "
            f"e.g. {_examples(junk)}; fix or blank them",
        )
    distinct = {v for _, v in present} if categorical else set(parsed)
    if len(distinct) <= 1 and not missing:
        notes.append(f"{name}: dropped, the same value in every row")
        return None
    if (
        categorical
        and len(distinct) > ID_LIKE_DISTINCT
        and len(distinct) > ID_LIKE_SHARE * len(values)
    ):
        notes.append(
            f"{name}: dropped, a distinct value in nearly every row (an identifier, not a feature)"
        )
        return None
    if missing:
        tokens = sorted({v for v in values if v.lower() in NA_TOKENS} - {""})
        kinds = f"blank or NA ({', '.join(map(repr, tokens))})" if tokens else "blank"
        notes.append(f"{name}: {missing} {kinds} values treated as missing")
    if categorical:
        return Column(name, "categorical"), [None if v.lower() in NA_TOKENS else v for v in values]
    numbers = [_number(v) if v.lower() not in NA_TOKENS else None for v in values]
    return Column(name, "numeric"), [math.nan if n is None else n for n in numbers]


def load_table(path: Path, label: str, id_column: str | None = None) -> LabelledTable:
    """Read a CSV with a yes/no ``label`` column; every other column but ``id_column`` is a
    candidate feature, typed numeric or categorical from its values."""
    header, body, notes = _read(path)
    label_at = _find(path, header, label, "label")
    id_at = None
    if id_column is not None:
        id_at = _find(path, header, id_column, "id")
        if id_at == label_at:
            raise _fail(path, f"{label} cannot be both the label and the id column")
    keep, y, positive = _labels(path, body, label_at, label, notes)
    kept = [body[i] for i in keep]
    ids = _ids(path, kept, id_at, id_column or "") if id_at is not None else None
    row_numbers = [row for row, _ in kept]
    columns: list[Column] = []
    values: list[list[Any]] = []
    for at, name in enumerate(header):
        if at in (label_at, id_at):
            continue
        typed = _typed(path, name, [f[at] for _, f in kept], row_numbers, notes)
        if typed is not None:
            columns.append(typed[0])
            values.append(typed[1])
    if not columns:
        raise _fail(path, f"no usable feature columns besides {label}")
    rows = np.empty((len(kept), len(columns)), dtype=object)
    for j, column_values in enumerate(values):
        rows[:, j] = column_values
    return LabelledTable(
        columns=tuple(columns),
        rows=rows,
        y=np.asarray(y, dtype=np.int64),
        ids=ids,
        positive_label=positive,
        notes=tuple(notes),
        label=label,
        source=path.name,
    )
