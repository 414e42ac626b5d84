"""The runtime context of a graph run: who is asking, where the data is, which model, budgets.

Passed to every run (``graph.invoke(..., context=...)``) rather than kept in globals, so one
compiled graph serves every user; a resumed run gets the context of the person resuming it (the
approver), never the one it was started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from core.bootstrap import Database, open_database
from core.errors import ConfigurationError
from core.identity import Person
from core.settings import OpenAISettings, get_settings
from planning import directory
from tools.context import DEFAULT_RESULT_TOKENS, ToolContext


@dataclass(frozen=True)
class ModelSettings:
    """Which chat model to use, and how patiently."""

    name: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: str | None = None
    timeout_s: float = 30.0
    max_retries: int = 2
    offline: bool = True

    @classmethod
    def from_settings(cls, openai: OpenAISettings | None = None) -> ModelSettings:
        """From ``OPENAI_*``: the configured service, or offline when none is."""
        openai = openai or get_settings().openai
        return cls(
            name=openai.chat_model,
            base_url=openai.base_url,
            api_key=openai.api_key.get_secret_value() if openai.api_key else None,
            timeout_s=openai.timeout_s,
            max_retries=openai.max_retries,
            offline=not openai.configured,
        )

    @property
    def label(self) -> str:
        """What answered: the model's name, or the offline planner."""
        return "offline" if self.offline else self.name


@dataclass(frozen=True)
class Budgets:
    """Bounds on one turn: model steps, prompt tokens, tokens per tool result."""

    max_steps: int = 8
    prompt_tokens: int = 12_000
    tool_result_tokens: int = DEFAULT_RESULT_TOKENS
    narrative_facts_tokens: int = 3_000


_databases: dict[str, Database] = {}


@dataclass
class ChaSenContext:
    """Everything a run needs besides its state; ``user_email`` names the acting person."""

    user_email: str = ""
    person: Person | None = None
    sessions: sessionmaker[Session] | None = None
    today: date | None = None
    model: ModelSettings = field(default_factory=ModelSettings.from_settings)
    budgets: Budgets = field(default_factory=Budgets)
    decider: Person | None = None
    """On a run resumed by a decision, the person deciding; the run itself goes on acting for
    the person who asked (its tools keep the asker's reach)."""

    def session_factory(self) -> sessionmaker[Session]:
        """The database sessions of this run (the configured database when none was given)."""
        if self.sessions is None:
            # A dev server or Studio passes only JSON: open the configured database once.
            if "default" not in _databases:
                _databases["default"] = open_database()
            self.sessions = _databases["default"].sessions
        return self.sessions

    def acting_person(self) -> Person:
        """The person the run acts for; every tool runs with their permissions."""
        if self.person is None:
            if not self.user_email:
                raise ConfigurationError(
                    "no acting user: pass the person (or user_email) in the run's context"
                )
            with self.session_factory()() as session:
                self.person = Person.of(directory.get_active_user(session, self.user_email))
        return self.person

    def deciding_person(self) -> Person:
        """The person whose decision a resumed run applies (the asker when none is given)."""
        return self.decider or self.acting_person()

    def day(self) -> date:
        """Today for this run (fixed in tests and evaluations)."""
        return self.today or date.today()

    def tools(self) -> ToolContext:
        """The tool context: this person, this database, today, the result budget."""
        return ToolContext(
            person=self.acting_person(),
            sessions=self.session_factory(),
            today=self.day(),
            result_tokens=self.budgets.tool_result_tokens,
        )
