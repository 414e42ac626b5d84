"""The database restarted under a running API: 503s while it is away, then business as usual.

A database of its own (a scratch embedded server, seeded with the demo), so the run's shared
test database is untouched, and the real app under uvicorn on loopback, started once and never
restarted. While the server is stopped, reads, writes and the readiness probe answer 503 with
problem JSON (not a 500, not a hang) and nothing is written; once it is back the same requests
succeed at the first try: the app's connection pools recover on their own. Requests in flight
when it stops (plan writes, chat turns) get an answer too, and no write is lost or doubled. A
plan draft that was waiting for approval when the database went away is still waiting
afterwards, and accepting it writes it once; a draft whose checkpoints cannot be read is
recorded as failed rather than left running.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg_pool import PoolClosed
from sqlalchemy import select, text

from agent.checkpoints import open_checkpointer
from agent.runner import ChaSen
from core.bootstrap import Database, scratch_database
from core.embedded import start_embedded, stop_embedded
from core.models import AgentRun, ApprovalRequest, PlanActivity
from core.settings import Settings
from ingest.demo_data import ANU
from planning.service import PlanService
from tests.agent_harness import OFFLINE, TODAY, client, seed
from tests.api_harness import RISK, api_settings, auth, problem_of
from tests.live_server import serving_api

pytestmark = pytest.mark.timeout(60)

CONNECT_TIMEOUT_S = 5
"""The scratch database's connect timeout (the default ``CHASEN_DB_CONNECT_TIMEOUT_S``)."""


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    """A scratch embedded database seeded with the demo portfolio, for this module alone."""
    with scratch_database(prefix="chasen-restart-") as db:
        seed(db.sessions)
        yield db


@pytest.fixture(scope="module")
def settings() -> Settings:
    """API settings with the tests' known signing secret."""
    return api_settings()


@pytest.fixture(scope="module")
def base_url(database: Database, settings: Settings) -> Iterator[str]:
    """The real app on the scratch database, served by uvicorn for the whole module."""
    with serving_api(database, settings) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    # Longer than the connect timeout: a request that hangs past it fails the assertions below
    # rather than the transport.
    with httpx.Client(base_url=base_url, timeout=CONNECT_TIMEOUT_S * 3) as session:
        yield session


def data_dir_of(database: Database) -> Path:
    """The embedded server's data folder, as the server itself reports it."""
    with database.engine.connect() as connection:
        return Path(str(connection.scalar(text("SELECT current_setting('data_directory')"))))


@contextmanager
def database_stopped(database: Database) -> Iterator[None]:
    """Stop the embedded server for the block, then start it again on the same data folder."""
    data_dir = data_dir_of(database)
    name = database.engine.url.database
    assert name is not None
    stop_embedded(data_dir)
    try:
        yield
    finally:
        start_embedded(data_dir, name)


def unavailable(response: httpx.Response) -> dict[str, Any]:
    """The 503 problem of a request made while the database is away."""
    problem = problem_of(response, 503)
    assert response.elapsed.total_seconds() < CONNECT_TIMEOUT_S, "waited past the timeout"
    return problem


