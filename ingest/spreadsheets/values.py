"""Typed values from spreadsheet cells, with messages that quote the cell.

Numbers may carry a currency symbol or code ("$1,200", "AUD 1,200", "A$1.2"), thousands
separators, a trailing "%" (percent fields only) and parentheses for negatives ("(1,200)");
any other text is refused ("1.2k", "TBC", Excel's "#N/A"). Dates are ISO (2026-11-20),
day-first (20/11/2026, Australian order; also with "-" or "."), "20 Nov 2026", or Excel date
cells. Flags are yes/no, y/n, true/false, 1/0 or x.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from core.models import STAGES
from ingest.spreadsheets.columns import FieldSpec
from ingest.spreadsheets.reader import Cell, FormulaWithoutValue


class CellError(ValueError):
    """A cell that does not hold a valid value of its field."""


CENT = Decimal("0.01")
MONEY_LIMIT = Decimal("1e12")
# A currency symbol with an optional country prefix (A$, NZ$), or a currency code, either end.
_CURRENCY = re.compile(r"^(?:[A-Z]{1,3})?[$€£¥]|[$€£¥]$|^[A-Z]{3}\s+|\s+[A-Z]{3}$")
_PLAIN_NUMBER = re.compile(r"^(?:\d{1,3}(?:[, ]\d{3})+|\d+)?(?:\.\d+)?$")
_EXCEL_ERROR = re.compile(r"^#(?:N/A|[A-Z0-9/]+[!?])$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_TEXT_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y", "%B %d, %Y")
_YEAR = re.compile(r"^(?:FY\s*)?(?:(\d{2}|\d{4})\s*[/-]\s*)?(\d{2}|\d{4})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(?:Q(?:uarter)?\s*)?([1-4])$", re.IGNORECASE)
_TRUE = frozenset({"yes", "y", "true", "t", "1", "x", "✓", "✔"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "-"})
_STAGE_SYNONYMS = {"won": "closed_won", "lost": "closed_lost", "closed": "closed_won"}
# Excel serial day numbers from 1990 to 2100, for date columns holding plain numbers.
_SERIALS = (32874, 73051)
_EXCEL_EPOCH = date(1899, 12, 30)


def is_blank(cell: Cell) -> bool:
    """An empty cell (a formula without a value is not blank: it is a problem)."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def parse_cell(spec: FieldSpec, cell: Cell) -> Any:
    """The cell's value for ``spec``; CellError with a message quoting the cell otherwise."""
    if isinstance(cell, FormulaWithoutValue):
        raise CellError("formula without a computed value: open and save the file in Excel")
    parser = _PARSERS[spec.kind]
    value = parser(cell)
    _check_range(spec, value, cell)
    return value


def _shown(cell: Cell) -> str:
    return repr(cell if isinstance(cell, str) else str(cell))


def _check_range(spec: FieldSpec, value: Any, cell: Cell) -> None:
    if not isinstance(value, int | Decimal) or isinstance(value, bool):
        return
    if spec.low is not None and value < spec.low:
        raise CellError(f"{_shown(cell)} is below {spec.low:g}")
    if spec.high is not None and value > spec.high:
        raise CellError(f"{_shown(cell)} is above {spec.high:g}")


def _text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # an id typed into a number cell: 1234.0 -> "1234"
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    text = " ".join(str(cell).split())
    if len(text) > 500:
        raise CellError(f"text too long ({len(text)} characters, at most 500)")
    return text


def number(cell: Cell, *, percent: bool = False) -> Decimal:
    """A decimal from a number cell or a number written as text (see the module's rules)."""
    if isinstance(cell, bool) or not isinstance(cell, int | float | str):
        raise CellError(f"{_shown(cell)} is not a number")
    if isinstance(cell, int | float):
        return Decimal(repr(cell))
    text = cell.strip()
    if _EXCEL_ERROR.match(text.upper()):
        raise CellError(f"{text!r} is an Excel error value, not a number")
    negative = text.startswith("(") and text.endswith(")")
    body = text[1:-1].strip() if negative else text
    has_percent = body.endswith("%")
    if has_percent:
        if not percent:
            raise CellError(f"{text!r} is a percentage, not an amount")
        body = body[:-1].strip()
    sign, body = _sign(body.upper())
    body = _CURRENCY.sub("", body).strip()
    if sign is None:
        sign, body = _sign(body)  # "$-1,200"
    negative = negative or sign == "-"
    if not body or not _PLAIN_NUMBER.match(body):
        raise CellError(f"{text!r} is not a number")
    try:
        value = Decimal(body.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        raise CellError(f"{text!r} is not a number") from None
    return -value if negative else value


def _sign(text: str) -> tuple[str | None, str]:
    if text[:1] in {"-", "+"}:
        return text[0], text[1:].strip()
    return None, text


def _money(cell: Cell) -> Decimal:
    value = number(cell).quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(value) >= MONEY_LIMIT:
        raise CellError(f"{_shown(cell)} is too large for an amount")
    return value


def _percent(cell: Cell) -> Decimal:
    return number(cell, percent=True).quantize(CENT, rounding=ROUND_HALF_UP)


def _integer(cell: Cell) -> int:
    value = number(cell, percent=True)
    if value != value.to_integral_value():
        raise CellError(f"{_shown(cell)} is not a whole number")
    return int(value)


def _date(cell: Cell) -> date:
    if isinstance(cell, datetime):
        found = cell.date()
    elif isinstance(cell, date):
        found = cell
    elif isinstance(cell, int | float) and not isinstance(cell, bool):
        if not _SERIALS[0] <= cell <= _SERIALS[1]:
            raise CellError(f"{_shown(cell)} is not a date")
        found = _EXCEL_EPOCH + timedelta(days=int(cell))
    elif isinstance(cell, str):
        found = _date_text(cell.strip())
    else:
        raise CellError(f"{_shown(cell)} is not a date")
    if not 1990 <= found.year <= 2100:
        raise CellError(f"{_shown(cell)}: the year {found.year} is out of range (1990-2100)")
    return found


def _date_text(text: str) -> date:
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            raise CellError(f"{text!r} is not a date (day/month/year)") from None
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(f"{text!r} is not a date (use 2026-11-20 or 20/11/2026)")


def _flag(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    text = _text(cell).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{_shown(cell)} is not yes/no")


def _stage(cell: Cell) -> str:
    text = re.sub(r"[\s-]+", "_", _text(cell).casefold())
    stage = _STAGE_SYNONYMS.get(text, text)
    if stage not in STAGES:
        raise CellError(f"{_shown(cell)} is not a stage; the stages are {', '.join(STAGES)}")
    return stage


def _year(cell: Cell) -> int:
    match = _YEAR.match(_text(cell))
    if not match:
        raise CellError(f"{_shown(cell)} is not a fiscal year (e.g. 2026 or FY26)")
    # A span such as "FY25/26" names the fiscal year it ends in.
    year = int(match.group(2))
    return year + 2000 if year < 100 else year


def _quarter(cell: Cell) -> int:
    match = _QUARTER.match(_text(cell))
    if not match:
        raise CellError(f"{_shown(cell)} is not a quarter (1-4 or Q1-Q4)")
    return int(match.group(1))


_PARSERS = {
    "text": _text,
    "person": _text,
    "money": _money,
    "integer": _integer,
    "percent": _percent,
    "date": _date,
    "flag": _flag,
    "stage": _stage,
    "year": _year,
    "quarter": _quarter,
}
