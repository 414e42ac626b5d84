"""A short load run on the API over loopback: no server error, no lost or doubled write.

Eight clients, each with its own HTTP connection, send a fixed mix of reads and section writes
to the real app under uvicorn (on the run's test database) at the same time: plan lists, plans,
sections, the portfolio, and writes with If-Match to one shared plan. The run is bounded by a
request count and a hard time limit; what is asserted is behaviour, never speed: every answer is
a success or, for a write sent on a version another client had just replaced, a 409 naming the
current version; nothing fails in transport; and the plan's final version, sections and activity
log account for exactly the writes that were answered 200.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.bootstrap import Database
from core.models import PlanActivity
from core.settings import Settings
from ingest.demo_data import ANU, JOHN, LAURA, NIKKI, TRACEY
from planning.service import PlanService
from tests.agent_harness import client
from tests.api_harness import MANAGER, auth, problem_of
from tests.live_server import serving_api

CLIENTS = 8
REQUESTS_PER_CLIENT = 50
TIME_LIMIT_S = 45.0
"""A hard stop for a machine far slower than expected; the assertions hold for what ran."""
SAM = "sam.whitford@example.com"  # admin
PEOPLE = [TRACEY, ANU, LAURA, JOHN, NIKKI, MANAGER, SAM, TRACEY]
SECTIONS = ("actions", "risks")
ITEM_PATH = re.compile(r"\[id=([^\]]+)\]$")
READ_SECTIONS = ("actions", "risks", "portfolio", "snapshot", "value")
MIX = {"list": 3, "plan": 3, "section": 3, "write": 5, "portfolio": 2}
"""Relative weights of each kind of step (a write is two requests: read, then write)."""

pytestmark = pytest.mark.timeout(TIME_LIMIT_S + 15)


@dataclass
class Tally:
    """What one client sent and got back."""

    name: str
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    written: list[tuple[int, str, str]] = field(default_factory=list)
    """(version, section, item id) of each write answered 200."""
    conflicts: int = 0
    transport_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    """Answers that were neither a success nor a well-formed conflict."""

    @property
    def sent(self) -> int:
        """Requests sent, answered or not."""
        return sum(self.statuses.values()) + len(self.transport_errors)


@pytest.fixture
def base_url(database: Database, settings: Settings) -> Iterator[str]:
    """The real app on the seeded test database, served by uvicorn on loopback."""
    with serving_api(database, settings) as url:
        yield url


@pytest.fixture
def plan_id(base_url: str, settings: Settings, committed_factory: sessionmaker[Session]) -> str:
    """Tracey's FY2026 Barwon Health plan; every client may read it, the five CSEs and CAMs
    (collaborators) and the admin may write it."""
    body = {
        "plan_type": "account",
        "fiscal_year": 2026,
        "primary_owner": "Tracey Bland",
        "client_id": str(client(committed_factory, "Barwon Health").id),
        "collaborators": [ANU, LAURA, JOHN, NIKKI],
    }
    with httpx.Client(base_url=base_url, timeout=30) as http:
        created = http.post("/plans", json=body, headers=auth(settings, TRACEY))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def item(section: str, item_id: str, name: str) -> dict[str, Any]:
    """A new action or risk with this id, by ``name``."""
    if section == "actions":
        return {"id": item_id, "title": f"Step by {name}", "owner": name, "due_date": "2026-12-01"}
    return {"id": item_id, "title": f"Risk seen by {name}", "severity": "medium"}


class Client:
    """One API client: its own connection, its own person, its own seeded choice of steps."""

    def __init__(self, base_url: str, settings: Settings, plan_id: str, index: int) -> None:
        self.email = PEOPLE[index]
        self.tally = Tally(f"client-{index}-{self.email.split('@')[0]}")
        self.headers = auth(settings, self.email)
        self.plan = f"/plans/{plan_id}"
        self.random = random.Random(index)
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.writer = self.email in (TRACEY, ANU, LAURA, JOHN, NIKKI, SAM)

    def run(self, deadline: float) -> None:
        """Send this client's share of requests, or as many as fit before the deadline."""
        steps: dict[str, Callable[[], object]] = {
            "list": lambda: self.get("/plans", params={"limit": 20}),
            "plan": lambda: self.get(self.plan),
            "section": lambda: self.get(f"{self.plan}/sections/{self.pick(READ_SECTIONS)}"),
            "write": self.write if self.writer else lambda: self.get(self.plan),
            "portfolio": lambda: self.get("/portfolio"),
        }
        kinds, weights = list(MIX), list(MIX.values())
        with self.http:
            while self.tally.sent < REQUESTS_PER_CLIENT and time.monotonic() < deadline:
                steps[self.random.choices(kinds, weights)[0]]()

    def pick(self, choices: tuple[str, ...]) -> str:
        """One of ``choices``, from this client's seeded sequence."""
        return self.random.choice(choices)

    def send(
        self, method: str, url: str, if_match: str | None = None, **kwargs: Any
    ) -> httpx.Response | None:
        """One request, counted by method and status; None (and noted) if transport failed."""
        headers = {**self.headers, "If-Match": if_match} if if_match else self.headers
        try:
            response = self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            self.tally.transport_errors.append(f"{method} {url}: {error!r}")
            return None
        self.tally.statuses[(method, response.status_code)] += 1
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response | None:
        """A read, which must succeed."""
        response = self.send("GET", url, **kwargs)
        if response is not None and response.status_code != 200:
            self.tally.failures.append(f"GET {url}: {response.status_code} {response.text[:200]}")
        return response

    def write(self) -> None:
        """Add an item to a section as a client does: read it, then write it with If-Match."""
        section = self.pick(SECTIONS)
        url = f"{self.plan}/sections/{section}"
        read = self.get(url)
        if read is None or read.status_code != 200:
            return
        item_id = f"{self.tally.name}-{uuid.uuid4().hex[:8]}"
        body = [*read.json()["data"], item(section, item_id, self.email)]
        sent = self.send("PUT", url, if_match=read.headers["ETag"], json=body)
        if sent is None:
            return
        if sent.status_code == 200:
            version = int(sent.json()["version"])
            assert sent.headers["ETag"] == f'"v{version}"'
            self.tally.written.append((version, section, item_id))
        elif sent.status_code == 409:
            problem = problem_of(sent, 409)
            assert problem["type"].endswith("/version_conflict"), problem
            assert sent.headers["ETag"] == f'"v{problem["current_version"]}"'
            self.tally.conflicts += 1
        else:
            self.tally.failures.append(f"PUT {url}: {sent.status_code} {sent.text[:200]}")


