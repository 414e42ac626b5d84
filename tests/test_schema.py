"""The schema: the seed's strategic_plans exactly, migrations both ways, models in agreement."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import schema
from core.database import make_engine
from core.models import Base
from core.settings import DatabaseSettings
from migrations.queue_objects import include_name

# The planning dashboard's seed DDL: (column, type, default) of strategic_plans.
SEED_COLUMNS = [
    ("id", "uuid", "gen_random_uuid()"),
    ("plan_type", "text", None),
    ("fiscal_year", "integer", "2026"),
    ("primary_owner", "text", None),
    ("primary_owner_role", "text", None),
    ("collaborators", "ARRAY", "'{}'::text[]"),
    ("territory", "text", None),
    ("client_id", "uuid", None),
    ("client_name", "text", None),
    ("portfolio_data", "jsonb", "'[]'::jsonb"),
    ("snapshot_data", "jsonb", "'{}'::jsonb"),
    ("stakeholders_data", "jsonb", "'[]'::jsonb"),
    ("opportunities_data", "jsonb", "'[]'::jsonb"),
    ("targets_data", "jsonb", "'{}'::jsonb"),
    ("risks_data", "jsonb", "'[]'::jsonb"),
    ("actions_data", "jsonb", "'[]'::jsonb"),
    ("value_data", "jsonb", "'{}'::jsonb"),
    ("comments", "jsonb", "'[]'::jsonb"),
    ("activity_log", "jsonb", "'[]'::jsonb"),
    ("active_editors", "jsonb", "'[]'::jsonb"),
    ("status", "text", "'draft'::text"),
    ("completion_percentage", "integer", "0"),
    ("steps_completed", "jsonb", "'{}'::jsonb"),
    ("submitted_at", "timestamp with time zone", None),
    ("submitted_by", "text", None),
    ("approved_by", "text", None),
    ("approved_at", "timestamp with time zone", None),
    ("created_at", "timestamp with time zone", "now()"),
    ("updated_at", "timestamp with time zone", "now()"),
]
SEED_INDEXES = {
    "idx_strategic_plans_owner",
    "idx_strategic_plans_type",
    "idx_strategic_plans_fiscal_year",
    "idx_strategic_plans_status",
    "idx_strategic_plans_client",
}


def test_strategic_plans_keeps_the_seed_columns(session: Session) -> None:
    rows = session.execute(
        text(
            "SELECT column_name, data_type, column_default FROM information_schema.columns "
            "WHERE table_name = 'strategic_plans' ORDER BY ordinal_position"
        )
    ).all()
    actual = [tuple(row) for row in rows]
    assert actual[: len(SEED_COLUMNS)] == SEED_COLUMNS
    assert {name for name, _, _ in actual[len(SEED_COLUMNS) :]} == {"version", "owner_id"}


def test_strategic_plans_keeps_the_seed_indexes_and_trigger(session: Session) -> None:
    indexes = set(
        session.scalars(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'strategic_plans'")
        )
    )
    assert indexes >= SEED_INDEXES
    trigger = session.scalar(
        text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'strategic_plans'::regclass "
            "AND NOT tgisinternal"
        )
    )
    assert trigger == "strategic_plans_notify"


@pytest.mark.parametrize(
    ("plan_type", "with_client", "allowed"),
    [
        ("territory", False, True),
        ("territory", True, False),
        ("account", True, True),
        ("account", False, False),
        ("hybrid", True, True),
        ("hybrid", False, True),
    ],
)
def test_valid_plan_type_check(
    session: Session, plan_type: str, with_client: bool, allowed: bool
) -> None:
    client_id = None
    if with_client:
        client_id = session.scalar(
            text(
                "INSERT INTO clients (name, territory, region) VALUES ('X', 'VIC', 'ANZ') "
                "RETURNING id"
            )
        )
    insert = text(
        "INSERT INTO strategic_plans (plan_type, primary_owner, client_id) VALUES (:t, 'A', :c)"
    )
    if allowed:
        session.execute(insert, {"t": plan_type, "c": client_id})
    else:
        with pytest.raises(IntegrityError, match="valid_plan_type"):
            session.execute(insert, {"t": plan_type, "c": client_id})


def test_status_check_refuses_unknown_status(session: Session) -> None:
    with pytest.raises(IntegrityError, match="status_check"):
        session.execute(
            text(
                "INSERT INTO strategic_plans (plan_type, primary_owner, status) "
                "VALUES ('territory', 'A', 'done')"
            )
        )


def test_update_notifies_plan_updates(engine: Engine, db_settings: DatabaseSettings) -> None:
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute("LISTEN plan_updates")
        with engine.begin() as conn:
            plan_id = conn.scalar(
                text(
                    "INSERT INTO strategic_plans (plan_type, primary_owner) "
                    "VALUES ('territory', 'Tracey Bland') RETURNING id"
                )
            )
            conn.execute(
                text("UPDATE strategic_plans SET territory = 'VIC' WHERE id = :i"), {"i": plan_id}
            )
        try:
            notice = next(listener.notifies(timeout=5))
            assert notice.channel == "plan_updates"
            assert str(plan_id) in notice.payload
            assert "Tracey Bland" in notice.payload
        finally:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM strategic_plans WHERE id = :i"), {"i": plan_id})


def test_generated_columns(session: Session) -> None:
    client = session.scalar(
        text("INSERT INTO clients (name, territory, region) VALUES ('G', 'SA', 'ANZ') RETURNING id")
    )
    opp = session.execute(
        text(
            "INSERT INTO pipeline_opportunities (name, client_id, probability, acv) "
            "VALUES ('Deal', :c, 40, 250000) RETURNING id, weighted_acv"
        ),
        {"c": client},
    ).one()
    assert str(opp.weighted_acv) == "100000.00"
    total = session.scalar(
        text(
            "INSERT INTO meddpicc_scores (opportunity_id, metrics, champion, competition) "
            "VALUES (:o, 4, 5, 2) RETURNING total_score"
        ),
        {"o": opp.id},
    )
    assert total == 11


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_and_downgrade_round_trip(pg_data_dir: Path) -> None:
    settings = DatabaseSettings(url=None, data_dir=pg_data_dir, name=f"m_{uuid.uuid4().hex[:8]}")
    engine = make_engine(settings)
    try:
        schema.upgrade(engine)
        assert schema.is_current(engine)
        schema.downgrade(engine, "base")
        assert schema.current_revision(engine) is None
        with engine.connect() as conn:
            tables = conn.scalar(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_name <> 'alembic_version'"
                )
            )
        assert tables == 0
        schema.upgrade(engine)
        assert schema.is_current(engine)
    finally:
        engine.dispose()
