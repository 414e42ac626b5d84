"""SQL of transcript search: nearest chunks by vector, matching chunks by words, and hit rows.

Within one client the vector query is exact (a sequential scan over that client's few chunks):
pgvector 0.6's HNSW index, filtered afterwards by client, returns too few rows. Across the
portfolio it uses the partial HNSW index of the embedder's dimension.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models.meetings import HNSW_DIMS
from ingest.transcripts.embedding import Vectors
from ingest.transcripts.repository import driver_connection

EF_SEARCH = 200
"""HNSW candidate list size for cross-portfolio search (pgvector's default, 40, loses recall)."""


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing a search: one client, a date range, a speaker (any case)."""

    client_id: uuid.UUID | None = None
    since: date | None = None
    until: date | None = None
    speaker: str | None = None


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


def nearest_ids(
    session: Session, vector: Vectors, model: str, dim: int, filters: SearchFilters, limit: int
) -> list[int]:
    """Ids of the chunks of ``model`` nearest to ``vector`` (cosine), nearest first."""
    params: dict[str, Any] = {"model": model, "limit": limit}
    where = _where(filters, params)
    driver_connection(session)  # loads the vector type so the array binds as a vector
    params["q"] = vector
    if filters.client_id is None and dim in HNSW_DIMS:
        # The expression and predicate must match the partial index for the planner to use it.
        session.execute(text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}"))
        distance = f"c.embedding::vector({dim}) <=> CAST(:q AS vector({dim}))"
        where += f" AND c.embedding_dim = {dim}"
    else:
        distance = "c.embedding <=> CAST(:q AS vector)"
    sql = f"SELECT c.id FROM transcript_chunks c WHERE {where} ORDER BY {distance} LIMIT :limit"
    return list(session.scalars(text(sql), params))


def matching_ids(
    session: Session, query: str, model: str, filters: SearchFilters, limit: int
) -> list[int]:
    """Ids of the chunks matching the query's words, best ``ts_rank_cd`` first."""
    params: dict[str, Any] = {"model": model, "limit": limit, "query": query}
    where = _where(filters, params)
    sql = (
        "SELECT c.id FROM transcript_chunks c, websearch_to_tsquery('english', :query) q "
        f"WHERE {where} AND c.tsv @@ q ORDER BY ts_rank_cd(c.tsv, q) DESC, c.id LIMIT :limit"
    )
    return list(session.scalars(text(sql), params))


def hit_rows(session: Session, ids: list[int]) -> dict[int, Any]:
    """Chunk, meeting and client fields of these chunks, by chunk id."""
    rows = session.execute(
        text(
            "SELECT c.id, c.meeting_id, m.title, c.held_on, cl.name, c.speakers, c.start_s, "
            "c.end_s, c.text FROM transcript_chunks c JOIN meetings m ON m.id = c.meeting_id "
            "JOIN clients cl ON cl.id = c.client_id WHERE c.id = ANY(:ids)"
        ),
        {"ids": ids},
    )
    return {row.id: row for row in rows}
