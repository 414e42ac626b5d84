"""Uploaded transcripts ingested on the job queue, one job per upload.

The API inserts the ``transcript_uploads`` row and defers its job in the same transaction
(:func:`defer_upload` puts the job on the request's own connection), so either both are
committed or neither is: a worker never meets a job without its row, and no row is left
``queued`` without a job. Jobs of one client run one after the other (``lock``), so two
uploads of one file never race to store the same meeting.
"""

from __future__ import annotations

import threading
import uuid
from typing import Final

from procrastinate import JobContext, RetryStrategy
from sqlalchemy.orm import Session

from core.settings import get_settings
from ingest.transcripts.service import TranscriptIngestor, make_ingestor
from ingest.transcripts.uploads import UploadRecord, run_upload
from scheduler.queue import defer_in_transaction, job_database, queue

TASK_NAME: Final = "ingest_transcript_upload"

_ingestor: TranscriptIngestor | None = None
_ingestor_lock = threading.Lock()


def job_ingestor() -> TranscriptIngestor:
    """The configured ingestor, built once per worker process (loading a model is slow)."""
    global _ingestor  # noqa: PLW0603 - one per process, like the model it holds
    with _ingestor_lock:
        if _ingestor is None:
            _ingestor = make_ingestor(get_settings())
        return _ingestor


@queue.task(
    name=TASK_NAME,
    pass_context=True,
    # Only unexpected errors reach the queue (run_upload records the others): 10 s, 100 s.
    retry=RetryStrategy(max_attempts=2, exponential_wait=10),
)
def ingest_upload(context: JobContext, upload_id: str) -> str:
    """Ingest one uploaded transcript; return its final status (``done``, ``failed``...)."""
    database = job_database(context)
    return run_upload(database.sessions, job_ingestor(), uuid.UUID(upload_id))


def defer_upload(session: Session, upload: UploadRecord) -> int:
    """Queue the ingest of ``upload`` inside ``session``'s transaction; return the job id.

    The job becomes visible to workers when the caller commits, together with the row.
    """
    return defer_in_transaction(
        session,
        TASK_NAME,
        queue_name=ingest_upload.queue,
        lock=f"transcripts:{upload.client_id}",
        upload_id=str(upload.id),
    )
