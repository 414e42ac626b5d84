"""Two writers race on one section: exactly one wins, nothing is lost, the loser is told why."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from core.errors import VersionConflictError
from core.identity import Actor
from planning.service import PlanService


def test_two_writers_race_on_one_section_and_exactly_one_wins(
    committed_factory: sessionmaker[Session],
) -> None:
    with transaction(committed_factory) as session:
        plan = PlanService(session).create_plan(
            {
                "plan_type": "territory",
                "fiscal_year": 2026,
                "primary_owner": "Tracey Bland",
                "territory": "VIC + NZ",
            },
            Actor(name="Tracey Bland"),
        )

    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def writer(name: str) -> None:
        payload = [{"id": "r1", "title": f"Risk seen by {name}", "severity": "high"}]
        try:
            with transaction(committed_factory) as session:
                service = PlanService(session)
                barrier.wait(timeout=10)  # both have read version 1 before either writes
                outcomes[name] = service.write_section(
                    plan.id, "risks", payload, expected_version=1, actor=Actor(name=name)
                ).version
        except VersionConflictError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("Anu", "John")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [n for n, o in outcomes.items() if o == 2]
    losers = [o for o in outcomes.values() if isinstance(o, VersionConflictError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].current_version == 2

    with transaction(committed_factory) as session:
        service = PlanService(session)
        stored = service.get_section(plan.id, "risks")
        updates = [e for e in service.activity(plan.id) if e.action == "updated"]
    assert stored.version == 2
    assert stored.data[0]["title"] == f"Risk seen by {winners[0]}"
    assert [e.user_name for e in updates] == winners


def test_many_writers_each_retrying_lose_no_update(
    committed_factory: sessionmaker[Session],
) -> None:
    """Writers that reload and retry on conflict all land, one version each."""
    with transaction(committed_factory) as session:
        plan_id: uuid.UUID = (
            PlanService(session)
            .create_plan(
                {
                    "plan_type": "territory",
                    "fiscal_year": 2026,
                    "primary_owner": "Laura Messing",
                    "territory": "SA",
                },
                Actor(name="Laura Messing"),
            )
            .id
        )

    def add_action(n: int) -> None:
        for _ in range(50):
            try:
                with transaction(committed_factory) as session:
                    service = PlanService(session)
                    current = service.get_section(plan_id, "actions")
                    item = {
                        "id": f"a{n}",
                        "title": f"Action {n}",
                        "owner": "Laura",
                        "due_date": "2026-12-01",
                    }
                    service.write_section(
                        plan_id,
                        "actions",
                        [*current.data, item],
                        expected_version=current.version,
                        actor=Actor(name=f"writer {n}"),
                    )
                return
            except VersionConflictError:
                continue

    threads = [threading.Thread(target=add_action, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    with transaction(committed_factory) as session:
        final = PlanService(session).get_section(plan_id, "actions")
    assert sorted(item["id"] for item in final.data) == [f"a{n}" for n in range(6)]
    assert final.version == 7
