"""Transcripts uploaded for later ingest: accepted at once, ingested by a background job.

:func:`accept_upload` parses the file while the uploader waits, so a file that can never be
ingested is refused with the parser's own message and nothing is stored; the accepted bytes
wait in ``transcript_uploads`` until :func:`run_upload` (run by a worker) turns them into a
meeting and records the outcome on the row.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal, cast

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from core.errors import ChaSenError, DatabaseUnavailableError, NotFoundError, ValidationError
from core.identity import Person
from core.models import Client, TranscriptUpload, UploadStatus
from ingest.transcripts.formats import parse_transcript
from ingest.transcripts.service import IngestReport, TranscriptIngestor, ingest_one
from planning.permissions import client_named

log = logging.getLogger("chasen.ingest")

RunOutcome = Literal["done", "failed", "missing"]


class UploadRecord(BaseModel):
    """An uploaded transcript and how its ingest went; ``report`` once it is done."""

    id: uuid.UUID
    filename: str
    client_id: uuid.UUID
    client: str
    title: str | None
    held_on: date | None
    status: UploadStatus
    error: str | None
    meeting_id: uuid.UUID | None
    report: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None


def accept_upload(
    session: Session,
    person: Person,
    filename: str,
    data: bytes,
    *,
    client: str | None,
    title: str | None,
    held_on: date | None,
    max_bytes: int,
) -> UploadRecord:
    """Check an uploaded transcript and queue it (status ``queued``); nothing is committed.

    Raises ValidationError for a file that is empty, too big, binary or malformed, or that
    names no client when ``client`` is not given; NotFoundError for an unknown client;
    PermissionDeniedError for a client ``person`` may not see.
    """
    name = _base_name(filename)
    parsed = parse_transcript(data, filename=name, max_bytes=max_bytes)
    wanted = client or parsed.meta.client
    if not wanted:
        raise ValidationError(
            "no client for this transcript: the file names none, so pass `client`",
            errors=[{"path": "client", "message": "required: the file names no client"}],
        )
    owner = client_named(session, person, wanted)
    upload = TranscriptUpload(
        uploaded_by=person.id,
        client_id=owner.id,
        filename=name,
        content=data,
        title=title,
        held_on=held_on,
        status="queued",
    )
    session.add(upload)
    session.flush()
    return _record(upload, owner.name)


def get_upload(session: Session, person: Person, upload_id: uuid.UUID) -> UploadRecord:
    """The upload, for its uploader or an admin; NotFoundError for anyone else.

    Others get the same answer as for an id that names nothing, so ids reveal nothing.
    """
    upload = session.get(TranscriptUpload, upload_id)
    if upload is None or not (person.role == "admin" or upload.uploaded_by == person.id):
        raise NotFoundError(f"No transcript upload {upload_id}", upload_id=str(upload_id))
    return _record(upload, session.get_one(Client, upload.client_id).name)


def run_upload(
    sessions: sessionmaker[Session], ingestor: TranscriptIngestor, upload_id: uuid.UUID
) -> RunOutcome:
    """Ingest a queued upload as one meeting and record the outcome; return the final status.

    An upload already done is left alone (``"done"``), a vanished one (its client deleted)
    is ``"missing"``. A ChaSenError is recorded as ``failed`` with its message. Anything
    unexpected is recorded as ``failed`` by its type and raised again, so the job queue
    retries the job and a final failure shows in the queue too.
    """
    with transaction(sessions) as session:
        # Locked so two jobs for one upload never both mark it running.
        upload = session.get(TranscriptUpload, upload_id, with_for_update=True)
        if upload is None:
            return "missing"
        if upload.status == "done":
            return "done"
        upload.status, upload.error = "running", None
        data, name, client = upload.content, upload.filename, str(upload.client_id)
        title, held_on = upload.title, upload.held_on
    try:
        # Checked against its own size: the limit was applied when the file was accepted.
        parsed = parse_transcript(data, filename=name, max_bytes=len(data))
        ingest_one(
            sessions, ingestor, parsed, client=client, title=title, held_on=held_on,
            source_name=name, then=lambda session, report: _done(session, upload_id, report),
        )  # fmt: skip
    except DatabaseUnavailableError:
        raise  # worth a retry, and nothing could be recorded anyway
    except ChaSenError as error:
        _failed(sessions, upload_id, error.message)
        return "failed"
    except Exception as error:
        log.exception("ingesting transcript upload %s failed", upload_id)
        _failed(sessions, upload_id, f"unexpected {type(error).__name__}: see the worker's log")
        raise
    return "done"


def _done(session: Session, upload_id: uuid.UUID, report: IngestReport) -> None:
    """Mark the upload done in the meeting's own transaction, so both commit together."""
    upload = session.get_one(TranscriptUpload, upload_id)
    upload.status, upload.error = "done", None
    upload.meeting_id = uuid.UUID(report.meeting_id)
    upload.report = _report_json(report)
    upload.finished_at = datetime.now(UTC)


def _failed(sessions: sessionmaker[Session], upload_id: uuid.UUID, message: str) -> None:
    with transaction(sessions) as session:
        upload = session.get(TranscriptUpload, upload_id)
        if upload is not None:
            upload.status, upload.error = "failed", message
            upload.finished_at = datetime.now(UTC)


def _report_json(report: IngestReport) -> dict[str, Any]:
    return {
        "status": report.status,
        "meeting_id": report.meeting_id,
        "title": report.title,
        "held_on": report.held_on.isoformat() if report.held_on else None,
        "utterances": report.utterances,
        "chunks": report.chunks,
        "tokens": report.tokens,
        "new_stakeholders": list(report.stakeholders.new),
        "warnings": list(report.warnings),
    }


def _record(upload: TranscriptUpload, client_name: str) -> UploadRecord:
    return UploadRecord(
        id=upload.id,
        filename=upload.filename,
        client_id=upload.client_id,
        client=client_name,
        title=upload.title,
        held_on=upload.held_on,
        status=cast(UploadStatus, upload.status),  # the table's CHECK keeps it one of four
        error=upload.error,
        meeting_id=upload.meeting_id,
        report=upload.report,
        created_at=upload.created_at,
        finished_at=upload.finished_at,
    )


def _base_name(filename: str) -> str:
    """The file's own name: browsers may send a path, which is nobody's business here."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or "transcript"
