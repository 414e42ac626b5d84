"""``chasen import portfolio|targets|pipeline PATH``: spreadsheets (CSV or Excel) in.

Each file is all or nothing: if any row is rejected nothing is written, the report is printed
and the command exits 4, unless ``--partial`` writes the good rows. ``--dry-run`` reports what
would change and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from cli.options import JsonFlag
from cli.output import console, errors, print_json, print_table
from cli.session import unit_of_work
from ingest.spreadsheets.report import ImportReport, RowOutcome
from ingest.spreadsheets.service import ImportKind, column_overrides, import_spreadsheet

app = typer.Typer(
    help="Import spreadsheets (CSV or .xlsx): the portfolio, targets, the BURC pipeline.",
    no_args_is_help=True,
)

PathArgument = Annotated[Path, typer.Argument(help="A CSV or .xlsx file.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")]
Partial = Annotated[
    bool, typer.Option("--partial", help="Write the good rows even when some are rejected.")
]
ColumnMap = Annotated[
    list[str] | None,
    typer.Option("--map", help="FIELD=COLUMN: read FIELD from COLUMN (repeatable)."),
]
MappingFile = Annotated[
    Path | None, typer.Option("--mapping", help="JSON file of field -> column names.")
]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="Read only this sheet.")]
SHOWN_ROWS = 200


def _command(kind: ImportKind, summary: str) -> Callable[..., None]:
    """The ``chasen import <kind>`` command: the same options for every kind of file."""

    def command(
        path: PathArgument,
        dry_run: DryRun = False,
        partial: Partial = False,
        column_map: ColumnMap = None,
        mapping: MappingFile = None,
        sheet: SheetOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        _run(kind, path, dry_run, partial, column_map, mapping, sheet, as_json)

    command.__doc__ = summary
    return command


for _kind, _summary in (
    (
        "portfolio",
        "Import clients: name, territory, region, segment, CSE, CAM, ARR, health, NPS, SLA...",
    ),
    ("targets", "Import targets and actuals per person (e-mail), fiscal year and quarter."),
    ("pipeline", "Import the BURC workbook (every sheet): match its rows to the pipeline's deals."),
):
    app.command(_kind)(_command(cast(ImportKind, _kind), _summary))


def _run(
    kind: ImportKind,
    path: Path,
    dry_run: bool,
    partial: bool,
    column_map: list[str] | None,
    mapping: Path | None,
    sheet: str | None,
    as_json: bool,
) -> None:
    overrides = column_overrides(kind, column_map or [], mapping)
    with unit_of_work() as session:
        report = import_spreadsheet(
            session, kind, path, dry_run=dry_run, partial=partial, overrides=overrides,
            sheet=sheet,
        )  # fmt: skip
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    refusal = report.refusal()
    if refusal is not None:
        raise refusal


def _print_report(report: ImportReport) -> None:
    sheets = ", ".join(repr(s) for s in report.sheets)
    console.print(f"{report.kind} import of {report.source} ({report.format}, {sheets})")
    for note in report.notes:
        errors.print(f"[yellow]note[/yellow] {note}", highlight=False)
    changed = [r for r in report.rows if r.action != "unchanged"]
    if changed:
        print_table(
            "Rows",
            ["sheet", "row", "key", "action", "details"],
            [[r.sheet, r.row, r.key, r.action, _details(r)] for r in changed[:SHOWN_ROWS]],
        )
    if len(changed) > SHOWN_ROWS:
        console.print(f"... and {len(changed) - SHOWN_ROWS} more rows (see --json)")
    if report.other_changes:
        print_table(
            f"Not in the file ({len(report.other_changes)})",
            ["key", "details"],
            [[r.key, _details(r)] for r in report.other_changes[:SHOWN_ROWS]],
        )
    counts = ", ".join(f"{n} {action}" for action, n in report.counts().items())
    console.print(f"Rows: {counts}; health readings: {report.history_rows}")
    if report.dry_run:
        console.print("Dry run: nothing written.")
    elif report.written:
        console.print("Written in one transaction.")


def _details(outcome: RowOutcome) -> str:
    if outcome.action == "rejected":
        return "; ".join(outcome.reasons)
    parts = [
        f"{field}={_value(after)}" if outcome.action == "insert" and before is None
        else f"{field}: {_value(before)} -> {_value(after)}"
        for field, (before, after) in outcome.changes.items()
    ]  # fmt: skip
    if outcome.note:
        parts.append(outcome.note)
    return "; ".join(parts)


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
