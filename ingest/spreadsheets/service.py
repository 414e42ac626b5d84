"""Importing a spreadsheet of one kind: read, map, validate, compare, and write (or not).

All or nothing per file: when any row is rejected nothing is written, unless ``partial`` is
asked for, in which case the good rows are written and the rejected ones listed. A dry run does
everything but write. The caller owns the transaction: this module only flushes, and what it
writes it writes in the caller's one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from core.errors import ValidationError
from ingest.spreadsheets import pipeline, portfolio, targets
from ingest.spreadsheets.columns import FieldSpec, parse_overrides
from ingest.spreadsheets.reader import read_workbook
from ingest.spreadsheets.records import Rows, read_rows
from ingest.spreadsheets.report import ImportReport
from ingest.spreadsheets.writer import Plan

ImportKind = Literal["portfolio", "targets", "pipeline"]
FIELDS: dict[ImportKind, tuple[FieldSpec, ...]] = {
    "portfolio": portfolio.FIELDS,
    "targets": targets.FIELDS,
    "pipeline": pipeline.FIELDS,
}


def column_overrides(
    kind: ImportKind, pairs: Sequence[str] = (), mapping_file: Path | None = None
) -> dict[str, str]:
    """Field -> column from ``FIELD=COLUMN`` pairs and a JSON mapping file, checked."""
    return parse_overrides(pairs, mapping_file, FIELDS[kind])


def import_spreadsheet(
    session: Session,
    kind: ImportKind,
    path: Path,
    *,
    dry_run: bool = False,
    partial: bool = False,
    overrides: Mapping[str, str] | None = None,
    sheet: str | None = None,
    today: date | None = None,
) -> ImportReport:
    """Import ``path`` as ``kind`` and report each row's outcome.

    A pipeline import reads every sheet of the workbook (or only ``sheet``); the others read
    ``sheet`` or the first one. ``today`` dates the health readings a portfolio import records.
    Unreadable files and missing columns raise ValidationError; rejected rows do not raise:
    see :meth:`ImportReport.refusal`.
    """
    book = read_workbook(path, sheet=sheet, first_only=kind != "pipeline")
    rows = read_rows(book, FIELDS[kind], overrides or {})
    if not rows.rows:
        raise ValidationError(f"{book.source}: a header but no rows below it")
    plan = _plan(session, kind, rows, partial, book.all_sheets, today or date.today())
    report = ImportReport(
        kind=kind,
        source=book.source,
        format=book.format,
        sheets=rows.sheets,
        rows=plan.outcomes,
        notes=[*book.notes, *rows.notes, *plan.notes],
        other_changes=plan.other_changes,
        columns=rows.columns,
        dry_run=dry_run,
        partial=partial,
        history_rows=len(plan.writes.history),
    )
    if not dry_run and not report.blocked:
        plan.writes.apply(session)
        report.written = True
    return report


def _plan(
    session: Session,
    kind: ImportKind,
    rows: Rows,
    partial: bool,
    all_sheets: bool,
    today: date,
) -> Plan:
    if kind == "portfolio":
        return portfolio.plan_portfolio(session, rows, today=today)
    if kind == "targets":
        return targets.plan_targets(session, rows)
    return pipeline.plan_pipeline(session, rows, whole_workbook=all_sheets and not partial)
