"""What every tool call runs with: the person asking, the database, today, and budgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session, sessionmaker

from core.identity import Person
from core.settings import get_settings
from ingest.transcripts.embedding import Embedder, make_embedder

DEFAULT_RESULT_TOKENS = 1200
"""Budget of one tool result, so that a few results and the conversation fit one prompt."""


def _configured_embedder() -> Embedder:
    settings = get_settings()
    return make_embedder(settings.embeddings, settings.openai)


@dataclass
class ToolContext:
    """The acting person and their data access; tools act with this person's permissions."""

    person: Person
    sessions: sessionmaker[Session]
    today: date
    result_tokens: int = DEFAULT_RESULT_TOKENS
    embedder_factory: Callable[[], Embedder] = field(default=_configured_embedder)

    @cached_property
    def embedder(self) -> Embedder:
        """The transcript embedder, loaded on first use (search only)."""
        return self.embedder_factory()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for a read-only tool; nothing it does is committed."""
        with self.sessions() as session:
            try:
                yield session
            finally:
                session.rollback()


class ToolArgs(BaseModel):
    """Base of the read tools' argument models: unknown arguments are refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
