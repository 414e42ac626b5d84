"""Ingesting transcripts into Postgres + pgvector: meetings, chunks, idempotence, failures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from core.errors import ConflictError, NotFoundError, ValidationError
from core.models import Meeting, MeetingUtterance, Stakeholder, StakeholderEvidence, TranscriptChunk
from core.settings import OpenAISettings
from ingest.transcripts.chunking import Chunker
from ingest.transcripts.embedding import LOCAL_MODEL, OpenAIEmbedder
from ingest.transcripts.formats import read_transcript
from ingest.transcripts.search import search
from ingest.transcripts.service import TranscriptIngestor, date_in_name, reembed
from tests.factories import make_client
from tests.openai_stub import running_stub

DEMO = Path(__file__).resolve().parents[1] / "ingest" / "demo_transcripts"
EASTERN = DEMO / "eastern-health_2026-09-22.srt"


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_transcript_becomes_a_meeting_with_embedded_chunks(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    client = make_client(session, "Eastern Health")
    parsed = read_transcript(EASTERN)
    report = ingestor.ingest(session, parsed, client="eastern health", source_name=EASTERN.name)

    assert report.status == "ingested"
    assert report.client == "Eastern Health"
    assert report.held_on == date(2026, 9, 22)  # from the file name
    meeting = session.get(Meeting, report.meeting_id)
    assert meeting is not None and meeting.client_id == client.id
    assert meeting.source_format == "srt"
    assert meeting.utterance_count == len(parsed.utterances) == count(session, MeetingUtterance)
    chunks = session.scalars(select(TranscriptChunk).order_by(TranscriptChunk.seq)).all()
    assert len(chunks) == report.chunks > 1
    assert {(c.embedding_model, c.embedding_dim) for c in chunks} == {(LOCAL_MODEL, 384)}
    assert all(len(c.embedding) == 384 for c in chunks)
    assert chunks[0].start_s == parsed.utterances[0].start
    assert "Helen Marsh" in {s for c in chunks for s in c.speakers}
    assert all(c.held_on == date(2026, 9, 22) and c.client_id == client.id for c in chunks)


def test_re_ingesting_the_same_transcript_changes_nothing(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    make_client(session, "Eastern Health")
    parsed = read_transcript(EASTERN)
    first = ingestor.ingest(session, parsed, client="Eastern Health")
    before = [
        count(session, m) for m in (Meeting, TranscriptChunk, Stakeholder, StakeholderEvidence)
    ]
    second = ingestor.ingest(session, parsed, client="Eastern Health", title="Another title")
    after = [
        count(session, m) for m in (Meeting, TranscriptChunk, Stakeholder, StakeholderEvidence)
    ]
    assert second.status == "unchanged"
    assert second.meeting_id == first.meeting_id
    assert before == after
    assert before[2] > 0


def test_an_unknown_client_is_refused_before_anything_is_written(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    with pytest.raises(NotFoundError, match="No client named 'Nowhere Health'"):
        ingestor.ingest(session, read_transcript(EASTERN), client="Nowhere Health")
    with pytest.raises(ValidationError, match="no client for this transcript"):
        ingestor.ingest(session, read_transcript(EASTERN))
    assert count(session, Meeting) == 0


def test_a_model_failure_mid_meeting_leaves_no_half_written_meeting(
    committed_factory: sessionmaker[Session],
) -> None:
    with transaction(committed_factory) as session:
        make_client(session, "Eastern Health")
    with running_stub() as stub:
        stub.fail_after = 1  # the second embeddings request gets a 500
        settings = OpenAISettings(base_url=stub.base_url, max_retries=0)
        failing = TranscriptIngestor(OpenAIEmbedder(settings), Chunker(size=40, overlap=0), 4)
        with (
            pytest.raises(Exception, match=r"500|Internal server error"),
            transaction(committed_factory) as session,
        ):
            failing.ingest(session, read_transcript(EASTERN), client="Eastern Health")
        assert len(stub.requests) == 2
    with committed_factory() as session:
        assert [count(session, m) for m in (Meeting, MeetingUtterance, TranscriptChunk)] == [
            0,
            0,
            0,
        ]


def test_openai_embeddings_through_a_compatible_server(session: Session) -> None:
    make_client(session, "Eastern Health")
    with running_stub() as stub:
        embedder = OpenAIEmbedder(OpenAISettings(base_url=stub.base_url))
        ingestor = TranscriptIngestor(embedder, Chunker(size=120, overlap=30))
        report = ingestor.ingest(session, read_transcript(EASTERN), client="Eastern Health")
        hits = search(session, embedder, "pathology interface results delayed")
    chunk = session.scalars(select(TranscriptChunk)).first()
    assert chunk is not None and chunk.embedding_model == "text-embedding-3-small"
    assert chunk.embedding_dim == 1536
    sent = [r["body"]["input"] for r in stub.requests if r["path"].endswith("/embeddings")]
    assert sum(len(batch) for batch in sent[:-1]) == report.chunks  # the last one is the query
    assert all(isinstance(text, str) for batch in sent for text in batch)
    assert "pathology" in hits[0].text.lower()


def test_a_change_of_embedding_model_is_detected_then_fixed_by_reembedding(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    make_client(session, "Eastern Health")
    ingestor.ingest(session, read_transcript(EASTERN), client="Eastern Health")
    with running_stub() as stub:
        other = OpenAIEmbedder(OpenAISettings(base_url=stub.base_url))
        with pytest.raises(ConflictError, match=r"embedded with all-MiniLM-L6-v2.*reembed"):
            search(session, other, "renewal pricing")
        western = DEMO / "western-health_2026-10-30.json"
        make_client(session, "Western Health")
        with pytest.raises(ConflictError, match=r"chunks of all-MiniLM-L6-v2.*reembed"):
            TranscriptIngestor(other, Chunker()).ingest(session, read_transcript(western))
        changed = reembed(session, other)
        assert changed == count(session, TranscriptChunk) > 0
        assert search(session, other, "renewal pricing")
    models = set(session.scalars(select(TranscriptChunk.embedding_model)))
    assert models == {"text-embedding-3-small"}


def test_dates_in_file_names() -> None:
    assert date_in_name("barwon-health_2026-10-14.vtt") == date(2026, 10, 14)
    assert date_in_name("notes_2026-13-40.txt") is None
    assert date_in_name(None) is None
