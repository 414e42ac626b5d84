"""Hybrid transcript search: per client exact, across the portfolio by HNSW, with filters."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.errors import ValidationError
from ingest.transcripts.embedding import LocalEmbedder
from ingest.transcripts.formats import read_transcript
from ingest.transcripts.search import SearchFilters, fuse, search
from ingest.transcripts.service import TranscriptIngestor
from tests.factories import make_client

DEMO = Path(__file__).resolve().parents[1] / "ingest" / "demo_transcripts"
FILES = {
    "Eastern Health": "eastern-health_2026-09-22.srt",
    "Western Health": "western-health_2026-10-30.json",
    "Barwon Health": "barwon-health_2026-10-14.vtt",
}


@pytest.fixture
def clients(session: Session, ingestor: TranscriptIngestor) -> dict[str, uuid.UUID]:
    ids = {}
    for name, file in FILES.items():
        ids[name] = make_client(session, name).id
        ingestor.ingest(session, read_transcript(DEMO / file), client=name, source_name=file)
    return ids


def test_per_client_search_finds_the_passage_and_says_where_it_was_said(
    session: Session, local_embedder: LocalEmbedder, clients: dict[str, uuid.UUID]
) -> None:
    hits = search(
        session,
        local_embedder,
        "pathology results delayed by the interface",
        SearchFilters(client_id=clients["Eastern Health"]),
        limit=3,
    )
    assert hits and {h.client for h in hits} == {"Eastern Health"}
    top = hits[0]
    assert "pathology" in top.text.lower()
    assert top.held_on == date(2026, 9, 22)
    assert top.meeting_title == "eastern-health_2026-09-22"
    assert top.start is not None and top.end is not None and top.start <= top.end
    assert top.speakers and top.matched_by in {"vector", "text", "both"}


def test_meaning_matches_without_shared_words(
    session: Session, local_embedder: LocalEmbedder, clients: dict[str, uuid.UUID]
) -> None:
    hits = search(session, local_embedder, "they might switch to a competitor", limit=3)
    assert any("alternatives" in h.text.lower() or "market scan" in h.text.lower() for h in hits)


def test_cross_portfolio_search_spans_clients(
    session: Session, local_embedder: LocalEmbedder, clients: dict[str, uuid.UUID]
) -> None:
    hits = search(session, local_embedder, "renewal budget and contract", limit=10)
    assert len({h.client for h in hits}) >= 2


def test_filters_by_date_range_and_speaker(
    session: Session, local_embedder: LocalEmbedder, clients: dict[str, uuid.UUID]
) -> None:
    query = "renewal"
    october = search(
        session, local_embedder, query, SearchFilters(since=date(2026, 10, 1)), limit=20
    )
    assert october and all(h.held_on and h.held_on >= date(2026, 10, 1) for h in october)
    nothing = search(session, local_embedder, query, SearchFilters(until=date(2026, 1, 1)))
    assert nothing == []
    helen = search(session, local_embedder, query, SearchFilters(speaker="helen marsh"), limit=20)
    assert helen and all("Helen Marsh" in h.speakers for h in helen)


def test_bad_queries_are_refused(session: Session, local_embedder: LocalEmbedder) -> None:
    with pytest.raises(ValidationError, match="the search query is empty"):
        search(session, local_embedder, "   ")
    with pytest.raises(ValidationError, match="limit must be between 1 and 100"):
        search(session, local_embedder, "renewal", limit=0)


def test_an_empty_store_returns_no_hits(session: Session, local_embedder: LocalEmbedder) -> None:
    assert search(session, local_embedder, "renewal") == []


def test_rank_fusion_rewards_agreement() -> None:
    scores = fuse([1, 2, 3], [3, 4])
    assert max(scores, key=scores.__getitem__) == 3
    assert scores[1] > scores[2] == scores[4]  # same rank in one list each
