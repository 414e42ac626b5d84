"""Storing precomputed embeddings: our binary COPY versus langchain-postgres ``PGVector``.

Both write the same rows (transcript-like texts, 384-dim float32 unit vectors, meeting, speakers
and times) into the same embedded database, in batches of 500 with one commit per batch, taking
turns batch by batch (the first mover swapping every batch) after a warm-up batch each. Ours is
``repository.add_chunks`` into ``transcript_chunks`` as ingest uses it, so it also keeps that
table's full-text column and its HNSW and GIN indexes up to date; the peer is
``PGVector.add_embeddings`` into its own table, a multi-row INSERT with its metadata as JSONB.
Inputs each side takes are built before the clock starts (ours: chunks and a numpy array;
the peer: lists of floats and metadata dicts). Target: ours at least 3x the peer's rows/s.
The peer's table, as PGVector creates it, has no vector index (a search of it is a full scan);
ours maintains an HNSW index on every insert, which is most of our time.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_postgres import PGVector
from sqlalchemy import create_engine, text

from bench import corpus
from bench.result import Result
from core.bootstrap import Database, scratch_database
from core.database import transaction
from core.models import Meeting
from ingest.transcripts import repository as repo
from ingest.transcripts.chunking import Chunk
from ingest.transcripts.embedding import LOCAL_MODEL, Vectors
from planning import directory

NAME = "vector_store"
DIM = 384
BATCH = 500
HELD_ON = date(2026, 11, 20)
PEER_HNSW = "CREATE INDEX ON langchain_pg_embedding USING hnsw (embedding vector_cosine_ops)"
SPEAKERS = ("Alice Nguyen", "Bob Smith", "Priya Patel", "Tom Walker")


@dataclass(frozen=True)
class _Rows:
    """The same rows in the shape each store takes."""

    chunks: list[Chunk]
    vectors: Vectors
    lists: list[list[float]]
    metadatas: list[dict[str, Any]]


def _rows(count: int, meeting_id: uuid.UUID, seed: int = 7) -> _Rows:
    rng = np.random.default_rng(seed)
    topic = ("renewal", "dashboard", "integration")
    chunks = []
    for i in range(count):
        speakers = (SPEAKERS[i % 4], SPEAKERS[(i + 1) % 4])
        text = "\n".join(corpus.chunk_text(rng, s, topic, 75) for s in speakers)
        chunks.append(Chunk(i, text, speakers, 30.0 * i, 30.0 * i + 45.0, 200))
    vectors = corpus.unit_vectors(rng, count, DIM)
    metadatas = [
        {
            "meeting_id": str(meeting_id),
            "seq": c.seq,
            "speakers": list(c.speakers),
            "start": c.start,
            "end": c.end,
        }
        for c in chunks
    ]
    return _Rows(chunks, vectors, vectors.tolist(), metadatas)


def _meeting(db: Database) -> repo.ChunkTarget:
    """The one client and meeting our chunk rows belong to."""
    corpus.add_clients(db, ["Bench vector client"])
    with transaction(db.sessions) as session:
        client_id = directory.find_client(session, "Bench vector client").id
        meeting = Meeting(
            client_id=client_id,
            title="Benchmark meeting",
            held_on=HELD_ON,
            source_format="text",
            content_hash="bench",
            utterance_count=0,
            word_count=0,
        )
        session.add(meeting)
        session.flush()
        return repo.ChunkTarget(meeting.id, client_id, HELD_ON, LOCAL_MODEL, DIM)


def _ours(db: Database, target: repo.ChunkTarget, rows: _Rows, start: int) -> float:
    began = time.perf_counter()
    with transaction(db.sessions) as session:
        end = start + BATCH
        repo.add_chunks(session, target, rows.chunks[start:end], rows.vectors[start:end])
    return time.perf_counter() - began


def _peer(store: PGVector, rows: _Rows, start: int) -> float:
    began = time.perf_counter()
    end = start + BATCH
    store.add_embeddings(
        texts=[c.text for c in rows.chunks[start:end]],
        embeddings=rows.lists[start:end],
        metadatas=rows.metadatas[start:end],
    )
    return time.perf_counter() - began


def _measure(count: int, peer_index: bool) -> tuple[float, float]:
    """Seconds each side takes for ``count`` rows, on a database of their own."""
    with scratch_database() as db:
        target = _meeting(db)
        rows = _rows(count + BATCH, target.meeting_id)  # + a warm-up batch
        url = db.engine.url.render_as_string(hide_password=False)
        engine = create_engine(url)
        try:
            store = PGVector(
                DeterministicFakeEmbedding(size=DIM),
                connection=engine,
                collection_name="bench",
                embedding_length=DIM,
            )
            if peer_index:  # the same HNSW index our table keeps, for a like-for-like run
                with engine.begin() as connection:
                    connection.execute(text(PEER_HNSW))
            _ours(db, target, rows, count)  # warm-up: the extra batch at the end
            _peer(store, rows, count)
            ours = peer = 0.0
            for i, start in enumerate(range(0, count, BATCH)):
                if i % 2 == 0:
                    ours += _ours(db, target, rows, start)
                    peer += _peer(store, rows, start)
                else:
                    peer += _peer(store, rows, start)
                    ours += _ours(db, target, rows, start)
        finally:
            engine.dispose()
    return ours, peer


def run(quick: bool = False) -> list[Result]:
    """Rows per second stored by each side: the peer as it comes, then with our HNSW index."""
    count = 3_000 if quick else 20_000
    ours, peer = _measure(count, peer_index=False)
    ours_same, peer_same = _measure(count, peer_index=True)
    return [
        Result(
            bench=NAME,
            ours=count / ours,
            peer=count / peer,
            unit="rows/s",
            target=3.0,
            note=(
                f"{count} rows of {DIM} dims in batches of {BATCH}; ours = add_chunks (COPY) "
                "keeping HNSW+GIN current, peer = PGVector.add_embeddings (no vector index)"
            ),
        ),
        Result(
            bench=f"{NAME}_same_index",
            ours=count / ours_same,
            peer=count / peer_same,
            unit="rows/s",
            target=3.0,
            note="the same, with the peer's table given the same HNSW cosine index",
        ),
    ]
