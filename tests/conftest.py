"""Shared fixtures: one embedded PostgreSQL + pgvector for the whole run, migrated once.

Each test gets a session inside a transaction that is rolled back afterwards; tests that need
real commits (concurrency, CLI subprocesses) use ``committed_factory`` and the tables are
emptied after them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from core import schema
from core.bootstrap import Database
from core.database import make_engine, session_factory
from core.embedded import stop_embedded
from core.models import Base
from core.settings import DatabaseSettings, Settings
from ingest.transcripts.chunking import Chunker
from ingest.transcripts.embedding import LocalEmbedder
from ingest.transcripts.service import TranscriptIngestor
from scheduler.queue import load_task_modules, queue
from tests.agent_harness import TODAY, seed
from tests.api_harness import api_settings
from tests.factories import rolled_back
from tests.slack_harness import slack_api
from tests.slack_stub import SlackStub


@pytest.fixture(scope="session")
def pg_data_dir() -> Iterator[Path]:
    """Data folder of the embedded server shared by the run, removed at the end.

    Not under pytest's own temporary folder: pytest resets that folder to mode 0700, which
    would lock out the server's system user when the tests run as root.
    """
    folder = Path(tempfile.mkdtemp(prefix="chasen-test-"))
    data_dir = folder / "pgdata"
    yield data_dir
    stop_embedded(data_dir)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def db_settings(pg_data_dir: Path) -> DatabaseSettings:
    """Settings for the test database in the embedded server (never a configured URL)."""
    return DatabaseSettings(url=None, data_dir=pg_data_dir, name="chasen_test")


@pytest.fixture(scope="session")
def engine(db_settings: DatabaseSettings) -> Iterator[Engine]:
    """The migrated test database."""
    engine = make_engine(db_settings)
    schema.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, even what it commits."""
    with rolled_back(engine) as db:
        yield db


CHECKPOINT_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")


def truncate_all(engine: Engine) -> None:
    """Empty every table, the agent's checkpoints too (for tests that really commit)."""
    tables = [table.name for table in Base.metadata.sorted_tables]
    names = ", ".join([*tables, *CHECKPOINT_TABLES])
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture
def committed_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory whose commits are real; the tables are emptied afterwards."""
    truncate_all(engine)
    yield session_factory(engine)
    truncate_all(engine)


@pytest.fixture(scope="session")
def local_embedder() -> LocalEmbedder:
    """The real all-MiniLM-L6-v2 model on the CPU, loaded once for the run."""
    return LocalEmbedder()


@pytest.fixture(scope="session")
def ingestor(local_embedder: LocalEmbedder) -> TranscriptIngestor:
    """The transcript pipeline with the local embedder and small chunks (more of them)."""
    return TranscriptIngestor(local_embedder, Chunker(size=120, overlap=30))


def empty_queue(engine: Engine) -> None:
    """Remove every job, event and worker of the job queue."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "TRUNCATE procrastinate_jobs, procrastinate_events, "
                "procrastinate_periodic_defers, procrastinate_workers CASCADE"
            )
        )


@pytest.fixture
def queue_database(
    engine: Engine, committed_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """The test database as a worker sees it; the queue and the tables emptied around it.

    The workers here defer no periodic jobs: the registered ones (digests, scoring) would add
    jobs of their own whenever a tick is due.
    """
    load_task_modules()
    monkeypatch.setattr(queue.periodic_registry, "periodic_tasks", {})
    empty_queue(engine)
    yield Database(engine=engine, sessions=committed_factory, embedded=True)
    empty_queue(engine)


@pytest.fixture
def settings() -> Settings:
    """API settings with a known secret and service key (see ``tests.api_harness``)."""
    return api_settings()


@pytest.fixture
def database(committed_factory: sessionmaker[Session], engine: Engine) -> Database:
    """The test database seeded with the demo portfolio (committed), as the app opens it."""
    seed(committed_factory)
    return Database(engine=engine, sessions=committed_factory, embedded=True)


@pytest.fixture
def api(database: Database, settings: Settings) -> Iterator[TestClient]:
    """The real app on the seeded test database, its lifespan running, day fixed to TODAY."""
    app = create_app(database, settings)
    with TestClient(app) as test_client:
        app.state.chasen.today = TODAY
        yield test_client


@pytest.fixture
def slack(
    queue_database: Database,
    committed_factory: sessionmaker[Session],
    stub: SlackStub,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    """The API with the Slack app on, over the seeded database; its workers post to the
    module's ``stub`` (each Slack test module says who its Slack members are)."""
    with slack_api(queue_database, committed_factory, stub, monkeypatch) as test_client:
        yield test_client
