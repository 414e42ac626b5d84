"""Transcript upload over HTTP: accepted at once, ingested by a real worker, then polled."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.bootstrap import Database
from core.database import transaction
from core.models import Meeting, TranscriptUpload
from core.settings import Settings, TranscriptSettings
from ingest.demo_data import LAURA, TRACEY
from ingest.transcripts.service import TranscriptIngestor
from ingest.transcripts.uploads import accept_upload, run_upload
from scheduler import ingest_jobs
from scheduler.queue import run_worker
from tests.agent_harness import person, seed
from tests.api_harness import api_settings, auth, problem_of

DEMO = Path(__file__).resolve().parents[1] / "ingest" / "demo_transcripts"
BARWON = DEMO / "barwon-health_2026-10-14.vtt"
MAX_BYTES = 200_000
"""A transcript limit of these tests: above the API's 64 KiB body limit, small to send."""


@pytest.fixture
def settings() -> Settings:
    """The API test settings, with a small transcript limit so oversize bodies stay cheap."""
    return api_settings().model_copy(
        update={"transcripts": TranscriptSettings(max_bytes=MAX_BYTES)}
    )


@pytest.fixture
def worker(
    queue_database: Database, ingestor: TranscriptIngestor, monkeypatch: pytest.MonkeyPatch
) -> Database:
    """The queue emptied around the test; jobs use the run's shared local-model ingestor."""
    monkeypatch.setattr(ingest_jobs, "job_ingestor", lambda: ingestor)
    return queue_database


def upload(
    api: TestClient,
    settings: Settings,
    email: str,
    content: bytes,
    filename: str = BARWON.name,
    **fields: str,
) -> Any:
    """POST /transcripts as ``email`` with one file and the given form fields."""
    return api.post(
        "/transcripts",
        files={"file": (filename, content, "text/vtt")},
        data=fields,
        headers=auth(settings, email),
    )


def upload_rows(sessions: sessionmaker[Session]) -> int:
    """How many uploads are stored."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(TranscriptUpload)) or 0


def job_statuses(database: Database) -> list[tuple[str, str]]:
    """(task, status) of every job, oldest first."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT task_name, status FROM procrastinate_jobs ORDER BY id")
        ).all()
    return [(row.task_name, str(row.status)) for row in rows]


def test_an_upload_is_queued_ingested_by_a_worker_and_polled(
    api: TestClient, settings: Settings, worker: Database
) -> None:
    accepted = upload(api, settings, TRACEY, BARWON.read_bytes(), client="Barwon Health")
    assert accepted.status_code == 202, accepted.text
    record = accepted.json()
    assert record["status"] == "queued" and record["client"] == "Barwon Health"
    assert record["filename"] == BARWON.name and record["meeting_id"] is None
    location = accepted.headers["Location"]
    assert location == f"/transcripts/uploads/{record['id']}"
    # The job was deferred with the row, in the request's transaction.
    assert job_statuses(worker) == [("ingest_transcript_upload", "todo")]

    run_worker(worker, wait=False)

    done = api.get(location, headers=auth(settings, TRACEY)).json()
    assert done["status"] == "done" and done["error"] is None, done
    assert done["finished_at"] is not None
    report = done["report"]
    assert report["status"] == "ingested" and report["chunks"] > 0 and report["utterances"] > 0
    assert report["held_on"] == "2026-10-14"  # from the file name
    assert "Rachel Bowen" in " ".join(report["new_stakeholders"])
    with worker.sessions() as session:
        meeting = session.get_one(Meeting, uuid.UUID(done["meeting_id"]))
        assert meeting.source_name == BARWON.name
        chunks = session.scalar(
            text("SELECT count(*) FROM transcript_chunks WHERE meeting_id = :m"),
            {"m": meeting.id},
        )
    assert chunks == report["chunks"]
    assert job_statuses(worker) == [("ingest_transcript_upload", "succeeded")]

    again = upload(api, settings, TRACEY, BARWON.read_bytes(), client="barwon health")
    assert again.status_code == 202, again.text
    run_worker(worker, wait=False)
    second = api.get(again.headers["Location"], headers=auth(settings, TRACEY)).json()
    assert second["status"] == "done", second
    assert second["report"]["status"] == "unchanged"
    assert second["meeting_id"] == done["meeting_id"]


