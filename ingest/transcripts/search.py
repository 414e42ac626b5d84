"""Hybrid search over transcript chunks: vector similarity and full text, fused by rank.

Within one client the vector part is exact (a sequential scan over that client's few chunks):
pgvector 0.6's HNSW index, filtered afterwards by client, returns too few rows. Across the
portfolio the vector part uses the partial HNSW index of the embedder's dimension. The two
rankings are fused with reciprocal-rank fusion, which needs no score calibration.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.errors import ConflictError, ValidationError
from core.models.meetings import HNSW_DIMS
from ingest.transcripts import repository as repo
from ingest.transcripts.embedding import Embedder

RRF_K = 60
"""Reciprocal-rank fusion constant: the usual 60 keeps one list's top hit from dominating."""
EF_SEARCH = 200
"""HNSW candidate list size for cross-portfolio search (pgvector's default, 40, loses recall)."""


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing a search: one client, a date range, a speaker (any case)."""

    client_id: uuid.UUID | None = None
    since: date | None = None
    until: date | None = None
    speaker: str | None = None


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


def _where(filters: SearchFilters, params: dict[str, Any]) -> str:
    clauses = ["c.embedding_model = :model"]
    if filters.client_id is not None:
        clauses.append("c.client_id = :client_id")
        params["client_id"] = filters.client_id
    if filters.since is not None:
        clauses.append("c.held_on >= :since")
        params["since"] = filters.since
    if filters.until is not None:
        clauses.append("c.held_on <= :until")
        params["until"] = filters.until
    if filters.speaker:
        clauses.append(
            "EXISTS (SELECT 1 FROM unnest(c.speakers) s WHERE lower(s) = lower(:speaker))"
        )
        params["speaker"] = filters.speaker.strip()
    return " AND ".join(clauses)


def vector_ids(
    session: Session, embedder: Embedder, query: str, filters: SearchFilters, limit: int
) -> list[int]:
    """Chunk ids nearest to the query: exact within a client, HNSW across the portfolio."""
    vector = embedder.embed_query(query)
    params: dict[str, Any] = {"model": embedder.name, "limit": limit, "dim": embedder.dim}
    where = _where(filters, params)
    repo.driver_connection(session)  # loads the vector type so the array binds as a vector
    params["q"] = vector
    if filters.client_id is None and embedder.dim in HNSW_DIMS:
        # The expression and predicate must match the partial index for the planner to use it.
        session.execute(text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}"))
        distance = f"c.embedding::vector({embedder.dim}) <=> CAST(:q AS vector({embedder.dim}))"
        where += f" AND c.embedding_dim = {embedder.dim}"
    else:
        distance = "c.embedding <=> CAST(:q AS vector)"
    sql = f"SELECT c.id FROM transcript_chunks c WHERE {where} ORDER BY {distance} LIMIT :limit"
    return list(session.scalars(text(sql), params))


def text_ids(
    session: Session, query: str, model: str, filters: SearchFilters, limit: int
) -> list[int]:
    """Chunk ids matching the query's words, best ``ts_rank_cd`` first."""
    params: dict[str, Any] = {"model": model, "limit": limit, "query": query}
    where = _where(filters, params)
    sql = (
        "SELECT c.id FROM transcript_chunks c, websearch_to_tsquery('english', :query) q "
        f"WHERE {where} AND c.tsv @@ q ORDER BY ts_rank_cd(c.tsv, q) DESC, c.id LIMIT :limit"
    )
    return list(session.scalars(text(sql), params))


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
    by_text = text_ids(session, query, embedder.name, filters, pool)
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
    rows = session.execute(
        text(
            "SELECT c.id, c.meeting_id, m.title, c.held_on, cl.name, c.speakers, c.start_s, "
            "c.end_s, c.text FROM transcript_chunks c JOIN meetings m ON m.id = c.meeting_id "
            "JOIN clients cl ON cl.id = c.client_id WHERE c.id = ANY(:ids)"
        ),
        {"ids": ids},
    ).all()
    by_id = {row[0]: row for row in rows}
    hits = []
    for cid in ids:
        row = by_id[cid]
        matched: Literal["vector", "text", "both"] = (
            "both" if cid in vec and cid in txt else "vector" if cid in vec else "text"
        )
        hits.append(
            SearchHit(
                chunk_id=cid, meeting_id=row[1], meeting_title=row[2], held_on=row[3],
                client=row[4], speakers=tuple(row[5]), start=row[6], end=row[7], text=row[8],
                score=scores[cid], matched_by=matched,
            )
        )  # fmt: skip
    return hits
