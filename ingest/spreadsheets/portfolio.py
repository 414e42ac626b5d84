"""Importing the portfolio: one client per row, keyed on the client's name (any case).

The CSE and CAM are named by e-mail or by name. A new client needs its territory and region
(required columns). When a client's health score, NPS or ARR is set or changes, today's
reading is recorded in ``client_health_history`` as well (the churn model learns from it).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.models import Client
from ingest.spreadsheets.columns import FieldSpec
from ingest.spreadsheets.lookups import Clients, People, client_key
from ingest.spreadsheets.records import Rows, SourceRow, reject_duplicates
from ingest.spreadsheets.report import RowOutcome
from ingest.spreadsheets.writer import Plan, Writes, changes, now

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "name",
        "text",
        "client, client name, account, account name, customer, customer name, organisation",
        required=True,
    ),
    FieldSpec("territory", "text", "sales territory", required=True),
    FieldSpec("region", "text", "geo, geography", required=True),
    FieldSpec("segment", "text", "business unit, bu, tier, client segment"),
    FieldSpec("cse", "person", "cse email, cse name, client sales executive, sales executive"),
    FieldSpec("cam", "person", "cam email, cam name, client account manager, account manager"),
    FieldSpec("arr", "money", "annual recurring revenue, arr aud, recurring revenue", low=0),
    FieldSpec("health_score", "integer", "health, account health", low=0, high=100),
    FieldSpec("nps", "integer", "net promoter score", low=-100, high=100),
    FieldSpec("support_sla_pct", "percent", "support sla, sla, sla met, sla pct", low=0, high=100),
    FieldSpec("renewal_date", "date", "renewal, contract renewal, renews on, contract end"),
)
COLUMNS = (
    "territory", "region", "segment", "cse_id", "cam_id", "arr", "health_score", "nps",
    "support_sla_pct", "renewal_date",
)  # fmt: skip
HISTORY = ("health_score", "nps", "arr")
_SHOWN = {"cse_id": "cse", "cam_id": "cam"}


def plan_portfolio(session: Session, rows: Rows, *, today: date) -> Plan:
    """Decide each row's outcome against the stored clients (loaded once) and the writes."""
    people, clients = People(session), Clients(session)
    for row in rows.rows:
        people.resolve_field(row, "cse")
        people.resolve_field(row, "cam")
    reject_duplicates(
        rows.rows, lambda r: client_key(r.values["name"]) if "name" in r.values else None, "client"
    )
    writes = Writes(Client)
    outcomes = [_plan_row(row, clients, people, writes, today) for row in rows.rows]
    return Plan(outcomes, writes)


def _plan_row(
    row: SourceRow, clients: Clients, people: People, writes: Writes, today: date
) -> RowOutcome:
    name = row.values.get("name", "")
    if not row.ok:
        return RowOutcome(row.sheet, row.row, name, "rejected", reasons=row.problems)
    wanted = {column: row.values[column] for column in COLUMNS if column in row.values}
    stored = clients.find(name)
    if stored is None:
        client_id = uuid.uuid4()
        insert = {**dict.fromkeys(COLUMNS), "arr": Decimal(0), **wanted}
        insert.update(id=client_id, name=name)
        writes.inserts.append(insert)
        found = {column: (None, value) for column, value in wanted.items()}
        _record_history(writes, client_id, insert, found, today)
        return RowOutcome(row.sheet, row.row, name, "insert", people.shown(found, _SHOWN))
    found = changes(stored, wanted, COLUMNS)
    if not found:
        return RowOutcome(row.sheet, row.row, stored["name"], "unchanged")
    writes.updates.append({"id": stored["id"], **wanted, "updated_at": now()})
    _record_history(writes, stored["id"], {**stored, **wanted}, found, today)
    return RowOutcome(row.sheet, row.row, stored["name"], "update", people.shown(found, _SHOWN))


def _record_history(
    writes: Writes,
    client_id: uuid.UUID,
    client: dict[str, Any],
    found: dict[str, tuple[Any, Any]],
    today: date,
) -> None:
    if any(column in found for column in HISTORY):
        reading = {column: client.get(column) for column in HISTORY}
        writes.history.append({"client_id": client_id, "recorded_on": today, **reading})
