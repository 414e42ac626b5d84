"""Transcript ingest throughput: the whole pipeline versus the local embedder alone.

Ours reads and parses each real transcript file, then ``TranscriptIngestor.ingest`` chunks it,
embeds the chunks (all-MiniLM-L6-v2 on the CPU), COPYs chunks and utterances, detects
stakeholders and commits: one transaction per meeting, into a fresh embedded database. The peer
is ``LocalEmbedder.embed`` alone on exactly the same chunk texts, in the same batches of the
same size, so the ratio is what storing and everything else costs on top of the model. The two
take turns, a share of the files per round, the first mover swapping every round, after both
are warmed up. The target: at most 10% overhead (ratio >= 0.90).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import corpus
from bench.result import Result
from core.bootstrap import Database, scratch_database
from core.database import transaction
from core.settings import EmbeddingSettings, TranscriptSettings
from ingest.transcripts.chunking import Chunker
from ingest.transcripts.embedding import LocalEmbedder
from ingest.transcripts.formats import read_transcript
from ingest.transcripts.service import TranscriptIngestor

NAME = "transcript_ingest"


@dataclass(frozen=True)
class _Meeting:
    """One transcript file, its client, and the chunk texts the peer embeds."""

    path: Path
    client: str
    texts: tuple[str, ...]


def _chunker() -> Chunker:
    """Chunking with ChaSen's default settings (as ``make_ingestor`` builds it)."""
    settings = TranscriptSettings()
    return Chunker(settings.chunk_tokens, settings.chunk_overlap, settings.encoding)


def _meetings(files: Sequence[Path], chunker: Chunker) -> list[_Meeting]:
    """The files with a client name each and their chunk texts, computed up front."""
    return [
        _Meeting(
            path=path,
            client=f"Bench client {i:03d}",
            texts=tuple(c.text for c in chunker.chunks(read_transcript(path).utterances)),
        )
        for i, path in enumerate(files)
    ]


def _ingest(db: Database, ingestor: TranscriptIngestor, meetings: Sequence[_Meeting]) -> float:
    """Seconds to read and ingest ``meetings``, one transaction per meeting."""
    began = time.perf_counter()
    for meeting in meetings:
        transcript = read_transcript(meeting.path)
        with transaction(db.sessions) as session:
            report = ingestor.ingest(
                session, transcript, client=meeting.client, source_name=meeting.path.name
            )
        if report.chunks != len(meeting.texts):  # both sides must do the same work
            raise RuntimeError(
                f"{meeting.path.name}: ingested {report.chunks} chunks, expected "
                f"{len(meeting.texts)}"
            )
    return time.perf_counter() - began


def _embed(embedder: LocalEmbedder, meetings: Sequence[_Meeting], batch_size: int) -> float:
    """Seconds to embed the same chunk texts in the same batches as the ingestor."""
    began = time.perf_counter()
    for meeting in meetings:
        for start in range(0, len(meeting.texts), batch_size):
            embedder.embed(meeting.texts[start : start + batch_size])
    return time.perf_counter() - began


def _warm_up(db: Database, ingestor: TranscriptIngestor, embedder: LocalEmbedder) -> None:
    """Load the model and touch every code path once, on a demo transcript of its own."""
    demo = corpus.transcript_files(corpus.DEMO_TRANSCRIPTS)[0]
    warm = _meetings([demo], ingestor.chunker)[0]
    warm = _Meeting(warm.path, "Bench warm-up client", warm.texts)
    corpus.add_clients(db, [warm.client])
    _ingest(db, ingestor, [warm])
    _embed(embedder, [warm], ingestor.batch_size)


def run(quick: bool = False) -> Result:
    """Chunks per second through the ingest pipeline and through the embedder alone."""
    files = corpus.transcript_files()
    rounds = 2 if quick else 4
    if quick:
        files = files[::4]
    batch_size = EmbeddingSettings().batch_size
    chunker = _chunker()
    meetings = _meetings(files, chunker)
    embedder = LocalEmbedder(batch_size=batch_size)
    ingestor = TranscriptIngestor(embedder, chunker, batch_size=batch_size)
    ours = peer = 0.0
    with scratch_database() as db:
        corpus.add_clients(db, [m.client for m in meetings])
        _warm_up(db, ingestor, embedder)
        for r in range(rounds):
            share = meetings[r::rounds]
            if r % 2 == 0:
                ours += _ingest(db, ingestor, share)
                peer += _embed(embedder, share, batch_size)
            else:
                peer += _embed(embedder, share, batch_size)
                ours += _ingest(db, ingestor, share)
    chunks = sum(len(m.texts) for m in meetings)
    return Result(
        bench=NAME,
        ours=chunks / ours,
        peer=chunks / peer,
        unit="chunks/s",
        target=0.90,
        note=(
            f"{chunks} chunks from {len(meetings)} transcripts in {corpus.transcript_folder()}, "
            f"batches of {batch_size}; ours = read + ingest + commit, peer = embed only"
        ),
    )
