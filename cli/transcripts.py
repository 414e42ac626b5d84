"""``chasen ingest``, ``stakeholders`` and ``search``: meetings and who was in them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from cli.options import JsonFlag, parse_date
from cli.output import console, errors, print_json, print_table
from cli.session import database, unit_of_work
from core.errors import ChaSenError, ValidationError
from core.settings import get_settings
from ingest.stakeholders.service import list_stakeholders, stakeholder_changes
from ingest.transcripts.formats import SUFFIXES, read_transcript, transcript_files_in
from ingest.transcripts.search import SearchFilters, search
from ingest.transcripts.service import IngestReport, ingest_one, make_ingestor, reembed
from planning import directory

ingest_app = typer.Typer(help="Getting meeting transcripts in.", no_args_is_help=True)

ClientOption = Annotated[str, typer.Option("--client", help="Client name or id.")]


def transcript_files(paths: list[Path]) -> list[Path]:
    """The files named, and the transcript files inside the folders named, in order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(transcript_files_in(path))
        elif path.is_file():
            files.append(path)
        else:
            raise ValidationError(f"no such file or folder: {path}")
    if not files:
        raise ValidationError(f"no transcript files found (looked for {', '.join(SUFFIXES)})")
    return files


@ingest_app.command("transcript")
def ingest_transcript(
    paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders.")],
    client: Annotated[
        str | None, typer.Option("--client", help="Client name or id (else the file's own).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Meeting title (else the file's).")] = None,
    held_on: Annotated[str | None, typer.Option("--date", help="Meeting date, YYYY-MM-DD.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Ingest transcripts: one meeting per file, each in its own transaction."""
    meeting_date = parse_date(held_on, "--date")
    files = transcript_files(paths)
    settings = get_settings()
    ingestor = make_ingestor(settings)
    reports: list[IngestReport] = []
    failures: list[tuple[Path, ChaSenError]] = []
    with database() as db, Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[chunks]} chunks"),
        console=errors, transient=True,
    ) as progress:  # fmt: skip
        for path in files:
            task = progress.add_task(path.name, total=None, chunks=0)
            try:
                parsed = read_transcript(path, max_bytes=settings.transcripts.max_bytes)
                report = ingest_one(
                    db.sessions, ingestor, parsed, client=client, title=title,
                    held_on=meeting_date, source_name=path.name,
                    progress=partial(_advance, progress, task),
                )  # fmt: skip
                reports.append(report)
            except ChaSenError as error:
                failures.append((path, error))
            progress.remove_task(task)
    _print_reports(reports, failures, as_json)
    if failures:
        raise failures[0][1]


def _advance(progress: Progress, task: TaskID, chunks: int) -> None:
    progress.update(task, chunks=chunks)


def _print_reports(
    reports: list[IngestReport], failures: list[tuple[Path, ChaSenError]], as_json: bool
) -> None:
    if as_json:
        print_json(
            {
                "ingested": [asdict(r) for r in reports],
                "failed": [{"file": str(p), "error": e.message} for p, e in failures],
            }
        )
        return
    print_table(
        "Transcripts",
        ["meeting", "client", "date", "status", "utterances", "chunks", "new stakeholders"],
        [
            [r.title, r.client, r.held_on, r.status, r.utterances, r.chunks,
             ", ".join(r.stakeholders.new) or None]
            for r in reports
        ],
    )  # fmt: skip
    for report in reports:
        for warning in report.warnings:
            errors.print(f"[yellow]warning[/yellow] {report.title}: {warning}", highlight=False)
        for change in report.stakeholders.title_changes:
            console.print(f"{change.name}: title {change.before!r} -> {change.after!r}")
    for path, error in failures:
        errors.print(f"[red]failed[/red] {path}: {error.message}", highlight=False)


@ingest_app.command("reembed")
def reembed_command() -> None:
    """Re-embed stored chunks with the configured embedder (after a change of model)."""
    ingestor = make_ingestor(get_settings())
    with unit_of_work() as session:
        changed = reembed(session, ingestor.embedder)
    console.print(f"re-embedded {changed} chunks with {ingestor.embedder.name}")


def stakeholders_command(
    client: ClientOption,
    changes: Annotated[
        bool, typer.Option("--changes", help="Show what changed instead: new, titles, quiet.")
    ] = False,
    include_dismissed: Annotated[bool, typer.Option("--all", help="Include dismissed.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Stakeholders detected in a client's meetings, with the evidence for each claim."""
    with unit_of_work() as session:
        owner = directory.find_client(session, client)
        if changes:
            found = stakeholder_changes(session, owner.id, date.today())
            if as_json:
                print_json([asdict(c) for c in found])
            else:
                print_table(
                    f"Stakeholder changes at {owner.name}",
                    ["when", "what", "who", "detail"],
                    [[c.on, c.kind, c.name, c.detail] for c in found],
                )
            return
        views = list_stakeholders(session, owner.id, include_dismissed=include_dismissed)
    if as_json:
        print_json([v.as_json() for v in views])
        return
    print_table(
        f"Stakeholders at {owner.name} (suggestions until accepted)",
        ["name", "title", "side", "MEDDPICC role", "conf.", "meetings", "last seen", "evidence"],
        [
            [v.name, v.title, v.side, v.meddpicc_role, f"{v.confidence:.2f}", v.meetings,
             v.last_seen, v.evidence[0].quote[:60] if v.evidence else None]
            for v in views
        ],
    )  # fmt: skip


def search_command(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    client: Annotated[str | None, typer.Option("--client", help="Client name or id.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date, YYYY-MM-DD.")] = None,
    speaker: Annotated[
        str | None, typer.Option(help="Only chunks where this person spoke.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Search meeting transcripts (meaning and words together)."""
    ingestor = make_ingestor(get_settings())
    with unit_of_work() as session:
        client_id = directory.find_client(session, client).id if client else None
        filters = SearchFilters(
            client_id, parse_date(since, "--since"), parse_date(until, "--until"), speaker
        )
        hits = search(session, ingestor.embedder, query, filters, limit)
    if as_json:
        print_json([h.as_json() for h in hits])
        return
    if not hits:
        console.print("No matching transcript passages.")
    for hit in hits:
        when = f"{hit.held_on} " if hit.held_on else ""
        span = f" at {_clock(hit.start)}" if hit.start is not None else ""
        console.print(
            f"[bold]{hit.client}[/bold] · {when}{hit.meeting_title}{span} "
            f"[dim]({', '.join(hit.speakers)}; {hit.matched_by})[/dim]",
            highlight=False,
        )
        console.print(hit.text, highlight=False, markup=False)
        console.print()


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
