"""Churn risk: renewal outcomes, versioned models, stored predictions, digest schedules.

``renewal_outcomes`` is the labelled history a model learns from (one row per client renewal).
``risk_models`` keeps every model ever used, the transparent scorecard included, so that each
row of ``risk_predictions`` names the model version and the inputs it was scored on; digests
compare a client's latest prediction with its prediction at the start of the period.
``digest_schedules`` say who gets a digest and when (cron in the recipient's time zone);
``digest_deliveries`` record each period's digest once (``UNIQUE (schedule_id, period_end)`` is
the idempotency key that stops two workers from sending the same digest twice).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BANDS = "('low', 'medium', 'high', 'critical')"

UPGRADE = [
    "ALTER TABLE users ADD COLUMN timezone text NOT NULL DEFAULT 'UTC'",
    """
    CREATE TABLE renewal_outcomes (
      client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      renewal_date date NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('renewed', 'churned')),
      arr numeric(14, 2),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (client_id, renewal_date)
    )
    """,
    """
    CREATE TABLE risk_models (
      version integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('scorecard', 'trained')),
      feature_set text NOT NULL,
      description text NOT NULL,
      params jsonb NOT NULL DEFAULT '{}'::jsonb,
      metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
      trained_rows integer,
      artifact bytea,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ck_risk_models_artifact CHECK ((kind = 'trained') = (artifact IS NOT NULL))
    )
    """,
    "CREATE INDEX idx_risk_models_feature_set ON risk_models (feature_set, version)",
    f"""
    CREATE TABLE risk_predictions (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      model_version integer NOT NULL REFERENCES risk_models(version),
      as_of date NOT NULL,
      scored_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL CHECK (status IN ('scored', 'insufficient_data')),
      probability double precision CHECK (probability BETWEEN 0 AND 1),
      score double precision CHECK (score BETWEEN 0 AND 100),
      band text CHECK (band IN {BANDS}),
      reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
      inputs jsonb NOT NULL,
      CONSTRAINT uq_risk_predictions UNIQUE (client_id, model_version, as_of),
      CONSTRAINT ck_risk_predictions_scored
        CHECK ((status = 'scored') = (band IS NOT NULL AND score IS NOT NULL))
    )
    """,
    "CREATE INDEX idx_risk_predictions_client ON risk_predictions (client_id, scored_at DESC)",
    """
    CREATE TABLE digest_schedules (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      scope text NOT NULL CHECK (scope IN ('owner', 'region')),
      region text,
      cron text NOT NULL,
      timezone text,
      channel text,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ck_digest_schedules_region CHECK ((scope = 'region') = (region IS NOT NULL)),
      CONSTRAINT uq_digest_schedules UNIQUE NULLS NOT DISTINCT (user_id, scope, region)
    )
    """,
    """
    CREATE TABLE digest_deliveries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      schedule_id uuid NOT NULL REFERENCES digest_schedules(id) ON DELETE CASCADE,
      period_start timestamptz NOT NULL,
      period_end timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      channel text,
      message_ts text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      CONSTRAINT uq_digest_deliveries_period UNIQUE (schedule_id, period_end)
    )
    """,
    "CREATE INDEX idx_digest_deliveries_status ON digest_deliveries (status, updated_at)",
]

DOWNGRADE = [
    "DROP TABLE digest_deliveries",
    "DROP TABLE digest_schedules",
    "DROP TABLE risk_predictions",
    "DROP TABLE risk_models",
    "DROP TABLE renewal_outcomes",
    "ALTER TABLE users DROP COLUMN timezone",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
