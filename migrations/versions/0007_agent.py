"""The agent: LangGraph's checkpoint tables, approval requests, and runs.

The checkpoint tables (``checkpoints``, ``checkpoint_blobs``, ``checkpoint_writes``,
``checkpoint_migrations``) are langgraph-checkpoint-postgres's own, created from the installed
package's migration list when this runs (never copied here); ``migrations/queue_objects.py``
keeps them out of the comparison with ChaSen's models. Its ``CREATE INDEX CONCURRENTLY`` cannot
run inside a migration's transaction, and the tables are new and empty, so plain
``CREATE INDEX`` is used.

``approval_requests`` is one row per change ChaSen proposed and a person must decide: the
thread and interrupt it waits in, what it would change, and who decided what. Locking that row
while applying the decision is what makes a double "accept" write once. ``agent_runs`` records
each run of a graph: who asked, which model, tokens in and out, and how it ended.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op
from langgraph.checkpoint.postgres import PostgresSaver

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE TABLE agent_runs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      thread_id text NOT NULL,
      graph text NOT NULL CHECK (graph IN ('chat', 'plan_draft')),
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      status text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'waiting', 'done', 'failed')),
      model text NOT NULL,
      input_tokens integer NOT NULL DEFAULT 0,
      output_tokens integer NOT NULL DEFAULT 0,
      model_calls integer NOT NULL DEFAULT 0,
      error text,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )
    """,
    "CREATE INDEX idx_agent_runs_thread ON agent_runs (thread_id, started_at)",
    """
    CREATE TABLE approval_requests (
      id uuid PRIMARY KEY,
      thread_id text NOT NULL,
      graph text NOT NULL CHECK (graph IN ('chat', 'plan_draft')),
      interrupt_id text,
      kind text NOT NULL CHECK (kind IN ('section_change', 'status_change', 'plan_draft')),
      plan_id uuid REFERENCES strategic_plans(id) ON DELETE CASCADE,
      client_id uuid REFERENCES clients(id) ON DELETE CASCADE,
      requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
      description text NOT NULL,
      action jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN
        ('pending', 'accepted', 'edited', 'rejected', 'responded', 'failed')),
      decided_by uuid REFERENCES users(id) ON DELETE SET NULL,
      decided_at timestamptz,
      response jsonb,
      outcome text,
      created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX idx_approval_requests_pending ON approval_requests (status, created_at)",
    "CREATE INDEX idx_approval_requests_thread ON approval_requests (thread_id)",
]

DOWNGRADE = [
    "DROP TABLE approval_requests",
    "DROP TABLE agent_runs",
    "DROP TABLE checkpoint_writes",
    "DROP TABLE checkpoint_blobs",
    "DROP TABLE checkpoints",
    "DROP TABLE checkpoint_migrations",
]


def upgrade() -> None:
    for version, statement in enumerate(PostgresSaver.MIGRATIONS):
        op.execute(statement.replace("CONCURRENTLY ", ""))
        if version > 0:  # the first statement creates the table that records versions
            op.execute(f"INSERT INTO checkpoint_migrations (v) VALUES ({version})")
    op.execute("INSERT INTO checkpoint_migrations (v) VALUES (0)")
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
