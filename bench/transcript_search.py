"""Transcript search at portfolio scale: latency and recall of our real search code.

The corpus is built straight into the database, because embedding 200k texts with the model would
take hours: clustered 384-dim unit vectors (each chunk is one of ~2,000 topic centres plus noise,
so that nearest neighbours mean something, as with real embeddings; pure noise would make any
index look bad or good at random), spread over ~400 clients of ten meetings each, with texts of
a few topic words per cluster in filler talk for full text. Meetings are loaded in random order
(as they arrive over time), so a client's chunks are scattered over the table. The HNSW index is
dropped for the load and rebuilt exactly as migration 0004 defines it, then everything is
analysed.

Queries are 200 topic centres of random chunks plus fresh noise, asked through
``search.vector_ids`` itself, with an embedder whose ``embed_query`` returns the prepared vector:

* per client (exact, via the client index): p95 latency against the 20 ms budget, and recall@10
  against numpy brute force over that client's vectors (must be 1.0);
* across the portfolio (HNSW, ``ef_search`` as in production): recall@10 against numpy brute
  force over all vectors, target 0.95, with the HNSW and exact full-table-scan p95s in the note;
* the full hybrid ``search()`` per client, whose p95 is reported in a note.

A hit counts for recall when its true distance is within 1e-6 of the true 10th nearest, so that
float32 rounding of near-ties cannot count against either side.
"""

from __future__ import annotations

import importlib
import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, event, text

from bench import corpus
from bench.result import Result
from core.bootstrap import Database, scratch_database
from core.database import transaction
from ingest.transcripts import repository as repo
from ingest.transcripts import search, search_repository
from ingest.transcripts.chunking import Chunk
from ingest.transcripts.embedding import LOCAL_MODEL, Vectors

NAME = "transcript_search"
DIM = 384
K = 10
QUERIES = 200
BUDGET_MS = 20.0
NOISE = 0.9
"""Length of the noise added to a unit centre: chunk-centre cosine ~0.74, chunk-chunk ~0.55."""
TOPICS_PER_CLIENT = 25
MEETINGS_PER_CLIENT = 10
HNSW_INDEX = "idx_transcript_chunks_hnsw_384"
MIGRATION = "migrations.versions.0004_meetings_and_stakeholders"
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "be", "do", "fu", "ga", "hi", "ju")

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Corpus:
    """The generated chunks; row ``i`` belongs to meeting ``i % meetings``, position ``i // m``."""

    vectors: Vectors
    centres: Vectors
    cluster: Ints
    client: Ints
    meeting_client: Ints
    topic_words: list[tuple[str, ...]]

    @property
    def meetings(self) -> int:
        return len(self.meeting_client)

    def rows_of_meeting(self, meeting: int) -> range:
        return range(meeting, len(self.vectors), self.meetings)


@dataclass(frozen=True)
class _Loaded:
    """The corpus in the database: client ids and each chunk id's row in the corpus."""

    client_ids: list[uuid.UUID]
    row_of_id: Ints