def run_clients(clients: list[Client]) -> None:
    """Run every client in its own thread, released together; fail if one outlives the limit."""
    deadline = time.monotonic() + TIME_LIMIT_S
    barrier = threading.Barrier(len(clients))
    errors: list[BaseException] = []

    def run(load_client: Client) -> None:
        try:
            barrier.wait(timeout=10)
            load_client.run(deadline)
        except BaseException as error:  # reported below, with the client's name
            errors.append(error)

    threads = [threading.Thread(target=run, args=(c,), name=c.tally.name) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0) + 10)
    assert not [t.name for t in threads if t.is_alive()], "a client hung"
    assert errors == []


def updates_of(sessions: sessionmaker[Session], plan_id: str) -> list[PlanActivity]:
    """The plan's section writes on record, oldest first."""
    with sessions() as session:
        return list(
            session.scalars(
                select(PlanActivity)
                .where(PlanActivity.plan_id == uuid.UUID(plan_id), PlanActivity.action == "updated")
                .order_by(PlanActivity.created_at, PlanActivity.id)
            )
        )


def added_ids(changes: list[dict[str, Any]]) -> list[str]:
    """The ids of the items a logged diff adds; any other kind of change fails the test."""
    ids: list[str] = []
    for change in changes:
        assert change["op"] == "add", change
        after = change["after"]
        if isinstance(after, list):  # the first item of an empty section: the list added whole
            ids += [entry["id"] for entry in after]
        else:
            found = ITEM_PATH.search(change["path"])
            assert found, change
            ids.append(found.group(1))
    return ids


def test_a_mixed_load_gets_no_server_error_and_loses_or_doubles_no_write(
    base_url: str,
    settings: Settings,
    plan_id: str,
    committed_factory: sessionmaker[Session],
) -> None:
    clients = [Client(base_url, settings, plan_id, index) for index in range(CLIENTS)]
    run_clients(clients)
    tallies = [c.tally for c in clients]

    # Every answer was a success or a well-formed version conflict; nothing broke in transport.
    assert [e for t in tallies for e in t.transport_errors] == []
    assert [f for t in tallies for f in t.failures] == []
    statuses = sum((t.statuses for t in tallies), Counter[tuple[str, int]]())
    assert {status for _, status in statuses} <= {200, 409}
    assert not [key for key in statuses if key[1] >= 500]
    assert statuses[("PUT", 409)] == sum(t.conflicts for t in tallies)
    written = sorted(w for t in tallies for w in t.written)
    assert statuses[("PUT", 200)] == len(written) > 0
    assert all(t.written for c, t in zip(clients, tallies, strict=True) if c.writer)

    # The plan holds exactly the writes answered 200: one version each, in that order ...
    with committed_factory() as session:
        plan = PlanService(session).get_plan(uuid.UUID(plan_id))
    assert plan.version == 1 + len(written)
    assert [v for v, _, _ in written] == list(range(2, plan.version + 1))
    for section in SECTIONS:
        mine = [i for _, s, i in written if s == section]
        assert [entry["id"] for entry in plan.sections[section]] == mine, section

    # ... and one activity-log entry per write, with its version, section and item, adding only.
    logged = [
        (e.details["version"], e.details["section"], added_ids(e.details["changes"]))
        for e in updates_of(committed_factory, plan_id)
    ]
    assert logged == [(v, s, [i]) for v, s, i in written]
