"""ChaSen's configuration: the one place that reads the environment.

Each group is its own settings class so that conventional variable names (``DATABASE_URL``)
work alongside ChaSen's own (``CHASEN_DB_DATA_DIR``). Everything else asks ``get_settings()``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return platformdirs.user_data_path("chasen") / "pgdata"


def _default_shared_data() -> Path:
    # Public data for evaluations and benchmarks sits beside the project, never inside it.
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


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
    # The API serves many requests at once per process; a pool smaller than that opens and
    # closes overflow connections on every burst.
    pool_size: int = Field(default=20, ge=1)
    connect_timeout_s: int = Field(default=5, ge=1)
    echo: bool = False


class OpenAISettings(BaseSettings):
    """The model service: OpenAI itself, or any OpenAI-compatible server at ``base_url``."""

    model_config = SettingsConfigDict(env_prefix="OPENAI_", env_file=".env", extra="ignore")

    api_key: SecretStr | None = None
    base_url: str | None = None
    embedding_model: str = Field(
        default="text-embedding-3-small",
        validation_alias=AliasChoices("CHASEN_OPENAI_EMBEDDING_MODEL", "OPENAI_EMBEDDING_MODEL"),
    )
    chat_model: str = Field(
        default="gpt-4o-mini",
        validation_alias=AliasChoices("CHASEN_CHAT_MODEL", "OPENAI_CHAT_MODEL"),
        description="Chat model the agent uses on that service.",
    )
    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0)

    @property
    def configured(self) -> bool:
        """True when a key or a compatible server is set: then the real model is used."""
        return self.api_key is not None or self.base_url is not None


class EmbeddingSettings(BaseSettings):
    """Which embedder turns transcript chunks into vectors."""

    model_config = SettingsConfigDict(
        env_prefix="CHASEN_EMBEDDINGS_", env_file=".env", extra="ignore"
    )

    provider: Literal["auto", "local", "openai"] = Field(
        default="auto", description="auto: OpenAI when configured, else the local MiniLM model."
    )
    batch_size: int = Field(default=32, ge=1, le=2048)


class TranscriptSettings(BaseSettings):
    """How transcripts are read and cut into chunks."""

    model_config = SettingsConfigDict(
        env_prefix="CHASEN_TRANSCRIPTS_", env_file=".env", extra="ignore"
    )

    max_bytes: int = Field(default=20 * 1024 * 1024, ge=1, description="Largest file accepted.")
    chunk_tokens: int = Field(default=200, ge=16, le=2000)
    chunk_overlap: int = Field(default=40, ge=0)
    encoding: str = Field(default="o200k_base", description="tiktoken encoding for counting.")


class SlackSettings(BaseSettings):
    """The Slack workspace ChaSen posts to (digests) and answers in (the Slack app)."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, description="Bot token (xoxb-...).")
    signing_secret: SecretStr | None = Field(
        default=None, description="Verifies that requests to the Slack app come from Slack."
    )
    app_token: SecretStr | None = Field(
        default=None, description="App-level token (xapp-...) for Socket Mode (chasen slack)."
    )
    api_url: str = Field(
        default="https://slack.com/api/",
        description="Base URL of the Slack Web API (tests point it at a local mock).",
    )
    digest_channel: str | None = Field(
        default=None, description="Channel id or name that receives the team digests."
    )

    @property
    def configured(self) -> bool:
        """True when a non-empty bot token is set: then ChaSen can post to Slack."""
        return self.bot_token is not None and bool(self.bot_token.get_secret_value())


class ApiSettings(BaseSettings):
    """The HTTP API: who may call it and how much they may send."""

    model_config = SettingsConfigDict(
        env_prefix="CHASEN_API_", env_file=".env", extra="ignore", validate_by_name=True
    )

    jwt_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("CHASEN_API_JWT_SECRET", "SUPABASE_JWT_SECRET"),
        description="HS256 secret of the bearer tokens (Supabase's JWT secret); unset: a "
        "secret of this installation, kept in the user data folder.",
    )
    jwt_audience: str | None = Field(
        default=None, description="Required 'aud' claim (Supabase: 'authenticated'); unset: any."
    )
    api_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Service API keys (JSON: key -> the e-mail of the user the service acts as).",
    )
    cors_origins: list[str] = Field(default_factory=list, description="Allowed browser origins.")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest JSON body.")
    token_ttl_s: int = Field(default=3600, ge=60, description="Lifetime of `chasen token`.")


class Settings(BaseSettings):
    """All of ChaSen's settings, in nested groups."""

    model_config = SettingsConfigDict(env_prefix="CHASEN_", env_file=".env", extra="ignore")

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    transcripts: TranscriptSettings = Field(default_factory=TranscriptSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    log_level: str = "WARNING"
    shared_data: Path = Field(
        default_factory=_default_shared_data,
        description="Public data for evaluations and benchmarks (the folder holding transcripts/).",
    )

    @property
    def shared_transcripts(self) -> Path:
        """The public transcripts: ``<shared_data>/transcripts``, or ``shared_data`` itself when
        it names the transcripts folder directly."""
        nested = self.shared_data / "transcripts"
        return nested if nested.is_dir() else self.shared_data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment and ``.env``."""
    return Settings()
