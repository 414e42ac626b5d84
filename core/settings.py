"""ChaSen's configuration: the one place that reads the environment.

Each group is its own settings class so that conventional variable names (``DATABASE_URL``)
work alongside ChaSen's own (``CHASEN_DB_DATA_DIR``). Everything else asks ``get_settings()``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return platformdirs.user_data_path("chasen") / "pgdata"


class DatabaseSettings(BaseSettings):
    """Where the data lives: any Postgres with pgvector, or the embedded default."""

    model_config = SettingsConfigDict(
        env_prefix="CHASEN_DB_", env_file=".env", extra="ignore", validate_by_name=True
    )

    url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "CHASEN_DB_URL"),
        description="SQLAlchemy or libpq URL of a Postgres with pgvector; unset: embedded server.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Data folder of the embedded server (used only when no URL is set).",
    )
    name: str = Field(default="chasen", description="Database created in the embedded server.")
    pool_size: int = Field(default=5, ge=1)
    connect_timeout_s: int = Field(default=5, ge=1)
    echo: bool = False


class Settings(BaseSettings):
    """All of ChaSen's settings, in nested groups."""

    model_config = SettingsConfigDict(env_prefix="CHASEN_", env_file=".env", extra="ignore")

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log_level: str = "WARNING"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment and ``.env``."""
    return Settings()
