"""Section writes per second through the plan service vs a bare SQL UPDATE of the same row.

Both run on the same embedded database, one transaction per write (as a request would), in
alternating rounds so that neither gets a warmer cache or a quieter machine. The service also
validates, locks, diffs, logs and derives progress; the target is at least half the bare speed.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bench.result import Result
from core.bootstrap import scratch_database
from core.database import transaction
from core.identity import Actor
from planning.service import PlanService

NAME = "section_writes"
ACTOR = Actor(name="Benchmark")


def _payload(i: int) -> list[dict[str, Any]]:
    return [
        {
            "id": "r1",
            "title": f"Renewal risk #{i}",
            "severity": "high",
            "category": "renewal",
            "mitigation": "Executive sponsor meeting before the QBR",
        },
        {"id": "r2", "title": "Champion leaving", "severity": "medium", "category": "relationship"},
    ]


def _service_round(
    sessions: sessionmaker[Session], plan_id: uuid.UUID, start: int, count: int
) -> float:
    with transaction(sessions) as session:  # the version a client holds from its last read
        version = PlanService(session).get_section(plan_id, "risks").version
    began = time.perf_counter()
    for i in range(start, start + count):
        with transaction(sessions) as session:
            version = (
                PlanService(session)
                .write_section(plan_id, "risks", _payload(i), expected_version=version, actor=ACTOR)
                .version
            )
    return time.perf_counter() - began


def _bare_round(engine: Engine, plan_id: uuid.UUID, start: int, count: int) -> float:
    statement = text("UPDATE strategic_plans SET risks_data = CAST(:data AS jsonb) WHERE id = :id")
    began = time.perf_counter()
    for i in range(start, start + count):
        with engine.begin() as connection:
            connection.execute(statement, {"data": json.dumps(_payload(i)), "id": plan_id})
    return time.perf_counter() - began


def run(quick: bool = False) -> Result:
    """Measure both write paths; writes per second."""
    writes, rounds = (200, 4) if quick else (2000, 10)
    per_round = writes // rounds
    with scratch_database() as db:
        with transaction(db.sessions) as session:
            plan_id = (
                PlanService(session)
                .create_plan(
                    {
                        "plan_type": "territory",
                        "fiscal_year": 2026,
                        "primary_owner": "Benchmark",
                        "territory": "VIC",
                    },
                    ACTOR,
                )
                .id
            )
        _service_round(db.sessions, plan_id, 0, 20)  # warm up both paths
        _bare_round(db.engine, plan_id, 0, 20)
        ours = peer = 0.0
        for r in range(rounds):
            ours += _service_round(db.sessions, plan_id, 100 + r * per_round, per_round)
            peer += _bare_round(db.engine, plan_id, 100 + r * per_round, per_round)
    total = per_round * rounds
    return Result(
        bench=NAME,
        ours=total / ours,
        peer=total / peer,
        unit="writes/s",
        target=0.5,
        note=f"{total} writes each, one transaction per write",
    )
