"""A simulated portfolio with a known churn story, for benchmarks and tests of the risk model.

Thousands of clients with two years of monthly health, NPS, ARR and support history, and a
renewal outcome for some of them, drawn from a documented logistic rule of the client's state
90 days before renewal (falling health, low NPS, SLA breaches and open P1s raise churn). Being
simulated, it says nothing about real customers; it lets a test check that a model trained on
the portfolio's own tables finds the drivers that were put in, and lets benchmarks score 10,000
clients. Deterministic for a seed; written with COPY.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
from sqlalchemy.orm import Session

from core.bulk import copy_rows
from ingest.demo_generate import month_start

REGIONS: Final = ("North", "South", "East", "West", "Central")


@dataclass(frozen=True)
class SimulatedPortfolio:
    """What was written: ids, and how many labelled renewals (and churns) there are."""

    client_ids: list[uuid.UUID]
    owner_ids: list[uuid.UUID]
    owner_emails: list[str]
    outcomes: int
    churned: int


def true_churn_logit(
    health: np.ndarray,
    health_change: np.ndarray,
    nps: np.ndarray,
    breaches: np.ndarray,
    p1: np.ndarray,
) -> np.ndarray:
    """The rule the simulated outcomes are drawn from (log-odds of churn)."""
    return (
        -1.2
        - 0.07 * (health - 65)
        - 0.06 * health_change
        - 0.02 * (nps - 20)
        + 0.3 * breaches
        + 0.7 * p1
    )


def simulate_portfolio(
    session: Session,
    *,
    clients: int,
    today: date,
    owners: int = 50,
    months: int = 24,
    labelled_share: float = 0.6,
    seed: int = 7,
    prefix: str = "Sim",
) -> SimulatedPortfolio:
    """Write a simulated portfolio into the session's transaction and describe it."""
    rng = np.random.default_rng(seed)

    def ids(n: int) -> list[uuid.UUID]:
        return [uuid.UUID(bytes=rng.bytes(16), version=4) for _ in range(n)]

    owner_ids = ids(owners)
    emails = [f"{prefix.lower()}.owner{i:03d}@example.org" for i in range(owners)]
    copy_rows(
        session,
        "users",
        ("id", "name", "email", "role", "region", "timezone"),
        (
            (
                oid,
                f"{prefix} Owner {i:03d}",
                emails[i],
                "CSE" if i % 2 == 0 else "CAM",
                REGIONS[i % len(REGIONS)],
                "Australia/Melbourne",
            )
            for i, oid in enumerate(owner_ids)
        ),
    )
    client_ids = ids(clients)
    starts = [month_start(today, back) for back in range(months - 1, -1, -1)]
    # Per client: a starting level and a monthly drift, with noise around the line.
    health0 = rng.normal(72, 10, clients)
    drift = rng.normal(0, 1.2, clients)
    nps0 = rng.normal(30, 20, clients)
    arr0 = rng.lognormal(13, 0.8, clients).round(2)
    t = np.arange(months)
    health = np.clip(
        health0[:, None] + drift[:, None] * t + rng.normal(0, 3, (clients, months)), 0, 100
    ).round()
    nps = np.clip(
        nps0[:, None] + 1.5 * drift[:, None] * t + rng.normal(0, 6, (clients, months)), -100, 100
    ).round()
    arr = (arr0[:, None] * (1 + 0.004 * drift[:, None] * t)).round(2)
    strain = np.clip((70 - health) / 20, 0, None)
    tickets = rng.poisson(3 + 4 * strain)
    breaches = rng.poisson(0.2 + 0.8 * strain)
    p1 = (rng.random((clients, months)) < 0.02 + 0.1 * strain).astype(int)
    owner_of = rng.integers(0, owners, (clients, 2))
    renewal = [today + timedelta(days=int(d)) for d in rng.integers(10, 365, clients)]

    copy_rows(
        session,
        "clients",
        (
            "id",
            "name",
            "segment",
            "territory",
            "region",
            "cse_id",
            "cam_id",
            "arr",
            "health_score",
            "nps",
            "renewal_date",
        ),
        (
            (
                cid,
                f"{prefix} Client {i:05d}",
                "Health",
                f"T{i % 20:02d}",
                REGIONS[i % len(REGIONS)],
                owner_ids[owner_of[i, 0]],
                owner_ids[owner_of[i, 1]],
                arr[i, -1],
                int(health[i, -1]),
                int(nps[i, -1]),
                renewal[i],
            )
            for i, cid in enumerate(client_ids)
        ),
    )
    copy_rows(
        session,
        "client_health_history",
        ("client_id", "recorded_on", "health_score", "nps", "arr"),
        (
            (cid, starts[m], int(health[i, m]), int(nps[i, m]), arr[i, m])
            for i, cid in enumerate(client_ids)
            for m in range(months)
        ),
    )
    copy_rows(
        session,
        "client_support_history",
        ("client_id", "month", "tickets_opened", "sla_breaches", "p1_open"),
        (
            (cid, starts[m], int(tickets[i, m]), int(breaches[i, m]), int(p1[i, m]))
            for i, cid in enumerate(client_ids)
            for m in range(months)
        ),
    )
    # Past renewals: the outcome follows the client's state three months before it.
    labelled = np.flatnonzero(rng.random(clients) < labelled_share)
    renewal_month = rng.integers(6, months - 1, labelled.size)
    seen = renewal_month - 3
    support_window = [slice(max(0, s - 2), s + 1) for s in seen]
    logit = true_churn_logit(
        health[labelled, seen],
        health[labelled, seen] - health[labelled, np.maximum(seen - 3, 0)],
        nps[labelled, seen],
        np.array([breaches[i, w].sum() for i, w in zip(labelled, support_window, strict=True)]),
        p1[labelled, seen],
    )
    churned = rng.random(labelled.size) < 1 / (1 + np.exp(-logit))
    copy_rows(
        session,
        "renewal_outcomes",
        ("client_id", "renewal_date", "outcome", "arr"),
        (
            (
                client_ids[i],
                starts[m] + timedelta(days=14),
                "churned" if c else "renewed",
                arr[i, m],
            )
            for i, m, c in zip(labelled, renewal_month, churned, strict=True)
        ),
    )
    return SimulatedPortfolio(client_ids, owner_ids, emails, int(labelled.size), int(churned.sum()))
