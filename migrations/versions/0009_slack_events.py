"""What Slack sent the app: each event, command and click recorded once, with its reply.

Slack delivers an event again when it saw no acknowledgement within three seconds; the id it
gives the event is the primary key here, so a retried delivery finds its row and is not handed
to the agent a second time. Commands and clicks are keyed by their trigger id. The row also
keeps where ChaSen's reply goes (the status message it updates in place) and the reply itself
until Slack has taken it, so that a failed post is retried without running the agent again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE TABLE slack_events (
      id text PRIMARY KEY,
      kind text NOT NULL
        CHECK (kind IN ('message', 'app_home', 'command', 'action', 'view')),
      team_id text,
      slack_user_id text,
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'answered', 'done', 'failed')),
      redeliveries integer NOT NULL DEFAULT 0,
      reply_channel text,
      reply_ts text,
      reply jsonb,
      error text,
      received_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )
    """,
    "CREATE INDEX idx_slack_events_received ON slack_events (received_at)",
]

DOWNGRADE = ["DROP TABLE slack_events"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
