"""The performance rollup of 50 owners over 5,000 clients, against one SQL query over the views.

The portfolio is generated and written with COPY: 25 CSEs and 25 CAMs in five regions, 5,000
clients in 20 territories and three segments, four quarters of targets per person, three
opportunities per client (each with MEDDPICC; a tenth of them focus deals, most of them closing
this fiscal year) and readiness for 1,500 meetings (about half of them in the next 30 days).

Ours: ``planning.performance.rollup(level="owner")`` for an admin: every owner's quarterly
targets, pipeline, coverage, health, focus deals with grades, readiness and client drill-down.
The floor: the headline figures alone (year targets and actuals, pipeline, coverage, health
counts) in ONE SQL statement over ``cse_performance_summary`` joined with client health counts.
Both are medians of the same number of runs, alternating; ours must also equal the floor's
figures. Two results: the ratio to the floor, and the issue's absolute target (under 1 s).
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.result import Result
from core.bootstrap import Database, scratch_database
from core.bulk import copy_rows
from core.database import transaction
from core.identity import Person
from core.models import MEDDPICC_DIMENSIONS, READINESS_SCORES, STAGES
from planning.performance import rollup
from planning.performance_records import Performance

NAME = "performance_rollup"
TODAY = date(2026, 11, 20)
FY = 2026
REGIONS = ("North", "South", "East", "West", "Central")
SEGMENTS = ("Enterprise", "Mid-Market", "Growth")
BUDGET_S = 1.0  # the target for 50 owners over 5,000 clients
FLOOR_RATIO = 20.0
"""Ours may cost this many floors: it computes far more (quarters, deals, meetings, drill-down)."""

FLOOR_SQL = """
WITH owned AS (
  SELECT u.id AS user_id, c.arr, c.health_score FROM clients c
  JOIN users u ON u.id = c.cse_id AND u.role = 'CSE'
  UNION ALL
  SELECT u.id, c.arr, c.health_score FROM clients c
  JOIN users u ON u.id = c.cam_id AND u.role = 'CAM'
), health AS (
  SELECT user_id, count(*) AS clients, sum(arr) AS arr,
         count(*) FILTER (WHERE health_score >= 70) AS healthy,
         count(*) FILTER (WHERE health_score >= 50 AND health_score < 70) AS at_risk,
         count(*) FILTER (WHERE health_score < 50) AS critical,
         count(*) FILTER (WHERE health_score IS NULL) AS unknown
  FROM owned GROUP BY user_id
)
SELECT s.user_id, s.weighted_acv_target, s.weighted_acv_actual, s.acv_net_cogs_target,
       s.acv_net_cogs_actual, s.total_acv_target, s.total_acv_actual, s.tcv_target, s.tcv_actual,
       s.pipeline_weighted_acv, s.coverage, coalesce(h.clients, 0) AS clients,
       coalesce(h.arr, 0) AS arr,
       coalesce(h.healthy, 0) AS healthy, coalesce(h.at_risk, 0) AS at_risk,
       coalesce(h.critical, 0) AS critical, coalesce(h.unknown, 0) AS unknown