class _PreparedEmbedder:
    """An embedder for the search code whose query vector is set beforehand."""

    name = LOCAL_MODEL
    dim = DIM

    def __init__(self) -> None:
        self.vector: Vectors = np.zeros(DIM, dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> Vectors:
        raise NotImplementedError("the search benchmark embeds no documents")

    def embed_query(self, text: str) -> Vectors:
        return self.vector


# --- building the corpus ----------------------------------------------------------------------


def _noisy(rng: np.random.Generator, centres: Vectors) -> Vectors:
    noise = rng.standard_normal(centres.shape, dtype=np.float32) * (NOISE / math.sqrt(DIM))
    return corpus.normalised(centres + noise)


def _topic_words(rng: np.random.Generator, clusters: int) -> list[tuple[str, ...]]:
    """Three made-up words per cluster, none shared between clusters."""
    base = len(SYLLABLES)
    codes = rng.choice(base**4, size=3 * clusters, replace=False)
    words = ["".join(SYLLABLES[(int(c) // base**p) % base] for p in range(4)) for c in codes]
    return [tuple(words[3 * i : 3 * i + 3]) for i in range(clusters)]


def _generate(chunks: int, seed: int = 42) -> _Corpus:
    rng = np.random.default_rng(seed)
    clients = max(chunks // 500, 1)
    clusters = max(chunks // 100, TOPICS_PER_CLIENT)
    meetings = clients * MEETINGS_PER_CLIENT
    centres = corpus.unit_vectors(rng, clusters, DIM)
    topics = np.stack(
        [rng.choice(clusters, TOPICS_PER_CLIENT, replace=False) for _ in range(clients)]
    )
    meeting_client = np.repeat(np.arange(clients), MEETINGS_PER_CLIENT)
    client = meeting_client[np.arange(chunks) % meetings]
    cluster = topics[client, rng.integers(0, TOPICS_PER_CLIENT, size=chunks)]
    return _Corpus(
        vectors=_noisy(rng, centres[cluster]),
        centres=centres,
        cluster=cluster,
        client=client,
        meeting_client=meeting_client,
        topic_words=_topic_words(rng, clusters),
    )


def _chunks(rng: np.random.Generator, data: _Corpus, rows: range) -> list[Chunk]:
    chunks = []
    for seq, row in enumerate(rows):
        speakers = (f"Speaker {row % 7}", f"Speaker {(row + 1) % 7}")
        words = data.topic_words[data.cluster[row]]
        body = "\n".join(corpus.chunk_text(rng, s, words, 60) for s in speakers)
        chunks.append(Chunk(seq, body, speakers, 60.0 * seq, 60.0 * seq + 75.0, 200))
    return chunks


def _hnsw_ddl() -> str:
    """The HNSW index's CREATE statement, taken from migration 0004 itself."""
    statements: list[str] = importlib.import_module(MIGRATION).UPGRADE
    return next(s for s in statements if HNSW_INDEX in s)


def _load(db: Database, data: _Corpus) -> _Loaded:
    """Clients, meetings and chunks (COPY via ``add_chunks``), then the HNSW index and stats."""
    rng = np.random.default_rng(1)
    client_ids = _add_clients(db, int(data.meeting_client.max()) + 1)
    days = rng.integers(0, 300, size=data.meetings)
    meetings = [
        repo.ChunkTarget(
            uuid.uuid4(), client_ids[data.meeting_client[m]],
            date(2026, 1, 5) + timedelta(days=int(days[m])), LOCAL_MODEL, DIM,
        )
        for m in range(data.meetings)
    ]  # fmt: skip
    with transaction(db.sessions) as session:
        session.execute(text(f"DROP INDEX {HNSW_INDEX}"))
        session.execute(
            text(
                "INSERT INTO meetings (id, client_id, title, held_on, source_format, "
                "content_hash, utterance_count, word_count) "
                "VALUES (:id, :client, :title, :held_on, 'text', :hash, 0, 0)"
            ),
            [
                {"id": t.meeting_id, "client": t.client_id, "title": f"Meeting {m}",
                 "held_on": t.held_on, "hash": str(m)}
                for m, t in enumerate(meetings)
            ],
        )  # fmt: skip
    order = rng.permutation(data.meetings)  # meetings arrive over time, clients interleaved
    for part in np.array_split(order, max(data.meetings // 200, 1)):
        with transaction(db.sessions) as session:
            for m in part:
                rows = data.rows_of_meeting(int(m))
                chunks = _chunks(rng, data, rows)
                repo.add_chunks(session, meetings[m], chunks, data.vectors[rows])
    _build_index(db)
    return _Loaded(client_ids, _row_of_id(db, [t.meeting_id for t in meetings], data.meetings))


def _add_clients(db: Database, count: int) -> list[uuid.UUID]:
    names = [f"Search client {i:04d}" for i in range(count)]
    corpus.add_clients(db, names)
    with transaction(db.sessions) as session:
        stored = session.execute(text("SELECT name, id FROM clients")).tuples().all()
    ids: dict[str, uuid.UUID] = dict(stored)
    return [ids[name] for name in names]


def _build_index(db: Database) -> None:
    with transaction(db.sessions) as session:
        session.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        session.execute(text("SET LOCAL max_parallel_maintenance_workers = 2"))
        session.execute(text(_hnsw_ddl()))
        session.execute(text("ANALYZE transcript_chunks"))
        session.execute(text("ANALYZE meetings"))
        session.execute(text("ANALYZE clients"))


def _row_of_id(db: Database, meeting_ids: list[uuid.UUID], meetings: int) -> Ints:
    index = {meeting_id: m for m, meeting_id in enumerate(meeting_ids)}
    with transaction(db.sessions) as session:
        stored = session.execute(text("SELECT id, meeting_id, seq FROM transcript_chunks")).all()
    row_of_id = np.full(max(r[0] for r in stored) + 1, -1, dtype=np.int64)
    for chunk_id, meeting_id, seq in stored:
        row_of_id[chunk_id] = seq * meetings + index[meeting_id]
    return row_of_id


# --- asking -----------------------------------------------------------------------------------


def _vector_ids(
    db: Database, embedder: _PreparedEmbedder, query: Vectors, client: uuid.UUID | None
) -> tuple[list[int], float]:
    """``search.vector_ids`` in its own transaction: the ids and the seconds it took."""
    embedder.vector = query
    began = time.perf_counter()
    with transaction(db.sessions) as session:
        ids = search.vector_ids(session, embedder, "q", search.SearchFilters(client_id=client), K)
    return ids, time.perf_counter() - began


def _exact_scan(db: Database, query: Vectors) -> tuple[list[int], float]:
    """The same question answered by a sequential scan of the whole table."""
    sql = text(
        "SELECT id FROM transcript_chunks ORDER BY embedding <=> CAST(:q AS vector) LIMIT :k"
    )
    began = time.perf_counter()
    with transaction(db.sessions) as session:
        repo.driver_connection(session)
        ids = list(session.scalars(sql, {"q": query, "k": K}))
    return ids, time.perf_counter() - began


def _hybrid(
    db: Database, embedder: _PreparedEmbedder, query: Vectors, words: str, client: uuid.UUID
) -> float:
    """Seconds for the full hybrid ``search()`` within one client."""
    embedder.vector = query
    began = time.perf_counter()
    with transaction(db.sessions) as session:
        search.search(session, embedder, words, search.SearchFilters(client_id=client), K)
    return time.perf_counter() - began


def _recall(
    found: Sequence[int], query: Vectors, rows: Ints, data: _Corpus, loaded: _Loaded
) -> float:
    """Share of the true K nearest (among ``rows``) that ``found`` holds, ties allowed."""
    distances = 1.0 - data.vectors[rows].astype(np.float64) @ query.astype(np.float64)
    kth = np.partition(distances, K - 1)[K - 1]
    found_rows = loaded.row_of_id[np.asarray(found, dtype=np.int64)]
    if not set(found_rows.tolist()) <= set(rows.tolist()):
        raise RuntimeError("the search returned chunks outside the rows it was asked about")
    found_distances = 1.0 - data.vectors[found_rows].astype(np.float64) @ query.astype(np.float64)
    return float(np.sum(found_distances <= kth + 1e-6)) / K


def _check_hnsw_plan(db: Database, embedder: _PreparedEmbedder, query: Vectors) -> None:
    """EXPLAIN the very statement ``vector_ids`` sends across the portfolio; it must use HNSW."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Connection, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "ORDER BY" in statement:
            sent.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        embedder.vector = query
        with transaction(db.sessions) as session:
            search.vector_ids(session, embedder, "q", search.SearchFilters(), K)
            statement, params = sent[-1]
            plan = "\n".join(
                str(row[0])
                for row in session.connection().exec_driver_sql("EXPLAIN " + statement, params)
            )
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    if HNSW_INDEX not in plan:
        raise RuntimeError(f"cross-portfolio search does not use {HNSW_INDEX}; plan:\n{plan}")


@dataclass
class _Figures:
    client_s: list[float]
    client_recall: list[float]
    hnsw_s: list[float]
    hnsw_recall: list[float]
    exact_s: list[float]
    hybrid_s: list[float]


def _ask(db: Database, data: _Corpus, loaded: _Loaded, queries: int) -> _Figures:
    rng = np.random.default_rng(3)
    picks = rng.choice(len(data.vectors), size=queries, replace=False)
    vectors = _noisy(rng, data.centres[data.cluster[picks]])
    all_rows = np.arange(len(data.vectors), dtype=np.int64)
    embedder = _PreparedEmbedder()
    _check_hnsw_plan(db, embedder, vectors[0])
    for query, pick in zip(vectors[:20], picks[:20], strict=True):  # warm up every path
        client = loaded.client_ids[data.client[pick]]
        _vector_ids(db, embedder, query, client)
        _vector_ids(db, embedder, query, None)
        _exact_scan(db, query)
    figures = _Figures([], [], [], [], [], [])
    for query, pick in zip(vectors, picks, strict=True):
        owner = data.client[pick]
        client = loaded.client_ids[owner]
        found, seconds = _vector_ids(db, embedder, query, client)
        figures.client_s.append(seconds)
        own_rows = np.flatnonzero(data.client == owner)
        figures.client_recall.append(_recall(found, query, own_rows, data, loaded))
        found, seconds = _vector_ids(db, embedder, query, None)
        figures.hnsw_s.append(seconds)
        figures.hnsw_recall.append(_recall(found, query, all_rows, data, loaded))
        figures.exact_s.append(_exact_scan(db, query)[1])
        words = " ".join(data.topic_words[data.cluster[pick]][:2])
        figures.hybrid_s.append(_hybrid(db, embedder, query, words, client))
    return figures


def run(quick: bool = False) -> list[Result]:
    """Per-client latency and recall, cross-portfolio HNSW recall."""
    chunks = 20_000 if quick else 200_000
    data = _generate(chunks)
    with scratch_database() as db:
        began = time.perf_counter()
        loaded = _load(db, data)
        load_s = time.perf_counter() - began
        figures = _ask(db, data, loaded, QUERIES)
    clients = len(loaded.client_ids)
    scale = f"{chunks} chunks, {clients} clients, {QUERIES} queries, loaded in {load_s:.0f} s"
    exact_p95 = corpus.p95_ms(figures.exact_s)
    return [
        Result.budget(
            bench="search_client_p95",
            ours=corpus.p95_ms(figures.client_s),
            limit=BUDGET_MS,
            unit="ms",
            note=(
                f"p95 per-client query vs the {BUDGET_MS:.0f} ms budget; exact full-table scan "
                f"p95 = {exact_p95:.1f} ms; hybrid search() per client p95 = "
                f"{corpus.p95_ms(figures.hybrid_s):.1f} ms; {scale}"
            ),
        ),
        Result(
            bench="search_client_recall",
            ours=float(np.mean(figures.client_recall)),
            peer=1.0,
            unit="recall@10",
            target=1.0,
            note="per-client search vs numpy brute force over the client's vectors",
        ),
        Result(
            bench="search_hnsw_recall",
            ours=float(np.mean(figures.hnsw_recall)),
            peer=1.0,
            unit="recall@10",
            target=0.95,
            note=(
                f"cross-portfolio HNSW (ef_search={search_repository.EF_SEARCH}) "
                "vs numpy brute force; "
                f"HNSW p95 = {corpus.p95_ms(figures.hnsw_s):.1f} ms, exact scan p95 = "
                f"{exact_p95:.1f} ms"
            ),
        ),
    ]
