"""The portfolio the evaluation suites run against: the demo portfolio in a scratch database.

Fixed in time (:data:`TODAY`) so two runs see the same data and give the same figures; the
demo meetings are ingested (for stakeholders) and the portfolio is scored a month ago and
today (for digests and risk). Nothing here touches the user's own database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from agent.checkpoints import open_checkpointer
from agent.context import ModelSettings
from agent.runner import ChaSen
from core.bootstrap import Database, scratch_database
from core.database import transaction
from core.identity import Person
from core.settings import get_settings
from ingest.demo_meetings import ingest_demo_meetings
from ingest.demo_seed import seed_demo
from ingest.transcripts.service import make_ingestor
from planning import directory
from risk.scoring import score_portfolio

TODAY = date(2026, 11, 20)
"""The day every evaluation is run as of."""


@dataclass(frozen=True)
class World:
    """The seeded database and ChaSen on it, answering with ``model``."""

    database: Database
    chasen: ChaSen
    model: ModelSettings
    today: date

    def person(self, email: str) -> Person:
        """The active demo user with this e-mail."""
        with self.database.sessions() as session:
            return Person.of(directory.get_active_user(session, email))


@contextmanager
def eval_world(model: ModelSettings) -> Iterator[World]:
    """The demo portfolio as of :data:`TODAY` in a scratch database, with ChaSen on it."""
    with scratch_database(prefix="chasen-eval-") as db, open_checkpointer(db) as checkpointer:
        with transaction(db.sessions) as session:
            seed_demo(session, today=TODAY)
        ingest_demo_meetings(db.sessions, make_ingestor(get_settings()), TODAY)
        for day in (TODAY - timedelta(days=30), TODAY):
            with transaction(db.sessions) as session:
                score_portfolio(session, as_of=day)
        yield World(db, ChaSen(db, checkpointer, model=model, today=TODAY), model, TODAY)


class LazyWorld:
    """Opens the world the first time a suite asks for it (suites on public data never do)."""

    def __init__(self, model: ModelSettings, stack: ExitStack) -> None:
        self._model = model
        self._stack = stack
        self._world: World | None = None

    def __call__(self) -> World:
        """The world, opened on first use and closed with the run's stack."""
        if self._world is None:
            self._world = self._stack.enter_context(eval_world(self._model))
        return self._world
