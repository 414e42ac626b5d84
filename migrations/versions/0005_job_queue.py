"""The job queue: procrastinate's tables, types, functions and triggers.

The schema is procrastinate's own ``schema.sql``, read from the installed package when the
migration runs (never copied here), so it always matches the procrastinate this code runs on.
Every object it creates is named ``procrastinate_*`` (two indexes ``idx_procrastinate_*``, which
go with their tables); ``migrations/queue_objects.py`` keeps them out of the comparison between
ChaSen's models and the database.

Upgrading procrastinate to a version whose schema changes (its release notes say so, and
``procrastinate/sql/migrations/`` gains files) needs a new ChaSen migration that applies those
migration scripts in order; this one only ever creates the schema from nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Found by name rather than listed, so the downgrade drops whatever this procrastinate's
# schema created. Tables first (their triggers, indexes and sequences go with them), then the
# functions (some take the composite type), then the types.
DOWNGRADE = r"""
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.oid FROM pg_class c
    WHERE c.relkind = 'r' AND c.relname LIKE 'procrastinate\_%'
      AND c.relnamespace = current_schema()::regnamespace
  LOOP
    EXECUTE 'DROP TABLE IF EXISTS ' || r.oid::regclass::text || ' CASCADE';
  END LOOP;
  FOR r IN
    SELECT p.oid FROM pg_proc p
    WHERE p.proname LIKE 'procrastinate\_%'
      AND p.pronamespace = current_schema()::regnamespace
  LOOP
    EXECUTE 'DROP FUNCTION IF EXISTS ' || r.oid::regprocedure::text;
  END LOOP;
  FOR r IN
    SELECT t.oid FROM pg_type t
    WHERE t.typtype IN ('e', 'c') AND t.typname LIKE 'procrastinate\_%'
      AND t.typnamespace = current_schema()::regnamespace
  LOOP
    EXECUTE 'DROP TYPE IF EXISTS ' || r.oid::regtype::text;
  END LOOP;
END
$$
"""


def _execute_script(script: str) -> None:
    # Straight to psycopg without parameters: several statements in one go (simple query
    # protocol), the literal '%' in RAISE messages untouched, no ':name' bind parsing.
    op.get_bind().exec_driver_sql(script, execution_options={"no_parameters": True})


def upgrade() -> None:
    _execute_script(SchemaManager.get_schema())


def downgrade() -> None:
    _execute_script(DOWNGRADE)
