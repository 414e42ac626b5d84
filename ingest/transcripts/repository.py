"""SQL for meetings, utterances and chunks. Bulk rows go through COPY in binary format."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core import bulk
from core.models import Meeting, TranscriptChunk
from ingest.transcripts.chunking import Chunk
from ingest.transcripts.embedding import Vectors
from ingest.transcripts.model import Utterance

_CHUNK_COLUMNS = (
    "meeting_id, client_id, held_on, seq, text, speakers, start_s, end_s, token_count, "
    "embedding_model, embedding_dim, embedding"
)
_CHUNK_TYPES = [
    "uuid", "uuid", "date", "int4", "text", "text[]", "float8", "float8", "int4",
    "text", "int4", "vector",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ChunkTarget:
    """Where a batch of chunks goes: its meeting, client, date and embedding model."""

    meeting_id: uuid.UUID
    client_id: uuid.UUID
    held_on: date | None
    model: str
    dim: int


def driver_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session's transaction, with pgvector's types loaded."""
    conn = bulk.driver_connection(session)
    record = session.connection().connection
    if not record.info.get("pgvector"):
        register_vector(conn)
        record.info["pgvector"] = True
    return conn


def find_meeting(session: Session, client_id: uuid.UUID, content_hash: str) -> Meeting | None:
    """The meeting of this client with this content, if it was ingested before."""
    return session.scalars(
        select(Meeting).where(Meeting.client_id == client_id, Meeting.content_hash == content_hash)
    ).one_or_none()


def add_utterances(
    session: Session, meeting_id: uuid.UUID, utterances: Sequence[Utterance]
) -> None:
    """Store the meeting's utterances in order."""
    conn = driver_connection(session)
    with conn.cursor().copy(
        "COPY meeting_utterances (meeting_id, seq, speaker, start_s, end_s, text) "
        "FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["uuid", "int4", "text", "float8", "float8", "text"])
        for seq, u in enumerate(utterances):
            copy.write_row((meeting_id, seq, u.speaker, u.start, u.end, u.text))


def add_chunks(
    session: Session, target: ChunkTarget, chunks: Sequence[Chunk], vectors: Vectors
) -> None:
    """Store a batch of chunks with their embeddings (one COPY per batch)."""
    conn = driver_connection(session)
    with conn.cursor().copy(
        f"COPY transcript_chunks ({_CHUNK_COLUMNS}) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(_CHUNK_TYPES)
        for chunk, vector in zip(chunks, vectors, strict=True):
            copy.write_row(
                (
                    target.meeting_id, target.client_id, target.held_on, chunk.seq, chunk.text,
                    list(chunk.speakers), chunk.start, chunk.end, chunk.token_count,
                    target.model, target.dim, vector,
                )
            )  # fmt: skip


def embedding_models(session: Session, client_id: uuid.UUID | None = None) -> dict[str, int]:
    """Chunk counts by embedding model, for one client or the whole store."""
    query = select(TranscriptChunk.embedding_model, func.count()).group_by(
        TranscriptChunk.embedding_model
    )
    if client_id is not None:
        query = query.where(TranscriptChunk.client_id == client_id)
    return {model: count for model, count in session.execute(query)}


def chunks_of_other_models(session: Session, model: str, limit: int) -> list[tuple[int, str]]:
    """Up to ``limit`` (id, text) of chunks embedded with another model than ``model``."""
    query = text(
        "SELECT id, text FROM transcript_chunks WHERE embedding_model <> :m ORDER BY id LIMIT :n"
    )
    return [(row.id, row.text) for row in session.execute(query, {"m": model, "n": limit})]


def set_embeddings(
    session: Session, chunk_ids: Sequence[int], vectors: Vectors, model: str, dim: int
) -> None:
    """Replace the embeddings of these chunks, recording the model they now come from."""
    driver_connection(session)  # numpy arrays bind as vectors
    session.execute(
        text(
            "UPDATE transcript_chunks SET embedding = :e, embedding_model = :m, "
            "embedding_dim = :d WHERE id = :id"
        ),
        [
            {"e": vector, "m": model, "d": dim, "id": chunk_id}
            for chunk_id, vector in zip(chunk_ids, vectors, strict=True)
        ],
    )