FROM cse_performance_summary s LEFT JOIN health h ON h.user_id = s.user_id
WHERE s.fiscal_year = :fy
"""


def _generate(session: Session, owners: int, clients: int, seed: int = 5) -> list[uuid.UUID]:
    """Write the portfolio with COPY; the owners' ids."""
    rng = np.random.default_rng(seed)

    def ids(n: int) -> list[uuid.UUID]:
        return [uuid.UUID(bytes=rng.bytes(16), version=4) for _ in range(n)]

    people = ids(owners)
    roles = ["CSE" if i % 2 == 0 else "CAM" for i in range(owners)]
    copy_rows(
        session,
        "users",
        ("id", "name", "email", "role", "region"),
        (
            (pid, f"Owner {i:03d}", f"owner{i:03d}@bench.example", roles[i], REGIONS[i % 5])
            for i, pid in enumerate(people)
        ),
    )
    cses = [p for p, r in zip(people, roles, strict=True) if r == "CSE"]
    cams = [p for p, r in zip(people, roles, strict=True) if r == "CAM"]
    # Per measure: a multiple of the quarter's weighted-ACV goal; actuals at 80% of target.
    ratios = {"weighted_acv": "1", "acv_net_cogs": "0.9", "total_acv": "1.25", "tcv": "3"}
    goals = rng.integers(50, 400, (owners, 4)) * 1000

    def amounts(goal: int) -> list[Decimal]:
        pairs = [(goal * Decimal(r), goal * Decimal(r) * Decimal("0.8")) for r in ratios.values()]
        return [amount for pair in pairs for amount in pair]

    copy_rows(
        session,
        "cse_cam_targets",
        (
            "user_id",
            "fiscal_year",
            "quarter",
            *(f"{m}_{part}" for m in ratios for part in ("target", "actual")),
        ),
        (
            (pid, FY, q + 1, *amounts(int(goals[i, q])))
            for i, pid in enumerate(people)
            for q in range(4)
        ),
    )
    client_ids = ids(clients)
    territory = rng.integers(0, 20, clients)
    health = rng.normal(70, 15, clients).clip(0, 100).round()
    client_columns = ("id", "name", "segment", "territory", "region", "cse_id", "cam_id", "arr")
    copy_rows(
        session,
        "clients",
        (*client_columns, "health_score", "renewal_date"),
        (
            (
                cid,
                f"Client {i:05d}",
                SEGMENTS[i % 3],
                f"T{territory[i]:02d}",
                REGIONS[territory[i] % 5],
                cses[rng.integers(len(cses))],
                cams[rng.integers(len(cams))],
                Decimal(int(rng.integers(100, 5000)) * 1000),
                None if i % 50 == 0 else int(health[i]),  # a few without a health score
                TODAY + timedelta(days=int(rng.integers(10, 500))),
            )
            for i, cid in enumerate(client_ids)
        ),
    )
    deal_ids = ids(3 * clients)
    owner_of = {cid: cses[i % len(cses)] for i, cid in enumerate(client_ids)}
    stages = rng.choice(STAGES, len(deal_ids), p=[0.15, 0.2, 0.2, 0.15, 0.1, 0.1, 0.1])
    copy_rows(
        session,
        "pipeline_opportunities",
        (
            *("id", "name", "client_id", "owner_id", "stage", "probability", "acv", "tcv"),
            *("close_date", "fiscal_year", "quarter", "focus_deal", "burc_match"),
        ),
        (
            (
                did,
                f"Deal {j % 3}",
                client_ids[j // 3],
                owner_of[client_ids[j // 3]],
                str(stages[j]),
                int(rng.integers(5, 95)),
                Decimal(int(rng.integers(10, 900)) * 1000),
                Decimal(int(rng.integers(10, 2700)) * 1000),
                date(FY if j % 4 else FY + 1, 12, 1),  # a quarter of them close next year
                FY if j % 4 else FY + 1,
                4,
                j % 10 == 0,
                bool(rng.random() < 0.7),
            )
            for j, did in enumerate(deal_ids)
        ),
    )
    scores = rng.integers(0, 6, (len(deal_ids), len(MEDDPICC_DIMENSIONS)))
    copy_rows(
        session,
        "meddpicc_scores",
        ("opportunity_id", *MEDDPICC_DIMENSIONS),
        ((did, *map(int, scores[j])) for j, did in enumerate(deal_ids)),
    )
    start = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    meetings = [i for i in range(clients) if i % 10 < 3]
    marks = rng.integers(1, 6, (clients, len(READINESS_SCORES)))
    copy_rows(
        session,
        "conversation_readiness",
        ("client_id", "owner_id", "meeting_title", "meeting_at", *READINESS_SCORES, "checklist"),
        (
            (
                client_ids[i],
                owner_of[client_ids[i]],
                "Quarterly Business Review",
                start + timedelta(hours=int(rng.integers(-240, 1200))),  # some past, some late
                *map(int, marks[i]),
                json.dumps({f"item{k}": bool(rng.random() < 0.8) for k in range(6)}),
            )
            for i in meetings
        ),
    )
    session.execute(text("ANALYZE"))
    return people


def _floor(db: Database) -> tuple[float, dict[uuid.UUID, Any]]:
    began = time.perf_counter()
    with transaction(db.sessions) as session:
        rows = session.execute(text(FLOOR_SQL), {"fy": FY}).all()
    return time.perf_counter() - began, {row.user_id: row for row in rows}


def _ours(db: Database, admin: Person) -> tuple[float, list[Performance]]:
    began = time.perf_counter()
    with transaction(db.sessions) as session:
        owners = rollup(session, admin, "owner", FY, TODAY)
    return time.perf_counter() - began, owners


def _agree(ours: list[Performance], floor: dict[uuid.UUID, Any], ids: dict[str, uuid.UUID]) -> None:
    """Our headline figures equal the floor's, owner by owner."""
    for unit in ours:
        row = floor[ids[unit.key]]
        assert unit.targets is not None
        year = unit.targets.year
        health = unit.portfolio.health
        mine = (
            year.weighted_acv.target, year.weighted_acv.actual, year.acv_net_cogs.actual,
            year.total_acv.target, year.tcv.target, unit.pipeline, unit.coverage,
            unit.portfolio.clients, unit.portfolio.arr, health.healthy, health.at_risk,
            health.critical, health.unknown,
        )  # fmt: skip
        theirs = (
            row.weighted_acv_target, row.weighted_acv_actual, row.acv_net_cogs_actual,
            row.total_acv_target, row.tcv_target, row.pipeline_weighted_acv, row.coverage,
            row.clients, row.arr, row.healthy, row.at_risk, row.critical, row.unknown,
        )  # fmt: skip
        if mine != theirs:
            raise AssertionError(f"{unit.key}: ours {mine} != floor {theirs}")


def run(quick: bool = False) -> list[Result]:
    """Generate the portfolio in a fresh embedded database and time both sides."""
    owners, clients, repeats = (50, 1_000, 3) if quick else (50, 5_000, 7)
    admin = Person(uuid.uuid4(), "Bench Admin", "admin@bench.example", "admin")
    with scratch_database() as db:
        with transaction(db.sessions) as session:
            people = _generate(session, owners, clients)
            found = session.execute(text("SELECT email, id FROM users")).tuples()
            ids: dict[str, uuid.UUID] = dict(found.all())
        _ours(db, admin)  # warm-up: the first statements pay for planning and caches
        _floor(db)
        ours, floors = [], []
        for _ in range(repeats):
            elapsed, units = _ours(db, admin)
            ours.append(elapsed)
            floor_elapsed, rows = _floor(db)
            floors.append(floor_elapsed)
        _agree(units, rows, ids)
    assert len(units) == len(people)
    ours_ms, floor_ms = statistics.median(ours) * 1000, statistics.median(floors) * 1000
    setting = (
        f"{owners} owners over {clients:,} clients ({3 * clients:,} deals with MEDDPICC), admin "
        f"rollup at owner level, median of {repeats} runs each, alternating; headline figures "
        "checked equal"
    )
    return [
        Result(
            bench="performance_rollup",
            ours=ours_ms,
            peer=floor_ms,
            unit="ms",
            target=FLOOR_RATIO,
            higher_is_better=False,
            note=f"ours {ours_ms:.1f} ms vs one SQL query over the views {floor_ms:.1f} ms; "
            + setting,
        ),
        Result(
            bench="performance_rollup_1s",
            ours=ours_ms,
            peer=BUDGET_S * 1000,
            unit="ms",
            target=1.0,
            higher_is_better=False,
            note=f"issue target: rollup < {BUDGET_S:.0f} s; {setting}",
        ),
    ]
