"""Settings, connecting, the embedded server shared by processes, and transactions."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from core.bootstrap import open_database
from core.database import make_engine, normalise_url, transaction
from core.embedded import start_embedded
from core.errors import DatabaseUnavailableError, SchemaOutdatedError
from core.models import Client
from core.settings import DatabaseSettings, Settings


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:s3cret@db.internal:5432/chasen")
    monkeypatch.setenv("CHASEN_DB_POOL_SIZE", "9")
    settings = Settings()
    assert settings.database.url is not None
    assert settings.database.url.get_secret_value().endswith("/chasen")
    assert "s3cret" not in repr(settings)
    assert settings.database.pool_size == 9


def test_without_database_url_the_embedded_server_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CHASEN_DB_DATA_DIR", str(tmp_path / "pg"))
    settings = Settings()
    assert settings.database.url is None
    assert settings.database.data_dir == tmp_path / "pg"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        (
            "postgresql://u@h:5433/db?sslmode=require",
            "postgresql+psycopg://u@h:5433/db?sslmode=require",
        ),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_urls_are_normalised_to_psycopg(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_refused_connection_is_a_clear_error_naming_database_url() -> None:
    settings = DatabaseSettings(
        url="postgresql://chasen:hunter2@127.0.0.1:1/none", connect_timeout_s=2
    )
    with pytest.raises(DatabaseUnavailableError, match="DATABASE_URL") as caught:
        make_engine(settings)
    assert "hunter2" not in caught.value.message
    assert "127.0.0.1:1/none" in caught.value.message


def test_several_processes_share_one_embedded_server(
    engine: Engine, pg_data_dir: Path, db_settings: DatabaseSettings
) -> None:
    """Another process joins the running server, writes, exits; ours keeps working."""
    name = f"probe-{uuid.uuid4().hex[:8]}"
    script = (
        "import sys; from pathlib import Path; from sqlalchemy import create_engine, text;"
        "from core.embedded import start_embedded;"
        "url = start_embedded(Path(sys.argv[1]), sys.argv[2]);"
        "e = create_engine(url);"
        'c = e.connect(); c.execute(text("INSERT INTO clients (name, territory, region) '
        "VALUES (:n, 'SA', 'Australia+NZ')\"), {'n': sys.argv[3]}); c.commit(); c.close()"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(pg_data_dir), db_settings.name, name],
        check=True,
        timeout=120,
    )
    with engine.begin() as conn:
        found = conn.scalar(text("SELECT count(*) FROM clients WHERE name = :n"), {"n": name})
        conn.execute(text("DELETE FROM clients WHERE name = :n"), {"n": name})
    assert found == 1


def test_a_database_behind_the_code_is_refused_unless_migrated(pg_data_dir: Path) -> None:
    """A DATABASE_URL database is not migrated behind its owner's back."""
    url = start_embedded(pg_data_dir, f"behind_{uuid.uuid4().hex[:8]}")
    settings = Settings(database=DatabaseSettings(url=url))
    with pytest.raises(SchemaOutdatedError, match="chasen db upgrade"):
        open_database(settings)
    db = open_database(settings, migrate=True)
    try:
        assert not db.embedded
        assert "DATABASE_URL" in db.describe()
    finally:
        db.close()


def test_transaction_rolls_back_everything_on_error(engine: Engine) -> None:
    from core.database import session_factory

    name = f"rollback-{uuid.uuid4().hex[:8]}"
    with pytest.raises(RuntimeError), transaction(session_factory(engine)) as session:
        session.add(Client(name=name, territory="SA", region="Australia+NZ"))
        session.flush()
        raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM clients WHERE name = :n"), {"n": name}) == 0


@pytest.mark.parametrize("url", ["garbage", "postgresql://host:notaport/db"])
def test_malformed_database_url_is_a_clear_error(url: str) -> None:
    with pytest.raises(DatabaseUnavailableError, match="DATABASE_URL"):
        make_engine(DatabaseSettings(url=url))