def new_plan(http: httpx.Client, headers: dict[str, str], database: Database) -> str:
    """An FY2026 Barwon Health account plan of Anu's, created through the API; its id."""
    body = {
        "plan_type": "account",
        "fiscal_year": 2026,
        "primary_owner": "Anu Pradhan",
        "client_id": str(client(database.sessions, "Barwon Health").id),
    }
    created = http.post("/plans", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def log_of(database: Database, plan_id: str) -> list[tuple[str, int]]:
    """The plan's section writes on record: (section, version), oldest first."""
    with database.sessions() as session:
        entries = session.scalars(
            select(PlanActivity)
            .where(PlanActivity.plan_id == uuid.UUID(plan_id), PlanActivity.action == "updated")
            .order_by(PlanActivity.created_at, PlanActivity.id)
        )
        return [(e.details["section"], e.details["version"]) for e in entries]


def wait_until_waiting(http: httpx.Client, headers: dict[str, str], thread: str) -> None:
    """Poll the draft's thread until it waits for a decision (it runs after the 202)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = http.get(f"/threads/{thread}", headers=headers)
        assert status.status_code == 200, status.text
        if status.json()["status"] == "waiting":
            return
        assert status.json()["status"] == "running", status.text
        time.sleep(0.05)
    raise AssertionError(f"the draft in {thread} never reached its approval")


# -- the tests --------------------------------------------------------------------------------


def test_requests_while_the_database_is_down_are_503_and_succeed_once_it_is_back(
    http: httpx.Client, database: Database, settings: Settings
) -> None:
    anu = auth(settings, ANU)
    plan_id = new_plan(http, anu, database)
    plan_url, risks_url = f"/plans/{plan_id}", f"/plans/{plan_id}/sections/risks"

    # Before: reads, a write and the readiness probe succeed (the pools hold live connections).
    assert http.get("/readyz").status_code == 200
    read = http.get(plan_url, headers=anu)
    assert read.status_code == 200 and read.json()["version"] == 1
    first = http.put(risks_url, json=[RISK], headers={**anu, "If-Match": read.headers["ETag"]})
    assert first.status_code == 200 and first.json()["version"] == 2
    assert http.get(risks_url, headers=anu).json()["data"][0]["id"] == RISK["id"]
    second = [RISK, {"id": "risk-budget", "title": "Budget freeze", "severity": "medium"}]
    if_match = {**anu, "If-Match": first.headers["ETag"]}

    with database_stopped(database):
        for _ in range(2):  # the first request meets the dead pooled connections, the next none
            down = unavailable(http.get(plan_url, headers=anu))
            assert down["type"].endswith("/database_unavailable"), down
            unavailable(http.put(risks_url, json=second, headers=if_match))
            unavailable(http.get(risks_url, headers=anu))
            unavailable(http.get("/readyz"))
            unavailable(http.get("/approvals", headers=anu))

    # Back, with the same app: the very first requests succeed.
    ready = http.get("/readyz")
    assert ready.status_code == 200, ready.text
    again = http.get(plan_url, headers=anu)
    assert again.status_code == 200, again.text
    # Nothing was written while the database was away: the write sent then still applies to
    # version 2, once.
    assert again.json()["version"] == 2
    assert [r["id"] for r in again.json()["sections"]["risks"]] == [RISK["id"]]
    assert log_of(database, plan_id) == [("risks", 2)]
    written = http.put(risks_url, json=second, headers=if_match)
    assert written.status_code == 200, written.text
    assert written.json()["version"] == 3
    assert [r["id"] for r in http.get(risks_url, headers=anu).json()["data"]] == [
        "risk-cio",
        "risk-budget",
    ]
    assert log_of(database, plan_id) == [("risks", 2), ("risks", 3)]


def test_a_draft_waiting_for_approval_survives_a_restart_and_is_written_once(
    http: httpx.Client, database: Database, settings: Settings
) -> None:
    anu = auth(settings, ANU)
    plan_id = new_plan(http, anu, database)
    started = http.post(f"/plans/{plan_id}/draft", headers=anu)
    assert started.status_code == 202, started.text
    thread = started.json()["thread_id"]
    wait_until_waiting(http, anu, thread)
    [waiting] = [d for d in http.get("/approvals", headers=anu).json() if d["thread_id"] == thread]
    version_before = http.get(f"/plans/{plan_id}", headers=anu).json()["version"]
    assert log_of(database, plan_id) == []

    with database_stopped(database):
        unavailable(http.get("/approvals", headers=anu))
        url = f"/approvals/{thread}/{waiting['interrupt_id']}"
        unavailable(http.post(url, json={"type": "accept"}, headers=anu))

    # Still waiting after the restart, unchanged; nothing was written meanwhile.
    pending = [d for d in http.get("/approvals", headers=anu).json() if d["thread_id"] == thread]
    assert pending == [waiting]
    assert http.get(f"/plans/{plan_id}", headers=anu).json()["version"] == version_before

    # Accepted once: every changed section written once, one version and log entry each.
    accepted = http.post(url, json={"type": "accept"}, headers=anu)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["answer"].startswith("Written")
    changed = [name for name, n in waiting["args"]["changes"].items() if n]
    assert changed, waiting["args"]["changes"]
    logged = log_of(database, plan_id)
    assert sorted(section for section, _ in logged) == sorted(changed)
    assert [v for _, v in logged] == list(
        range(version_before + 1, version_before + 1 + len(changed))
    )
    after = http.get(f"/plans/{plan_id}", headers=anu).json()
    assert after["version"] == version_before + len(changed)

    # A second accept is refused and writes nothing.
    problem_of(http.post(url, json={"type": "accept"}, headers=anu), 409)
    assert http.get(f"/plans/{plan_id}", headers=anu).json()["version"] == after["version"]
    assert log_of(database, plan_id) == logged
    with database.sessions() as session:
        statuses = session.scalars(
            select(ApprovalRequest.status).where(ApprovalRequest.thread_id == thread)
        ).all()
    assert list(statuses) == ["accepted"]


@dataclass
class Traffic:
    """One client sending requests through a restart, and what it got back."""

    http: httpx.Client
    headers: dict[str, str]
    plan_id: str
    chats: bool = False
    """Asks ChaSen (a chat turn: graph, tools, checkpoints) instead of editing the plan."""
    answers: list[tuple[str, int]] = field(default_factory=list)
    written: list[int] = field(default_factory=list)
    """The versions of the writes answered 200."""
    problems: list[str] = field(default_factory=list)

    def ok(self, since: int = 0) -> int:
        """Requests answered 200 since the ``since``-th answer."""
        return sum(1 for _, status in self.answers[since:] if status == 200)

    def refused(self) -> bool:
        """Whether a request was answered 503."""
        return any(status == 503 for _, status in self.answers)

    def step(self, n: int) -> None:
        """A chat turn; else a read, or an item added to the risks with If-Match."""
        url = f"/plans/{self.plan_id}/sections/risks"
        try:
            if self.chats:
                question = {"message": "What is the churn risk of Barwon Health?"}
                self.note("POST", self.http.post("/chat", json=question, headers=self.headers))
                return
            read = self.http.get(url, headers=self.headers)
            self.note("GET", read)
            if read.status_code != 200 or n % 2:
                return
            risk = {"id": f"risk-{uuid.uuid4().hex[:8]}", "title": f"Risk {n}"}
            body = [*read.json()["data"], risk]
            sent = self.http.put(
                url, json=body, headers={**self.headers, "If-Match": read.headers["ETag"]}
            )
            self.note("PUT", sent)
            if sent.status_code == 200:
                self.written.append(int(sent.json()["version"]))
        except httpx.HTTPError as error:
            self.problems.append(f"transport: {error!r}")

    def note(self, method: str, response: httpx.Response) -> None:
        self.answers.append((method, response.status_code))
        if response.status_code == 503:
            problem = response.json()
            if not problem.get("type", "").endswith("/database_unavailable"):
                self.problems.append(f"{method} 503 without its problem: {response.text[:200]}")
        elif response.status_code not in (200, 409):
            self.problems.append(f"{method} {response.status_code}: {response.text[:200]}")


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 20) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def test_requests_in_flight_through_a_restart_get_answers_and_lose_no_write(
    base_url: str, database: Database, settings: Settings
) -> None:
    """Five clients, three reading and writing one plan and two chatting with ChaSen, send
    requests without pause while the server stops and starts: every answer is a success, a
    version conflict or a 503, never a 500, a broken connection or a wait past the client's
    timeout; once the server is back every client succeeds again; and the plan holds exactly
    the writes answered 200."""
    anu = auth(settings, ANU)
    with httpx.Client(base_url=base_url, timeout=CONNECT_TIMEOUT_S * 3) as http:
        plan_id = new_plan(http, anu, database)
    clients = [
        Traffic(
            httpx.Client(base_url=base_url, timeout=CONNECT_TIMEOUT_S * 3),
            anu,
            plan_id,
            chats=index >= 3,
        )
        for index in range(5)
    ]
    stop = threading.Event()

    def run(traffic: Traffic) -> None:
        n = 0
        with traffic.http:
            while not stop.is_set():
                traffic.step(n)
                n += 1

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: all(c.ok() >= 5 for c in clients), "every client got answers")
        with database_stopped(database):
            wait_for(
                lambda: all(c.refused() for c in clients),
                "every client was told the database is away",
            )
        back = [len(c.answers) for c in clients]
        wait_for(
            lambda: all(c.ok(since) >= 5 for c, since in zip(clients, back, strict=True)),
            "every client succeeded again after the restart",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=CONNECT_TIMEOUT_S * 3)
    assert not [t for t in threads if t.is_alive()], "a client hung"

    assert [p for c in clients for p in c.problems] == []
    written = sorted(v for c in clients for v in c.written)
    assert written, "no write got through"
    with database.sessions() as session:
        plan = PlanService(session).get_plan(uuid.UUID(plan_id))
    assert plan.version == 1 + len(written)
    assert written == list(range(2, plan.version + 1))
    assert [v for _, v in log_of(database, plan_id)] == written
    assert len(plan.sections["risks"]) == len(written)


def test_a_draft_that_cannot_read_its_checkpoints_is_recorded_as_failed(database: Database) -> None:
    """The API records a draft's run before running it in the background; if the checkpoint
    store then fails (as the pool of dead connections did after a restart), the run must end
    failed with the reason, not stay "running" for anyone following the thread."""
    with open_checkpointer(database) as checkpointer:
        pass  # its pool is closed now: every checkpoint read fails
    chasen = ChaSen(database, checkpointer, model=OFFLINE, today=TODAY)
    anu = chasen.person(ANU)
    thread = f"draft-{uuid.uuid4()}"
    run_id = chasen.begin("plan_draft", anu, thread)

    with pytest.raises(PoolClosed):
        chasen.draft(anu, {"client": "Barwon Health"}, thread_id=thread, run_id=run_id)

    with database.sessions() as session:
        run = session.get(AgentRun, run_id)
        assert run is not None and run.status == "failed"
        assert run.error is not None and run.error.startswith("PoolClosed")
        assert run.finished_at is not None
