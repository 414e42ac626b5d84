"""``chasen export``: a plan as PDF or Markdown, an account's Success Snapshot, or a
territory's performance report, written to a file as a person would download it."""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.options import parse_date
from cli.output import errors
from cli.session import unit_of_work
from core.errors import ValidationError
from core.identity import Person
from planning import directory

Format = Literal["pdf", "md"]


def export_command(
    user: Annotated[str, typer.Option("--user", help="E-mail of the person exporting.")],
    plan_id: Annotated[
        uuid.UUID | None, typer.Argument(help="The plan (none with --snapshot, --territory).")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="pdf or md (Markdown, plans only).")
    ] = "pdf",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write ('-': stdout); default a name from the title in this folder.",
        ),
    ] = None,
    snapshot: Annotated[
        str | None, typer.Option("--snapshot", help="A client's one-page Success Snapshot.")
    ] = None,
    territory: Annotated[
        str | None, typer.Option("--territory", help="A territory's performance report.")
    ] = None,
    fiscal_year: Annotated[
        int | None, typer.Option("--fiscal-year", help="For --territory; default this year.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day the figures are as of (default today).")
    ] = None,
) -> None:
    """Export a plan (PLAN_ID, --format pdf|md), a client's Success Snapshot (--snapshot
    CLIENT) or a territory's performance (--territory T) as that person sees it."""
    from planning.exports import (
        plan_filename,
        plan_markdown,
        plan_pdf,
        snapshot_filename,
        snapshot_pdf,
        territory_filename,
        territory_pdf,
    )
    from planning.permissions import client_named
    from planning.service import PlanService

    kind = _one_of(plan_id, snapshot, territory)
    chosen = _format(output_format, kind)
    today = parse_date(as_of, "--as-of") or date.today()
    with unit_of_work() as session:
        person = Person.of(directory.get_active_user(session, user))
        data: bytes | str
        if plan_id is not None:
            plan = PlanService(session).readable_plan(plan_id, person)
            data = (
                plan_markdown(plan, generated=today)
                if chosen == "md"
                else plan_pdf(plan, generated=today)
            )
            name = plan_filename(plan, chosen)
        elif snapshot is not None:
            client = client_named(session, person, snapshot)
            data = snapshot_pdf(session, person, client.id, today)
            name = snapshot_filename(client.name, today)
        else:
            assert territory is not None  # _one_of made sure
            year = fiscal_year or today.year
            data = territory_pdf(session, person, territory, year, today)
            name = territory_filename(territory, year)
    _write(data if isinstance(data, bytes) else data.encode(), output or Path(name))


def _one_of(plan_id: uuid.UUID | None, snapshot: str | None, territory: str | None) -> str:
    given = [
        k
        for k, v in (("plan", plan_id), ("snapshot", snapshot), ("territory", territory))
        if v is not None
    ]
    if len(given) != 1:
        raise ValidationError(
            "export one thing: a PLAN_ID, --snapshot CLIENT or --territory TERRITORY"
        )
    return given[0]


def _format(value: str, kind: str) -> Format:
    if value not in ("pdf", "md"):
        raise ValidationError(f"--format is pdf or md, not {value!r}")
    if value == "md" and kind != "plan":
        raise ValidationError("only plans export as Markdown; the others are PDF")
    return "md" if value == "md" else "pdf"


def _write(data: bytes, target: Path) -> None:
    if str(target) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        target.write_bytes(data)
    except OSError as error:
        raise ValidationError(f"cannot write {target}: {error.strerror or error}") from None
    # On stderr, so that stdout stays clean for scripts.
    errors.print(f"wrote {target} ({len(data) / 1024:.0f} KB)", highlight=False)
