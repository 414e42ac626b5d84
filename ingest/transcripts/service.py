"""Ingesting one transcript as one meeting: chunks, embeddings, stakeholders, in one transaction.

The caller owns the transaction (one per meeting): if anything fails, nothing of the meeting is
left behind; :func:`ingest_one` is that caller for the CLI and the upload jobs alike. Chunks are
embedded and stored in batches, so memory stays bounded by the batch size rather than the
transcript's length.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from core.errors import ConflictError, ValidationError
from core.models import Client, Meeting
from core.settings import Settings
from ingest.stakeholders.service import StakeholderUpdate, record_stakeholders
from ingest.transcripts import repository as repo
from ingest.transcripts.chunking import Chunk, Chunker
from ingest.transcripts.embedding import Embedder, make_embedder
from ingest.transcripts.model import ParsedTranscript, Utterance
from planning import directory

Progress = Callable[[int], None]
"""Called with the number of chunks stored so far."""

AfterIngest = Callable[[Session, "IngestReport"], None]
"""Called in the meeting's transaction once it is stored, to commit more work with it."""


@dataclass(frozen=True)
class IngestReport:
    """What happened to one transcript."""

    status: Literal["ingested", "unchanged"]
    meeting_id: str
    client: str
    title: str
    held_on: date | None
    utterances: int
    chunks: int
    tokens: int
    warnings: tuple[str, ...] = ()
    stakeholders: StakeholderUpdate = field(default_factory=StakeholderUpdate)


def content_hash(utterances: Iterable[Utterance]) -> str:
    """A hash of what was said and by whom, so re-exports of one meeting are recognised."""
    digest = hashlib.sha256()
    for u in utterances:
        digest.update(f"{u.speaker}\x1f{u.text}\x1e".encode())
    return digest.hexdigest()


class TranscriptIngestor:
    """Turns parsed transcripts into stored meetings with embedded, searchable chunks."""

    def __init__(self, embedder: Embedder, chunker: Chunker, batch_size: int = 64) -> None:
        self.embedder = embedder
        self.chunker = chunker
        self.batch_size = batch_size

    def ingest(
        self,
        session: Session,
        transcript: ParsedTranscript,
        *,
        client: str | None = None,
        title: str | None = None,
        held_on: date | None = None,
        source_name: str | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Store ``transcript`` as a meeting of ``client`` (a name or id; else the file's own)."""
        owner = _resolve_client(session, client or transcript.meta.client)
        self._check_model(session)
        utterances = transcript.utterances
        digest = content_hash(utterances)
        title = title or transcript.meta.title or _default_title(source_name, held_on)
        held_on = held_on or transcript.meta.held_on or date_in_name(source_name)
        existing = repo.find_meeting(session, owner.id, digest)
        if existing is not None:
            return IngestReport(
                status="unchanged", meeting_id=str(existing.id), client=owner.name,
                title=existing.title, held_on=existing.held_on,
                utterances=existing.utterance_count, chunks=0, tokens=0,
            )  # fmt: skip
        meeting = Meeting(
            client_id=owner.id,
            title=title,
            held_on=held_on,
            source_name=source_name,
            source_format=transcript.format,
            content_hash=digest,
            attendees=list(transcript.meta.attendees),
            utterance_count=len(utterances),
            word_count=sum(len(u.text.split()) for u in utterances),
            duration_s=_duration(utterances),
            warnings=list(transcript.warnings),
        )
        session.add(meeting)
        session.flush()
        repo.add_utterances(session, meeting.id, utterances)
        target = repo.ChunkTarget(
            meeting.id, owner.id, held_on, self.embedder.name, self.embedder.dim
        )
        chunks = tokens = 0
        for batch in _batched(self.chunker.chunks(utterances), self.batch_size):
            vectors = self.embedder.embed([c.text for c in batch])
            repo.add_chunks(session, target, batch, vectors)
            chunks += len(batch)
            tokens += sum(c.token_count for c in batch)
            if progress is not None:
                progress(chunks)
        update = record_stakeholders(session, owner, meeting, utterances)
        return IngestReport(
            status="ingested", meeting_id=str(meeting.id), client=owner.name, title=title,
            held_on=held_on, utterances=len(utterances), chunks=chunks, tokens=tokens,
            warnings=transcript.warnings, stakeholders=update,
        )  # fmt: skip

    def _check_model(self, session: Session) -> None:
        """Refuse to mix vectors of two models in one store."""
        others = {
            m: n for m, n in repo.embedding_models(session).items() if m != self.embedder.name
        }
        if others:
            listed = ", ".join(f"{n} chunks of {m}" for m, n in others.items())
            raise ConflictError(
                f"the store holds {listed}, but the configured embedder is "
                f"{self.embedder.name}; run `chasen ingest reembed` first",
                models=others,
            )


def ingest_one(
    sessions: sessionmaker[Session],
    ingestor: TranscriptIngestor,
    transcript: ParsedTranscript,
    *,
    client: str | None = None,
    title: str | None = None,
    held_on: date | None = None,
    source_name: str | None = None,
    progress: Progress | None = None,
    then: AfterIngest | None = None,
) -> IngestReport:
    """Ingest one transcript as one meeting in a transaction of its own, committed here.

    The one place that owns "one transaction per file": a meeting is stored whole or not at
    all, and one bad file never undoes another. ``then`` runs inside that transaction after
    the meeting is stored, so whatever it records commits (or rolls back) with the meeting.
    """
    with transaction(sessions) as session:
        report = ingestor.ingest(
            session, transcript, client=client, title=title, held_on=held_on,
            source_name=source_name, progress=progress,
        )  # fmt: skip
        if then is not None:
            then(session, report)
    return report


def reembed(session: Session, embedder: Embedder, batch_size: int = 64) -> int:
    """Re-embed every chunk stored with another model; returns how many were changed."""
    changed = 0
    while batch := repo.chunks_of_other_models(session, embedder.name, batch_size):
        vectors = embedder.embed([chunk_text for _, chunk_text in batch])
        ids = [chunk_id for chunk_id, _ in batch]
        repo.set_embeddings(session, ids, vectors, embedder.name, embedder.dim)
        changed += len(batch)
    return changed


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def date_in_name(name: str | None) -> date | None:
    """A meeting date written in a file name, such as ``barwon-health_2026-10-14.vtt``."""
    match = _ISO_DATE.search(name or "")
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def make_ingestor(settings: Settings) -> TranscriptIngestor:
    """The ingestor the settings describe: their embedder and chunk sizes."""
    chunker = Chunker(
        settings.transcripts.chunk_tokens,
        settings.transcripts.chunk_overlap,
        settings.transcripts.encoding,
    )
    embedder = make_embedder(settings.embeddings, settings.openai)
    return TranscriptIngestor(embedder, chunker, batch_size=settings.embeddings.batch_size)


def _resolve_client(session: Session, client: str | None) -> Client:
    if not client:
        raise ValidationError("no client for this transcript: name one with --client")
    return directory.find_client(session, client)


def _default_title(source_name: str | None, held_on: date | None) -> str:
    if source_name:
        return source_name.rsplit(".", 1)[0]
    return f"Meeting on {held_on.isoformat()}" if held_on else "Meeting"


def _duration(utterances: tuple[Utterance, ...]) -> float | None:
    times = [t for u in utterances for t in (u.start, u.end) if t is not None]
    return max(times) - min(times) if times else None


def _batched(chunks: Iterator[Chunk], size: int) -> Iterator[list[Chunk]]:
    while batch := list(itertools.islice(chunks, size)):
        yield batch
