"""People and the portfolio: users, clients with history, targets, pipeline, readiness.

Revision ID: 0001
Revises:
Create Date: 2026-11-20
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    """
    CREATE TABLE users (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      name TEXT NOT NULL,
      email TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND position('@' IN email) > 1),
      role TEXT NOT NULL CHECK (role IN ('CSE', 'CAM', 'manager', 'admin')),
      territory TEXT,
      region TEXT,
      slack_user_id TEXT UNIQUE,
      active BOOLEAN NOT NULL DEFAULT TRUE,
      created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
    )
    """,
    """
    CREATE TABLE clients (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      name TEXT NOT NULL UNIQUE,
      segment TEXT,
      territory TEXT NOT NULL,
      region TEXT NOT NULL,
      cse_id UUID REFERENCES users(id) ON DELETE SET NULL,
      cam_id UUID REFERENCES users(id) ON DELETE SET NULL,
      arr NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (arr >= 0),
      health_score INTEGER CHECK (health_score BETWEEN 0 AND 100),
      nps INTEGER CHECK (nps BETWEEN -100 AND 100),
      support_sla_pct NUMERIC(5, 2) CHECK (support_sla_pct BETWEEN 0 AND 100),
      renewal_date DATE,
      created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
    )
    """,
    "CREATE INDEX idx_clients_cse ON clients(cse_id)",
    "CREATE INDEX idx_clients_cam ON clients(cam_id)",
    """
    CREATE TABLE client_health_history (
      client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      recorded_on DATE NOT NULL,
      health_score INTEGER CHECK (health_score BETWEEN 0 AND 100),
      nps INTEGER CHECK (nps BETWEEN -100 AND 100),
      arr NUMERIC(14, 2) CHECK (arr >= 0),
      PRIMARY KEY (client_id, recorded_on)
    )
    """,
    """
    CREATE TABLE client_support_history (
      client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      month DATE NOT NULL CHECK (extract(day FROM month) = 1),
      tickets_opened INTEGER NOT NULL DEFAULT 0 CHECK (tickets_opened >= 0),
      sla_breaches INTEGER NOT NULL DEFAULT 0 CHECK (sla_breaches >= 0),
      p1_open INTEGER NOT NULL DEFAULT 0 CHECK (p1_open >= 0),
      sla_met_pct NUMERIC(5, 2) CHECK (sla_met_pct BETWEEN 0 AND 100),
      PRIMARY KEY (client_id, month)
    )
    """,
    """
    CREATE TABLE cse_cam_targets (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      fiscal_year INTEGER NOT NULL,
      quarter SMALLINT NOT NULL CHECK (quarter BETWEEN 1 AND 4),
      weighted_acv_target NUMERIC(14, 2) NOT NULL DEFAULT 0,
      weighted_acv_actual NUMERIC(14, 2) NOT NULL DEFAULT 0,
      acv_net_cogs_target NUMERIC(14, 2) NOT NULL DEFAULT 0,
      acv_net_cogs_actual NUMERIC(14, 2) NOT NULL DEFAULT 0,
      total_acv_target NUMERIC(14, 2) NOT NULL DEFAULT 0,
      total_acv_actual NUMERIC(14, 2) NOT NULL DEFAULT 0,
      tcv_target NUMERIC(14, 2) NOT NULL DEFAULT 0,
      tcv_actual NUMERIC(14, 2) NOT NULL DEFAULT 0,
      UNIQUE (user_id, fiscal_year, quarter)
    )
    """,
    """
    CREATE TABLE pipeline_opportunities (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      name TEXT NOT NULL,
      client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      owner_id UUID REFERENCES users(id) ON DELETE SET NULL,
      stage TEXT NOT NULL DEFAULT 'qualify' CHECK (stage IN
        ('prospect', 'qualify', 'develop', 'propose', 'negotiate', 'closed_won', 'closed_lost')),
      probability NUMERIC(5, 2) NOT NULL DEFAULT 0 CHECK (probability BETWEEN 0 AND 100),
      acv NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (acv >= 0),
      tcv NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (tcv >= 0),
      weighted_acv NUMERIC(14, 2) GENERATED ALWAYS AS (round(acv * probability / 100, 2)) STORED,
      close_date DATE,
      fiscal_year INTEGER,
      quarter SMALLINT CHECK (quarter BETWEEN 1 AND 4),
      in_target BOOLEAN NOT NULL DEFAULT FALSE,
      focus_deal BOOLEAN NOT NULL DEFAULT FALSE,
      rats_and_mice BOOLEAN NOT NULL DEFAULT FALSE,
      burc_match BOOLEAN NOT NULL DEFAULT FALSE,
      burc_source_sheet TEXT,
      external_id TEXT UNIQUE,
      created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
      UNIQUE (client_id, name)
    )
    """,
    "CREATE INDEX idx_pipeline_owner ON pipeline_opportunities(owner_id)",
    """
    CREATE TABLE meddpicc_scores (
      opportunity_id UUID PRIMARY KEY REFERENCES pipeline_opportunities(id) ON DELETE CASCADE,
      metrics SMALLINT NOT NULL DEFAULT 0 CHECK (metrics BETWEEN 0 AND 5),
      economic_buyer SMALLINT NOT NULL DEFAULT 0 CHECK (economic_buyer BETWEEN 0 AND 5),
      decision_criteria SMALLINT NOT NULL DEFAULT 0 CHECK (decision_criteria BETWEEN 0 AND 5),
      decision_process SMALLINT NOT NULL DEFAULT 0 CHECK (decision_process BETWEEN 0 AND 5),
      paper_process SMALLINT NOT NULL DEFAULT 0 CHECK (paper_process BETWEEN 0 AND 5),
      identify_pain SMALLINT NOT NULL DEFAULT 0 CHECK (identify_pain BETWEEN 0 AND 5),
      champion SMALLINT NOT NULL DEFAULT 0 CHECK (champion BETWEEN 0 AND 5),
      competition SMALLINT NOT NULL DEFAULT 0 CHECK (competition BETWEEN 0 AND 5),
      total_score SMALLINT GENERATED ALWAYS AS (metrics + economic_buyer + decision_criteria
        + decision_process + paper_process + identify_pain + champion + competition) STORED,
      notes TEXT,
      assessed_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
    )
    """,
    """
    CREATE TABLE conversation_readiness (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      owner_id UUID REFERENCES users(id) ON DELETE SET NULL,
      meeting_title TEXT NOT NULL,
      meeting_at TIMESTAMPTZ NOT NULL,
      value_wedge SMALLINT NOT NULL CHECK (value_wedge BETWEEN 1 AND 5),
      power_position SMALLINT NOT NULL CHECK (power_position BETWEEN 1 AND 5),
      pain_articulation SMALLINT NOT NULL CHECK (pain_articulation BETWEEN 1 AND 5),
      proof_points SMALLINT NOT NULL CHECK (proof_points BETWEEN 1 AND 5),
      old_brain SMALLINT NOT NULL CHECK (old_brain BETWEEN 1 AND 5),
      checklist JSONB NOT NULL DEFAULT '{}',
      overall_readiness NUMERIC(3, 2) GENERATED ALWAYS AS (round((value_wedge + power_position
        + pain_articulation + proof_points + old_brain)::numeric / 5, 2)) STORED,
      created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
      UNIQUE (client_id, meeting_title, meeting_at)
    )
    """,
]

DOWNGRADE = [
    "DROP TABLE conversation_readiness",
    "DROP TABLE meddpicc_scores",
    "DROP TABLE pipeline_opportunities",
    "DROP TABLE cse_cam_targets",
    "DROP TABLE client_support_history",
    "DROP TABLE client_health_history",
    "DROP TABLE clients",
    "DROP TABLE users",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
