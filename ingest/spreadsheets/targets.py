"""Importing targets: one row per person and fiscal quarter, keyed on (user, year, quarter).

The person is named by e-mail (or by name when that is unique). Each of the four measures
(weighted ACV, ACV net of COGS, total ACV, TCV) has a target (never negative) and an actual
(negative when credits outweigh sales); a measure not in the file is left as stored.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.models import CseCamTarget
from ingest.spreadsheets import repository
from ingest.spreadsheets.columns import FieldSpec
from ingest.spreadsheets.lookups import People
from ingest.spreadsheets.records import Rows, SourceRow, reject_duplicates
from ingest.spreadsheets.report import RowOutcome
from ingest.spreadsheets.writer import Plan, Writes, changes

MEASURES = {
    "weighted_acv": ("weighted acv", "wacv", "weighted"),
    "acv_net_cogs": ("acv net cogs", "acv net of cogs", "net acv", "acv less cogs"),
    "total_acv": ("total acv", "acv"),
    "tcv": ("tcv", "total contract value"),
}


def _measure_fields() -> tuple[FieldSpec, ...]:
    fields = []
    for measure, names in MEASURES.items():
        for part, low in (("target", 0.0), ("actual", None)):
            aliases = [f"{n} {part}" for n in names] + [f"{part} {n}" for n in names]
            if part == "target":
                aliases += [f"{n} tgt" for n in names]
            fields.append(FieldSpec(f"{measure}_{part}", "money", ", ".join(aliases), low=low))
    return tuple(fields)


MEASURE_FIELDS = _measure_fields()
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "user",
        "person",
        "email, e mail, user email, owner, owner email, name, person, cse, cam, cse cam, rep",
        required=True,
    ),
    FieldSpec(
        "fiscal_year", "year", "fy, fiscal year, financial year, year", True, low=2000, high=2100
    ),
    FieldSpec("quarter", "quarter", "qtr, q, fiscal quarter", required=True),
    *MEASURE_FIELDS,
)
COLUMNS = tuple(f.name for f in MEASURE_FIELDS)


def check_measures(rows: Rows) -> None:
    """A targets file needs at least one measure column; say which names are understood."""
    if not any(set(COLUMNS) & set(found) for found in rows.columns.values()):
        raise ValidationError(
            "no target or actual columns found; expected e.g. 'Weighted ACV Target', "
            f"'TCV Actual' (the fields are {', '.join(COLUMNS)})"
        )


def plan_targets(session: Session, rows: Rows) -> Plan:
    """Decide each row's outcome against the stored targets (loaded once) and the writes."""
    check_measures(rows)
    people = People(session)
    stored = {
        (r["user_id"], r["fiscal_year"], r["quarter"]): r
        for r in repository.stored_rows(session, CseCamTarget)
    }
    for row in rows.rows:
        people.resolve_field(row, "user")
    reject_duplicates(rows.rows, _key, "person and quarter")
    writes = Writes(CseCamTarget)
    outcomes = [_plan_row(row, stored, people, writes) for row in rows.rows]
    return Plan(outcomes, writes)


def _key(row: SourceRow) -> tuple[uuid.UUID, int, int] | None:
    values = row.values
    if not {"user_id", "fiscal_year", "quarter"} <= set(values):
        return None
    return values["user_id"], values["fiscal_year"], values["quarter"]


def _label(row: SourceRow, people: People) -> str:
    values = row.values
    who = people.email(values["user_id"]) if "user_id" in values else values.get("user", "?")
    return f"{who} FY{values.get('fiscal_year', '?')} Q{values.get('quarter', '?')}"


def _plan_row(
    row: SourceRow,
    stored: dict[tuple[uuid.UUID, int, int], dict[str, Any]],
    people: People,
    writes: Writes,
) -> RowOutcome:
    label = _label(row, people)
    key = _key(row)
    if not row.ok or key is None:
        return RowOutcome(row.sheet, row.row, label, "rejected", reasons=row.problems)
    wanted = {column: row.values[column] for column in COLUMNS if column in row.values}
    current = stored.get(key)
    if current is None:
        user_id, fiscal_year, quarter = key
        writes.inserts.append(
            {
                **dict.fromkeys(COLUMNS, Decimal(0)),
                **wanted,
                "id": uuid.uuid4(),
                "user_id": user_id,
                "fiscal_year": fiscal_year,
                "quarter": quarter,
            }
        )
        found = {column: (None, value) for column, value in wanted.items()}
        return RowOutcome(row.sheet, row.row, label, "insert", found)
    found = changes(current, wanted, COLUMNS)
    if not found:
        return RowOutcome(row.sheet, row.row, label, "unchanged")
    writes.updates.append({"id": current["id"], **wanted})
    return RowOutcome(row.sheet, row.row, label, "update", found)
