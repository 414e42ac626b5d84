"""Scoring a 10,000-client portfolio end to end, and composing digests for 5,000 clients.

Scoring runs what the nightly job runs: features from the database (one statement over the
history tables), the trained model with per-client reasons, and every prediction stored. The
floor beside it is the least any scorer pays on the same data in the same run: reading the same
history rows once with plain SQL and COPYing the same number of prediction rows. Digests are
composed (stored predictions compared across the week, reasons, Block Kit and Markdown) for 50
owners covering 5,000 clients.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from sqlalchemy import select, text

from bench.result import Result
from core.bootstrap import Database, scratch_database
from core.database import transaction
from core.models import User
from ingest.simulated_portfolio import simulate_portfolio
from risk.digest import compose_digest
from risk.digest_render import to_blocks, to_markdown
from risk.scoring import score_portfolio
from risk.training import train_portfolio_model

NAME = "risk_portfolio"
SCORING_BUDGET_S = 2.0
DIGEST_BUDGET_S = 5.0
TODAY = date(2026, 11, 20)


def _floor(db: Database, clients: int) -> float:
    """Read the same history rows and COPY as many prediction-sized rows: no model, no logic."""
    began = time.perf_counter()
    with transaction(db.sessions) as session:
        for table, column in (
            ("client_health_history", "recorded_on"),
            ("client_support_history", "month"),
        ):
            session.execute(
                text(f"SELECT * FROM {table} WHERE {column} > :since"),
                {"since": TODAY - timedelta(days=500)},
            ).all()
        session.execute(
            text(
                "CREATE TEMP TABLE floor_out (client_id uuid, score float8, reasons jsonb) "
                "ON COMMIT DROP"
            )
        )
        session.execute(
            text(
                "INSERT INTO floor_out SELECT id, random() * 100, "
                "jsonb_build_array(jsonb_build_object('text', name)) FROM clients LIMIT :n"
            ),
            {"n": clients},
        )
    return time.perf_counter() - began


def _scoring(db: Database, clients: int, repeats: int) -> Result:
    with transaction(db.sessions) as session:
        portfolio = simulate_portfolio(session, clients=clients, today=TODAY, seed=11)
    with transaction(db.sessions) as session:
        version = train_portfolio_model(session, seed=1).version
    ours, floors = [], []
    for i in range(repeats):
        began = time.perf_counter()
        with transaction(db.sessions) as session:
            report = score_portfolio(
                session, as_of=TODAY - timedelta(days=i), client_ids=portfolio.client_ids
            )
        ours.append(time.perf_counter() - began)
        floors.append(_floor(db, clients))
    assert report.model_version == version and len(report.predictions) == clients
    return Result.budget(
        bench="risk_scoring_10k" if clients == 10_000 else f"risk_scoring_{clients}",
        ours=statistics.median(ours),
        limit=SCORING_BUDGET_S,
        unit="s",
        note=(
            f"{clients:,} clients scored by the trained model with reasons and stored, median of "
            f"{repeats}, vs the {SCORING_BUDGET_S:.0f} s budget; floor (plain read of the same "
            f"history + {clients:,} rows written) = {statistics.median(floors):.2f} s"
        ),
    )


def _digests(db: Database, clients: int, owners: int) -> Result:
    with transaction(db.sessions) as session:
        portfolio = simulate_portfolio(
            session, clients=clients, today=TODAY, owners=owners, seed=12, prefix="Digest"
        )
    for as_of in (TODAY - timedelta(days=7), TODAY):
        with transaction(db.sessions) as session:
            score_portfolio(session, as_of=as_of, client_ids=portfolio.client_ids)
    began = time.perf_counter()
    items = 0
    with transaction(db.sessions) as session:
        for user in session.scalars(select(User).where(User.id.in_(portfolio.owner_ids))):
            digest = compose_digest(
                session, user, period_start=TODAY - timedelta(days=7), period_end=TODAY
            )
            to_blocks(digest)
            to_markdown(digest)
            items += len(digest.items)
    elapsed = time.perf_counter() - began
    return Result.budget(
        bench="risk_digests_5k" if clients == 5_000 else f"risk_digests_{clients}",
        ours=elapsed,
        limit=DIGEST_BUDGET_S,
        unit="s",
        note=(
            f"{owners} owners' digests over {clients:,} clients ({items} items) composed as "
            f"Block Kit and Markdown vs the {DIGEST_BUDGET_S:.0f} s budget"
        ),
    )


def run(quick: bool = False) -> list[Result]:
    """Both measurements on a fresh embedded database."""
    clients, digest_clients, repeats = (2_000, 1_000, 2) if quick else (10_000, 5_000, 3)
    with scratch_database() as db:
        return [_scoring(db, clients, repeats), _digests(db, digest_clients, owners=50)]
