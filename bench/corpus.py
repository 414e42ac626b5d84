"""Pieces the transcript benchmarks share: the corpus, clients, figures."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.bootstrap import Database
from core.database import transaction
from core.settings import get_settings
from ingest.transcripts.embedding import Vectors
from ingest.transcripts.formats import transcript_files_in
from planning import directory

DEMO_TRANSCRIPTS = Path(__file__).resolve().parents[1] / "ingest" / "demo_transcripts"

FILLER = (
    "we", "need", "to", "look", "at", "the", "next", "quarter", "and", "our", "team", "will",
    "follow", "up", "on", "this", "with", "your", "people", "so", "that", "it", "works", "for",
    "everyone", "I", "think", "plan", "is", "good", "but", "timing", "matters", "a", "lot",
    "they", "said", "budget", "review", "meeting", "this", "week", "update", "status", "risk",
)  # fmt: skip
"""Words every synthetic chunk is padded with, like the small talk of a real meeting."""


def transcript_folder() -> Path:
    """The public transcripts (``CHASEN_SHARED_DATA``), else the demo ones."""
    folder = get_settings().shared_transcripts
    return folder if folder.is_dir() and transcript_files_in(folder) else DEMO_TRANSCRIPTS


def transcript_files(folder: Path | None = None) -> list[Path]:
    """Every transcript file under ``folder`` (default :func:`transcript_folder`), sorted."""
    return transcript_files_in(folder or transcript_folder())


def add_clients(db: Database, names: Sequence[str]) -> None:
    """One client row per name, through the directory service, in one transaction."""
    with transaction(db.sessions) as session:
        for name in names:
            directory.add_client(session, {"name": name, "territory": "VIC", "region": "APAC"})


def unit_vectors(rng: np.random.Generator, rows: int, dim: int) -> Vectors:
    """``rows`` random unit-length float32 vectors."""
    return normalised(rng.standard_normal((rows, dim), dtype=np.float32))


def normalised(vectors: Vectors) -> Vectors:
    """Each row scaled to unit length."""
    scaled: Vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return scaled.astype(np.float32, copy=False)


def chunk_text(rng: np.random.Generator, speaker: str, topic: Sequence[str], words: int) -> str:
    """A ``Speaker: ...`` line of ``words`` words, about a quarter of them ``topic`` words."""
    vocabulary = (*FILLER, *topic, *topic, *topic, *topic)
    picks = rng.integers(0, len(vocabulary), size=words)
    return f"{speaker}: " + " ".join(vocabulary[i] for i in picks)


def p95_ms(seconds: Sequence[float]) -> float:
    """The 95th percentile of durations in seconds, in milliseconds."""
    return float(np.percentile(np.asarray(seconds), 95) * 1000.0)
