"""The demo's meeting transcripts: our own invented meetings with seed clients.

The files carry dates around the demo's anchor (2026-11-20); they are moved by the same number
of days as the demo's ``today`` so that "last seen 90 days ago" means the same whenever the
demo runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ingest.transcripts.formats import SUFFIXES, parse_transcript
from ingest.transcripts.service import IngestReport, TranscriptIngestor, date_in_name, ingest_one

ANCHOR = date(2026, 11, 20)
"""The day the demo transcripts were written for."""

# File slug -> seed client name.
CLIENTS = {
    "barwon-health": "Barwon Health",
    "eastern-health": "Eastern Health",
    "western-health": "Western Health",
    "wa-health": "WA Health",
    "monash-health": "Monash Health",
    "central-adelaide-local-health-network": "Central Adelaide Local Health Network",
}


@dataclass(frozen=True)
class DemoTranscript:
    """One demo file with its client and (shifted) meeting date."""

    name: str
    client: str
    held_on: date
    data: bytes


def demo_transcripts(today: date | None = None) -> Iterator[DemoTranscript]:
    """The demo files in date order, dated relative to ``today``."""
    shift = timedelta(days=((today or ANCHOR) - ANCHOR).days)
    folder = resources.files("ingest") / "demo_transcripts"
    files = [Path(f.name) for f in folder.iterdir() if f.name.endswith(SUFFIXES)]
    for path in sorted(files, key=lambda p: date_in_name(p.name) or ANCHOR):
        slug = path.name.rsplit("_", 1)[0]
        held_on = (date_in_name(path.name) or ANCHOR) + shift
        yield DemoTranscript(path.name, CLIENTS[slug], held_on, (folder / path.name).read_bytes())


def ingest_demo_meetings(
    sessions: sessionmaker[Session], ingestor: TranscriptIngestor, today: date | None = None
) -> list[IngestReport]:
    """Ingest every demo transcript, one transaction each (a second run adds nothing)."""
    reports = []
    for demo in demo_transcripts(today):
        parsed = parse_transcript(demo.data, filename=demo.name)
        report = ingest_one(
            sessions,
            ingestor,
            parsed,
            client=demo.client,
            held_on=demo.held_on,
            source_name=demo.name,
        )
        reports.append(report)
    return reports