def test_an_upload_may_be_larger_than_the_generic_body_limit(
    api: TestClient, settings: Settings, worker: Database
) -> None:
    line = b"Tracey Bland: We went through the rollout plan for the wards in detail.\n"
    content = line * (100_000 // len(line))
    assert settings.api.max_body_bytes < len(content) < MAX_BYTES
    accepted = upload(api, settings, TRACEY, content, "notes.txt", client="Barwon Health")
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["held_on"] is None


def test_the_form_fields_are_kept_and_run_only_once(
    api: TestClient, settings: Settings, worker: Database
) -> None:
    accepted = upload(
        api, settings, TRACEY, BARWON.read_bytes(), "C:\\calls\\review.vtt",
        client="Barwon Health", title="Quarterly review", held_on="2026-10-15",
    )  # fmt: skip
    assert accepted.status_code == 202, accepted.text
    record = accepted.json()
    assert record["filename"] == "review.vtt"  # never the uploader's folders
    assert (record["title"], record["held_on"]) == ("Quarterly review", "2026-10-15")
    run_worker(worker, wait=False)
    with worker.sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
    assert (meeting.title, meeting.held_on.isoformat() if meeting.held_on else None) == (
        "Quarterly review",
        "2026-10-15",
    )
    # Running a done upload again changes nothing.
    status = run_upload(worker.sessions, ingest_jobs.job_ingestor(), uuid.UUID(record["id"]))
    assert status == "done"


@pytest.mark.parametrize(
    ("content", "filename", "detail"),
    [
        (b"\x00\x01binary", "x.vtt", "this looks like a binary file, not a transcript"),
        (b"", "empty.vtt", "the transcript is empty"),
        (b"WEBVTT\n\n", "cues.vtt", "no cues found in this WebVTT file"),
    ],
)
def test_a_malformed_file_is_422_with_the_parsers_message_and_nothing_is_kept(
    api: TestClient,
    settings: Settings,
    committed_factory: sessionmaker[Session],
    content: bytes,
    filename: str,
    detail: str,
) -> None:
    response = upload(api, settings, TRACEY, content, filename, client="Barwon Health")
    body = problem_of(response, 422)
    assert detail in body["detail"]
    assert upload_rows(committed_factory) == 0


def test_a_file_naming_no_client_needs_the_client_field(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    body = problem_of(upload(api, settings, TRACEY, BARWON.read_bytes()), 422)
    assert "client" in body["detail"]
    assert upload_rows(committed_factory) == 0


def test_a_client_outside_the_uploaders_reach_is_403_and_nothing_is_kept(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    response = upload(api, settings, LAURA, BARWON.read_bytes(), client="Barwon Health")
    assert "Barwon Health" in problem_of(response, 403)["detail"]
    assert upload_rows(committed_factory) == 0


def test_an_unknown_client_is_404(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    response = upload(api, settings, TRACEY, BARWON.read_bytes(), client="Nowhere Health")
    assert "Nowhere Health" in problem_of(response, 404)["detail"]
    assert upload_rows(committed_factory) == 0


def test_another_users_upload_is_404_like_an_unknown_one(
    api: TestClient, settings: Settings, worker: Database
) -> None:
    accepted = upload(api, settings, TRACEY, BARWON.read_bytes(), client="Barwon Health")
    location = accepted.headers["Location"]
    assert api.get(location, headers=auth(settings, TRACEY)).status_code == 200
    problem_of(api.get(location, headers=auth(settings, LAURA)), 404)
    problem_of(api.get(f"/transcripts/uploads/{uuid.uuid4()}", headers=auth(settings, TRACEY)), 404)


def test_an_oversize_transcript_is_413(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    # Over the transcript limit but within the body allowance: the route measures the file.
    just_over = b"Tracey Bland: hello.\n" * (MAX_BYTES // 21 + 1)
    body = problem_of(upload(api, settings, TRACEY, just_over, "big.txt"), 413)
    assert f"at most {MAX_BYTES:,} bytes" in body["detail"]
    # Far over: the body limit refuses it from its Content-Length, before it is read.
    huge = b"x" * (MAX_BYTES * 2)
    assert (
        "the limit is" in problem_of(upload(api, settings, TRACEY, huge, "huge.txt"), 413)["detail"]
    )
    assert upload_rows(committed_factory) == 0


def test_a_request_without_a_file_is_422_and_json_is_415(
    api: TestClient, settings: Settings
) -> None:
    headers = auth(settings, TRACEY)
    missing = api.post("/transcripts", data={"client": "Barwon Health"}, headers=headers,
                       files={"other": ("a.txt", b"x")})  # fmt: skip
    assert "file" in problem_of(missing, 422)["detail"]
    as_json = api.post("/transcripts", json={"client": "Barwon Health"}, headers=headers)
    assert "multipart/form-data" in problem_of(as_json, 415)["detail"]
    problem_of(api.post("/transcripts", files={"file": ("a.vtt", b"x")}), 401)
    problem_of(api.post("/transcripts", json={}), 401)  # who is asking comes first


def test_an_ingest_error_is_recorded_on_the_upload_and_not_retried(
    api: TestClient, settings: Settings, worker: Database
) -> None:
    first = upload(api, settings, TRACEY, BARWON.read_bytes(), client="Barwon Health")
    run_worker(worker, wait=False)
    with worker.engine.begin() as connection:  # as if stored by another embedding model
        connection.execute(text("UPDATE transcript_chunks SET embedding_model = 'other-model'"))
    earlier = DEMO / "barwon-health_2026-06-03.txt"
    second = upload(api, settings, TRACEY, earlier.read_bytes(), earlier.name,
                    client="Barwon Health")  # fmt: skip
    run_worker(worker, wait=False)

    failed = api.get(second.headers["Location"], headers=auth(settings, TRACEY)).json()
    assert failed["status"] == "failed" and failed["meeting_id"] is None, failed
    assert "reembed" in failed["error"] and failed["finished_at"] is not None
    assert (
        api.get(first.headers["Location"], headers=auth(settings, TRACEY)).json()["status"]
        == "done"
    )
    assert job_statuses(worker) == [("ingest_transcript_upload", "succeeded")] * 2
    with worker.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 1


def test_the_job_is_deferred_in_the_rows_transaction(
    committed_factory: sessionmaker[Session], worker: Database
) -> None:
    seed(committed_factory)
    tracey = person(committed_factory, TRACEY)
    with pytest.raises(RuntimeError), transaction(committed_factory) as session:
        record = accept_upload(
            session, tracey, BARWON.name, BARWON.read_bytes(), client="Barwon Health",
            title=None, held_on=None, max_bytes=MAX_BYTES,
        )  # fmt: skip
        ingest_jobs.defer_upload(session, record)
        raise RuntimeError("the request failed after deferring")
    assert upload_rows(committed_factory) == 0
    assert job_statuses(worker) == []
