"""Strategic plans and their collaboration tables, as the planning dashboard's seed DDL has them.

Columns, types, defaults, CHECK constraints, indexes and the ``plan_updates`` trigger are the
seed's, unchanged. Added around them: ``version`` (optimistic concurrency), ``owner_id`` and
foreign keys to ``clients`` and ``users``, and an index for reading a plan's activity in order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-20
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE TABLE strategic_plans (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      plan_type TEXT CHECK (plan_type IN ('territory', 'account', 'hybrid')),
      fiscal_year INTEGER NOT NULL DEFAULT 2026,
      primary_owner TEXT NOT NULL,
      primary_owner_role TEXT,
      collaborators TEXT[] DEFAULT '{}',
      territory TEXT,
      client_id UUID,
      client_name TEXT,
      portfolio_data JSONB DEFAULT '[]',
      snapshot_data JSONB DEFAULT '{}',
      stakeholders_data JSONB DEFAULT '[]',
      opportunities_data JSONB DEFAULT '[]',
      targets_data JSONB DEFAULT '{}',
      risks_data JSONB DEFAULT '[]',
      actions_data JSONB DEFAULT '[]',
      value_data JSONB DEFAULT '{}',
      comments JSONB DEFAULT '[]',
      activity_log JSONB DEFAULT '[]',
      active_editors JSONB DEFAULT '[]',
      status TEXT DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'approved', 'archived')),
      completion_percentage INTEGER DEFAULT 0,
      steps_completed JSONB DEFAULT '{}',
      submitted_at TIMESTAMPTZ,
      submitted_by TEXT,
      approved_by TEXT,
      approved_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ DEFAULT NOW(),
      updated_at TIMESTAMPTZ DEFAULT NOW(),
      CONSTRAINT valid_plan_type CHECK (
        (plan_type = 'territory' AND client_id IS NULL) OR
        (plan_type = 'account' AND client_id IS NOT NULL) OR
        (plan_type = 'hybrid')
      )
    )
    """,
    "CREATE INDEX idx_strategic_plans_owner ON strategic_plans(primary_owner)",
    "CREATE INDEX idx_strategic_plans_type ON strategic_plans(plan_type)",
    "CREATE INDEX idx_strategic_plans_fiscal_year ON strategic_plans(fiscal_year)",
    "CREATE INDEX idx_strategic_plans_status ON strategic_plans(status)",
    "CREATE INDEX idx_strategic_plans_client ON strategic_plans(client_id) "
    "WHERE client_id IS NOT NULL",
    """
    CREATE OR REPLACE FUNCTION notify_plan_update()
    RETURNS TRIGGER AS $$
    BEGIN
      PERFORM pg_notify('plan_updates', json_build_object(
        'plan_id', NEW.id,
        'updated_by', NEW.primary_owner,
        'updated_at', NEW.updated_at
      )::text);
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER strategic_plans_notify
    AFTER UPDATE ON strategic_plans
    FOR EACH ROW EXECUTE FUNCTION notify_plan_update()
    """,
    """
    CREATE TABLE plan_comments (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      plan_id UUID REFERENCES strategic_plans(id) ON DELETE CASCADE,
      parent_id UUID REFERENCES plan_comments(id),
      author TEXT NOT NULL,
      content TEXT NOT NULL,
      entity_type TEXT,
      entity_id TEXT,
      resolved BOOLEAN DEFAULT FALSE,
      resolved_by TEXT,
      resolved_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ DEFAULT NOW(),
      updated_at TIMESTAMPTZ DEFAULT NOW()
    )
    """,
    """
    CREATE TABLE plan_presence (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      plan_id UUID REFERENCES strategic_plans(id) ON DELETE CASCADE,
      user_name TEXT NOT NULL,
      user_role TEXT,
      current_step TEXT,
      last_active TIMESTAMPTZ DEFAULT NOW(),
      UNIQUE(plan_id, user_name)
    )
    """,
    """
    CREATE TABLE plan_activity_log (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      plan_id UUID REFERENCES strategic_plans(id) ON DELETE CASCADE,
      user_name TEXT NOT NULL,
      action TEXT NOT NULL,
      details JSONB,
      created_at TIMESTAMPTZ DEFAULT NOW()
    )
    """,
    # Superset of the seed: concurrency control, owners as users, referential integrity.
    "ALTER TABLE strategic_plans ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE strategic_plans ADD COLUMN owner_id UUID REFERENCES users(id) ON DELETE SET NULL",
    "ALTER TABLE strategic_plans ADD CONSTRAINT fk_strategic_plans_client "
    "FOREIGN KEY (client_id) REFERENCES clients(id) ON DELETE RESTRICT",
    "CREATE INDEX idx_plan_activity_plan ON plan_activity_log(plan_id, created_at)",
    "CREATE INDEX idx_plan_comments_plan ON plan_comments(plan_id, created_at)",
]

DOWNGRADE = [
    "DROP TABLE plan_activity_log",
    "DROP TABLE plan_presence",
    "DROP TABLE plan_comments",
    "DROP TABLE strategic_plans",
    "DROP FUNCTION notify_plan_update()",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
