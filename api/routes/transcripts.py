"""Transcript uploads: accepted at once (202), ingested by a worker, polled by their id."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from api.deps import PersonDep, SessionDep, SettingsDep
from api.problems import ApiError
from ingest.transcripts.uploads import UploadRecord, accept_upload, get_upload
from scheduler.ingest_jobs import defer_upload

router = APIRouter(prefix="/transcripts", tags=["transcripts"])


def require_multipart(request: Request) -> None:
    """Refuse other bodies with a clear 415 before FastAPI reports a missing form field."""
    kind = request.headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send multipart/form-data with the transcript in a field named 'file' "
            f"(got {kind or 'no Content-Type'})",
        )


@router.post("", status_code=202, response_model=UploadRecord)
def upload_transcript(
    person: PersonDep,
    _multipart: Annotated[None, Depends(require_multipart)],  # after auth: a 401 comes first
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    file: Annotated[UploadFile, File(description="A .vtt, .srt, .json or .txt transcript.")],
    client: Annotated[str | None, Form(description="Client name or id (else the file's).")] = None,
    title: Annotated[str | None, Form(description="Meeting title (else the file's).")] = None,
    held_on: Annotated[date | None, Form(description="Meeting date, YYYY-MM-DD.")] = None,
) -> UploadRecord:
    """Queue a transcript for ingest as a meeting; poll the Location for the outcome.

    The file is parsed now, so a file that cannot be ingested is a 422 and nothing is kept.
    """
    data = _read(file, settings.transcripts.max_bytes)
    record = accept_upload(
        session, person, file.filename or "transcript", data,
        client=client or None, title=title or None, held_on=held_on,
        max_bytes=settings.transcripts.max_bytes,
    )  # fmt: skip
    defer_upload(session, record)  # committed with the row by the request's transaction
    response.headers["Location"] = f"/transcripts/uploads/{record.id}"
    return record


@router.get("/uploads/{upload_id}", response_model=UploadRecord)
def read_upload(upload_id: uuid.UUID, person: PersonDep, session: SessionDep) -> UploadRecord:
    """An upload's status (queued, running, done, failed), report and error; uploader only."""
    return get_upload(session, person, upload_id)


def _read(file: UploadFile, max_bytes: int) -> bytes:
    # One byte past the limit is enough to know it is too big, without reading it all.
    data = file.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        size = file.size if file.size is not None else len(data)
        raise ApiError(
            413,
            "payload_too_large",
            f"the transcript is {size:,} bytes; transcripts may be at most {max_bytes:,} bytes",
        )
    return data
