"""Hybrid search over transcript chunks: vector similarity and full text, fused by rank.

The vector part is exact within one client and uses HNSW across the portfolio (see
:mod:`ingest.transcripts.search_repository`). The two rankings are fused with reciprocal-rank
fusion, which needs no score calibration.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from core.errors import ConflictError, ValidationError
from ingest.transcripts import repository as repo
from ingest.transcripts import search_repository as search_repo
from ingest.transcripts.embedding import Embedder
from ingest.transcripts.search_repository import SearchFilters

RRF_K = 60
"""Reciprocal-rank fusion constant: the usual 60 keeps one list's top hit from dominating."""

__all__ = ["SearchFilters", "SearchHit", "fuse", "search", "vector_ids"]


@dataclass(frozen=True)
class SearchHit:
    """One chunk that matched, with where it was said."""

    chunk_id: int
    meeting_id: uuid.UUID
    meeting_title: str
    held_on: date | None
    client: str
    speakers: tuple[str, ...]
    start: float | None
    end: float | None
    text: str
    score: float
    matched_by: Literal["vector", "text", "both"]

    def as_json(self) -> dict[str, object]:
        """A plain dict for JSON output and tools."""
        return {
            "meeting": self.meeting_title,
            "meeting_id": str(self.meeting_id),
            "date": self.held_on.isoformat() if self.held_on else None,
            "client": self.client,
            "speakers": list(self.speakers),
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 4),
            "matched_by": self.matched_by,
        }


def vector_ids(
    session: Session, embedder: Embedder, query: str, filters: SearchFilters, limit: int
) -> list[int]:
    """Chunk ids nearest to the query in meaning, nearest first."""
    vector = embedder.embed_query(query)
    return search_repo.nearest_ids(session, vector, embedder.name, embedder.dim, filters, limit)


def fuse(*rankings: list[int]) -> dict[int, float]:
    """Reciprocal-rank fusion: each list adds 1 / (k + rank) to each id it holds."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    return scores


def search(
    session: Session,
    embedder: Embedder,
    query: str,
    filters: SearchFilters | None = None,
    limit: int = 10,
) -> list[SearchHit]:
    """The ``limit`` best chunks for ``query`` under ``filters``, best first."""
    query = query.strip()
    if not query:
        raise ValidationError("the search query is empty")
    if not 1 <= limit <= 100:
        raise ValidationError(f"limit must be between 1 and 100, not {limit}")
    filters = filters or SearchFilters()
    _check_model(session, embedder, filters.client_id)
    pool = max(limit * 4, 40)
    by_vector = vector_ids(session, embedder, query, filters, pool)
    by_text = search_repo.matching_ids(session, query, embedder.name, filters, pool)
    scores = fuse(by_vector, by_text)
    best = sorted(scores, key=lambda cid: (-scores[cid], cid))[:limit]
    return _hits(session, best, scores, set(by_vector), set(by_text))


def _check_model(session: Session, embedder: Embedder, client_id: uuid.UUID | None) -> None:
    models = repo.embedding_models(session, client_id)
    if models and embedder.name not in models:
        listed = ", ".join(models)
        raise ConflictError(
            f"these transcripts were embedded with {listed}, not the configured "
            f"{embedder.name}; run `chasen ingest reembed` to search them",
            models=models,
        )


def _hits(
    session: Session, ids: list[int], scores: dict[int, float], vec: set[int], txt: set[int]
) -> list[SearchHit]:
    if not ids:
        return []
    by_id = search_repo.hit_rows(session, ids)
    hits = []
    for cid in ids:
        row = by_id[cid]
        matched: Literal["vector", "text", "both"] = (
            "both" if cid in vec and cid in txt else "vector" if cid in vec else "text"
        )
        hits.append(
            SearchHit(
                chunk_id=cid, meeting_id=row.meeting_id, meeting_title=row.title,
                held_on=row.held_on, client=row.name, speakers=tuple(row.speakers),
                start=row.start_s, end=row.end_s, text=row.text, score=scores[cid],
                matched_by=matched,
            )
        )  # fmt: skip
    return hits
