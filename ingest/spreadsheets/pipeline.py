"""Importing the finance workbook (BURC) into the pipeline.

Every row is a line of committed revenue, so every imported deal gets ``burc_match = true``
and the sheet it came from in ``burc_source_sheet``. A row that is a stored deal (see
:mod:`ingest.spreadsheets.burc` for the rule) updates it; any other row is a new deal. When
the whole workbook is imported (every sheet, no ``--partial``), stored deals that no row
matched are no longer in BURC: their ``burc_match`` goes back to false (listed apart in the
report). Fiscal year and quarter default to the close date's (fiscal years are calendar years).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.models import PipelineOpportunity
from ingest.spreadsheets import repository
from ingest.spreadsheets.burc import DealIndex, Match, key_name
from ingest.spreadsheets.columns import FieldSpec
from ingest.spreadsheets.lookups import Clients, People
from ingest.spreadsheets.records import Rows, SourceRow, reject_duplicates
from ingest.spreadsheets.report import RowOutcome
from ingest.spreadsheets.writer import Plan, Writes, changes, now

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("client", "text", "client name, account, account name, customer", required=True),
    FieldSpec(
        "name",
        "text",
        "opportunity, opportunity name, opp, opp name, deal, deal name, description",
        required=True,
    ),
    FieldSpec("acv", "money", "annual contract value, acv aud", required=True, low=0),
    FieldSpec("owner", "person", "owner email, opportunity owner, cse, cse email, sales rep"),
    FieldSpec("stage", "stage", "sales stage, opportunity stage"),
    FieldSpec("probability", "percent", "prob, win probability, likelihood", low=0, high=100),
    FieldSpec("tcv", "money", "total contract value, tcv aud", low=0),
    FieldSpec("close_date", "date", "close, expected close, closing date, close by"),
    FieldSpec("fiscal_year", "year", "fy, fiscal year, financial year", low=2000, high=2100),
    FieldSpec("quarter", "quarter", "qtr, fiscal quarter, close quarter"),
    FieldSpec("in_target", "flag", "counts to target"),
    FieldSpec("focus_deal", "flag", "focus, key deal"),
    FieldSpec("rats_and_mice", "flag", "rats mice, small deal"),
    FieldSpec("external_id", "text", "opportunity id, opp id, crm id, salesforce id, deal id, id"),
)
COLUMNS = (
    "owner_id", "stage", "probability", "acv", "tcv", "close_date", "fiscal_year", "quarter",
    "in_target", "focus_deal", "rats_and_mice", "external_id", "burc_match", "burc_source_sheet",
)  # fmt: skip
_SHOWN = {"owner_id": "owner"}


def plan_pipeline(session: Session, rows: Rows, *, whole_workbook: bool) -> Plan:
    """Match every row to the stored deals (loaded once), decide its outcome and the writes.

    ``whole_workbook``: the file is all of BURC, so unmatched stored deals leave it.
    """
    people, clients = People(session), Clients(session)
    stored = repository.stored_rows(session, PipelineOpportunity)
    index = DealIndex(stored, {c["id"]: c["name"] for c in clients.rows.values()})
    for row in rows.rows:
        _resolve(row, people, clients)
    reject_duplicates(rows.rows, lambda r: r.values.get("external_id"), "external id")
    reject_duplicates(rows.rows, _name_key, "client and opportunity name")
    matches = {id(row): _match(row, index, clients) for row in rows.rows}
    _reject_shared_matches(rows.rows, matches)
    writes = Writes(PipelineOpportunity)
    outcomes = [_plan_row(row, matches[id(row)], clients, people, writes) for row in rows.rows]
    plan = Plan(outcomes, writes)
    matched = {m.deal["id"] for m in matches.values() if m.deal is not None}
    if whole_workbook:
        plan.other_changes = _leave_burc(stored, matched, clients, writes)
    else:
        plan.notes.append(
            "not the whole workbook (one sheet, or --partial): deals missing from the file "
            "keep their burc_match"
        )
    new = sum(1 for o in outcomes if o.action == "insert")
    plan.notes.append(f"BURC: {len(matched)} row(s) matched pipeline deals, {new} new deal(s)")
    return plan


def _resolve(row: SourceRow, people: People, clients: Clients) -> None:
    values = row.values
    if "client" in values:
        client = clients.find(values["client"])
        if client is None:
            row.problems.append(f"client: no client named {values['client']!r}")
        else:
            values["client_id"] = client["id"]
    people.resolve_field(row, "owner")
    close = values.get("close_date")
    if close is not None:
        values.setdefault("fiscal_year", close.year)
        values.setdefault("quarter", (close.month - 1) // 3 + 1)


def _name_key(row: SourceRow) -> tuple[uuid.UUID, str] | None:
    if "client_id" not in row.values or "name" not in row.values:
        return None
    return row.values["client_id"], key_name(row.values["name"])


def _match(row: SourceRow, index: DealIndex, clients: Clients) -> Match:
    values = row.values
    if not {"client_id", "name", "acv"} <= set(values):
        return Match(None)
    found = index.find(
        values["client_id"],
        clients.name(values["client_id"]),
        values["name"],
        values["acv"],
        values.get("external_id"),
    )
    if found.problem:
        row.problems.append(found.problem)
    return found


def _reject_shared_matches(rows: list[SourceRow], matches: dict[int, Match]) -> None:
    by_deal: dict[tuple[uuid.UUID, str], list[SourceRow]] = defaultdict(list)
    for row in rows:
        deal = matches[id(row)].deal
        if deal is not None:
            by_deal[(deal["id"], deal["name"])].append(row)
    for (_, name), group in by_deal.items():
        if len(group) < 2:
            continue
        for row in group:
            others = ", ".join(o.where for o in group if o is not row)
            row.problems.append(f"duplicate: {others} also matches the deal {name!r}")


def _label(row: SourceRow) -> str:
    return f"{row.values.get('client', '?')} / {row.values.get('name', '?')}"


def _plan_row(
    row: SourceRow, match: Match, clients: Clients, people: People, writes: Writes
) -> RowOutcome:
    if not row.ok:
        return RowOutcome(row.sheet, row.row, _label(row), "rejected", reasons=row.problems)
    wanted = {column: row.values[column] for column in COLUMNS if column in row.values}
    wanted.update(burc_match=True, burc_source_sheet=row.sheet)
    deal = match.deal
    if deal is None:
        client = clients.get(row.values["client_id"])
        insert: dict[str, Any] = {
            "owner_id": client["cse_id"], "stage": "qualify", "probability": Decimal(0),
            "tcv": Decimal(0), "close_date": None, "fiscal_year": None, "quarter": None,
            "in_target": False, "focus_deal": False, "rats_and_mice": False, "external_id": None,
            **wanted, "id": uuid.uuid4(), "client_id": client["id"], "name": row.values["name"],
        }  # fmt: skip
        writes.inserts.append(insert)
        found = {c: (None, insert[c]) for c in COLUMNS if insert[c] is not None}
        note = "new deal: no pipeline deal matched"
        return RowOutcome(
            row.sheet, row.row, _label(row), "insert", people.shown(found, _SHOWN), [], note
        )
    if deal["external_id"] and "external_id" in wanted:
        del wanted["external_id"]  # matched by it, or by name with no conflicting id
    note = f"matched the deal {deal['name']!r} ({match.how})"
    if match.acv_moved:
        note += f"; the ACV moved by more than the tolerance from {deal['acv']:,.2f}"
    found = changes(deal, wanted, COLUMNS)
    label = f"{clients.name(deal['client_id'])} / {deal['name']}"
    if not found:
        return RowOutcome(row.sheet, row.row, label, "unchanged", note=note)
    writes.updates.append({"id": deal["id"], **wanted, "updated_at": now()})
    return RowOutcome(row.sheet, row.row, label, "update", people.shown(found, _SHOWN), [], note)


def _leave_burc(
    stored: list[dict[str, Any]], matched: set[uuid.UUID], clients: Clients, writes: Writes
) -> list[RowOutcome]:
    """Deals in BURC before that no row of the workbook is: no longer matched."""
    outcomes = []
    for deal in sorted(stored, key=lambda d: (clients.name(d["client_id"]), d["name"])):
        if deal["burc_match"] and deal["id"] not in matched:
            writes.updates.append(
                {"id": deal["id"], "burc_match": False, "burc_source_sheet": None,
                 "updated_at": now()}
            )  # fmt: skip
            found = {
                "burc_match": (True, False),
                "burc_source_sheet": (deal["burc_source_sheet"], None),
            }
            label = f"{clients.name(deal['client_id'])} / {deal['name']}"
            note = "no longer in the BURC workbook"
            outcomes.append(RowOutcome("", 0, label, "update", found, [], note))
    return outcomes
