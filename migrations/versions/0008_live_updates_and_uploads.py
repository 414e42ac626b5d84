"""Live updates and transcript uploads.

The seed's ``plan_updates`` trigger keeps its channel and its keys (``plan_id``,
``updated_by``, ``updated_at``) and gains ``event``, ``version`` and ``status``, so that an open
page knows what changed without reading the plan again. Comments and presence publish on the
same channel from the service that writes them.

``transcript_uploads`` holds an uploaded transcript until a worker has ingested it: the file
itself, who sent it for which client, and how its job ended.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NOTIFY = """
    CREATE OR REPLACE FUNCTION notify_plan_update()
    RETURNS TRIGGER AS $$
    BEGIN
      PERFORM pg_notify('plan_updates', json_build_object(
        'plan_id', NEW.id,
        'updated_by', NEW.primary_owner,
        'updated_at', NEW.updated_at{extra}
      )::text);
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
"""

UPGRADE = [
    NOTIFY.format(extra=",\n        'event', 'plan', 'version', NEW.version, 'status', NEW.status"),
    """
    CREATE TABLE transcript_uploads (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      uploaded_by uuid REFERENCES users(id) ON DELETE SET NULL,
      client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      filename text NOT NULL,
      content bytea NOT NULL,
      title text,
      held_on date,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'done', 'failed')),
      error text,
      meeting_id uuid REFERENCES meetings(id) ON DELETE SET NULL,
      report jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )
    """,
    "CREATE INDEX idx_transcript_uploads_user ON transcript_uploads (uploaded_by, created_at)",
]

DOWNGRADE = [
    "DROP TABLE transcript_uploads",
    NOTIFY.format(extra=""),
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
