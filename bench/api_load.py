"""The HTTP API under load: plan reads and section writes through ``chasen serve``, against the
same database work done by a bare psycopg loop.

A fresh embedded database in a temporary folder is migrated and seeded with the demo data, and
32 account plans are created for one CSE (spread over the clients the CSE sees). The real server
then runs as a subprocess (``chasen serve --workers 2``) on that database with a signing secret
set by the benchmark, and 32 concurrent connections (httpx, a client per connection, one event
loop) load it:

- GET ``/plans/{id}``, each connection going round the plans;
- PUT ``/plans/{id}/sections/risks`` with ``If-Match``, each connection writing its own plan and
  keeping the ETag each write returns (so a 409 would be a bug of the benchmark).

The floor ("peer") does the same database work from 32 psycopg async connections: per read, the
user lookup that authentication does and the plan row select, in one transaction; per write, the
user lookup, the plan row locked (FOR UPDATE) and its version checked, then the section update
with the activity-log insert in one statement (as ``plan_repository.write_section_row`` does).
The API and the floor alternate in rounds so both see the same machine; the load generator runs
on the same cores as the server (and as the database), which the notes say. The server takes
the caller's environment but for the database, the signing secret and the log level (WARNING);
unset, that is the shipped defaults, and the notes give the database pool size it ran with.

Besides the ratios to the floor, the issue's absolute targets are checked: at 32 connections,
p99 latency under 100 ms (reads and writes) and at least 300 reads per second.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from api.tokens import mint
from bench.result import Result
from bench.servers import FOREIGN_ENV, READY_TIMEOUT_S, Phase, chasen_script, free_port
from core.bootstrap import open_database
from core.database import conninfo, transaction
from core.embedded import stop_embedded
from core.identity import Person
from core.settings import ApiSettings, DatabaseSettings, Settings
from ingest.demo_data import TRACEY
from ingest.demo_seed import seed_demo
from planning import directory, permissions
from planning.records import NewPlan, PlanSummary
from planning.sections import SECTIONS, column_of
from planning.service import PlanService

NAME = "api_load"
TODAY = date(2026, 11, 20)
OWNER = TRACEY  # a CSE: owning the plans, the permission check needs no query
CONCURRENCY = 32
PLANS = 32  # one per connection, so that no two connections write the same plan
WORKERS = 2  # one per core of the 2-core machine this was written on
SECTION = "risks"
# Against the raw driver: a read is two indexed selects (~0.3 ms of database work), and around
# them the API parses HTTP, checks a JWT, checks out pooled connections, builds ORM objects and
# pydantic models and renders JSON, in Python: a tenth of the driver's rate is a fair stack. A
# write spends more of its time in the database (row lock, WAL flush at commit), so the stack's
# share is smaller and a fifth is expected.
GET_RATIO = 0.10
PUT_RATIO = 0.20
P99_MS = 100.0  # the targets, at 32 connections
GET_RPS = 300.0


# The columns GET /plans/{id} returns: the summary's and the eight sections'.
_PLAN_COLUMNS = ", ".join([*PlanSummary.model_fields, *(column_of(s) for s in SECTIONS)])
_USER_SQL = "SELECT * FROM users WHERE email = %s"
_READ_SQL = f"SELECT {_PLAN_COLUMNS} FROM strategic_plans WHERE id = %s"
_LOCK_SQL = "SELECT * FROM strategic_plans WHERE id = %s FOR UPDATE"
_WRITE_SQL = f"""
WITH updated AS (
    UPDATE strategic_plans
    SET {column_of(SECTION)} = %(data)s, version = %(version)s, steps_completed = %(steps)s,
        completion_percentage = %(percentage)s, updated_at = now()
    WHERE id = %(id)s
    RETURNING id
)
INSERT INTO plan_activity_log (plan_id, user_name, action, details, created_at)
SELECT updated.id, %(user)s, 'updated', %(details)s, clock_timestamp() FROM updated
"""


Worker = Callable[[int, float, Phase], Awaitable[None]]
PeerConnection = psycopg.AsyncConnection[DictRow]


def _risks(i: int) -> list[dict[str, Any]]:
    """A risks section that differs at every ``i`` (an unchanged write would be a no-op)."""
    return [
        {
            "id": "r1",
            "title": f"Renewal risk #{i}",
            "severity": "high",
            "category": "renewal",
            "likelihood": "medium",
            "mitigation": "Executive sponsor meeting before the QBR",
        },
        {"id": "r2", "title": "Champion leaving", "severity": "medium", "category": "relationship"},
    ]


def _seed(sessions: sessionmaker[Session]) -> tuple[Person, list[uuid.UUID]]:
    """The demo data, and PLANS account plans owned by OWNER over the clients they see."""
    with transaction(sessions) as session:
        seed_demo(session, today=TODAY)
    with transaction(sessions) as session:
        person = Person.of(directory.get_active_user(session, OWNER))
        clients = permissions.visible_clients(session, person)
        service = PlanService(session)
        plan_ids = []
        for i in range(PLANS):
            # More plans than clients: the next fiscal year's, so each (client, year) is one plan.
            new = NewPlan(
                plan_type="account",
                fiscal_year=TODAY.year + i // len(clients),
                primary_owner=person.name,
                primary_owner_role="CSE",
                owner_id=person.id,
                client_id=clients[i % len(clients)].id,
            )
            plan_ids.append(service.create_plan(new, person.actor).id)
    return person, plan_ids


def _listeners(dsn: str) -> int:
    """Server workers whose startup finished: each one's last startup step is its LISTEN."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE starts_with(query, 'LISTEN')"
        ).fetchone()
        return int(row[0]) if row else 0


def _wait_ready(process: subprocess.Popen[bytes], base: str, dsn: str, log: Path) -> None:
    """Until /readyz answers 200 and every worker is up; the server's log if it dies first."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"chasen serve exited with {process.returncode}:\n{tail}")
        try:
            # /readyz alone can come from the first worker up while the other still starts.
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200 and (
                _listeners(dsn) >= WORKERS
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"chasen serve was not ready within {READY_TIMEOUT_S:.0f} s")


@contextmanager
def _server(folder: Path, url: str, secret: str, dsn: str) -> Iterator[str]:
    """``chasen serve`` on the benchmark's database and secret; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update(
        # The embedded server's own URL rather than CHASEN_DB_DATA_DIR: uvicorn re-raises the
        # SIGTERM that stops a worker, so the worker dies before pgserver's atexit hook drops
        # its handle, and the embedded server would then never stop (nor could this process
        # stop it). Through the URL the workers never join pgserver; this process alone holds it.
        DATABASE_URL=url,
        CHASEN_API_JWT_SECRET=secret,
        CHASEN_LOG_LEVEL="WARNING",
    )
    command = [chasen_script(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(WORKERS), "--log-format", "text"]
    log = folder / "server.log"
    with log.open("wb") as output:
        # cwd: the temporary folder, so that no .env of the caller's folder is read.
        process = subprocess.Popen(
            command, env=env, cwd=folder, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(process, base, dsn, log)
        yield base
    finally:
        process.terminate()  # uvicorn's supervisor stops its workers on SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _timed(worker: Worker, seconds: float, into: Phase) -> None:
    """CONCURRENCY copies of ``worker`` until the deadline; the time until the last is done."""
    began = time.perf_counter()
    deadline = began + seconds
    await asyncio.gather(*(worker(i, deadline, into) for i in range(CONCURRENCY)))
    into.seconds += time.perf_counter() - began


def _api_get(clients: list[httpx.AsyncClient], plan_ids: list[uuid.UUID]) -> Worker:
    async def worker(i: int, deadline: float, into: Phase) -> None:
        client = clients[i]
        for k in itertools.count(i):  # round-robin, each connection from its own offset
            if time.perf_counter() >= deadline:
                return
            began = time.perf_counter()
            response = await client.get(f"/plans/{plan_ids[k % len(plan_ids)]}")
            into.latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                into.failures[str(response.status_code)] += 1

    return worker


async def _api_etags(client: httpx.AsyncClient, plan_ids: list[uuid.UUID]) -> list[str]:
    """Each plan's current ETag (read before the clock starts)."""
    responses = [await client.get(f"/plans/{p}/sections/{SECTION}") for p in plan_ids]
    for response in responses:
        response.raise_for_status()
    return [response.headers["ETag"] for response in responses]


def _api_put(
    clients: list[httpx.AsyncClient],
    plan_ids: list[uuid.UUID],
    etags: list[str],
    edits: Iterator[int],
) -> Worker:
    async def worker(i: int, deadline: float, into: Phase) -> None:
        client, url, etag = clients[i], f"/plans/{plan_ids[i]}/sections/{SECTION}", etags[i]
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            response = await client.put(url, json=_risks(next(edits)), headers={"If-Match": etag})
            into.latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                into.failures[str(response.status_code)] += 1
            # A 409 carries the current ETag too; carrying on from it keeps the count honest.
            etag = response.headers.get("ETag", etag)

    return worker


def _peer_get(connections: list[PeerConnection], email: str, plan_ids: list[uuid.UUID]) -> Worker:
    async def worker(i: int, deadline: float, into: Phase) -> None:
        connection = connections[i]
        for k in itertools.count(i):
            if time.perf_counter() >= deadline:
                return
            began = time.perf_counter()
            async with connection.transaction():
                await (await connection.execute(_USER_SQL, (email,))).fetchone()
                cursor = await connection.execute(_READ_SQL, (plan_ids[k % len(plan_ids)],))
                row = await cursor.fetchone()
            into.latencies.append(time.perf_counter() - began)
            if row is None:
                into.failures["missing"] += 1

    return worker


def _peer_put(
    connections: list[PeerConnection],
    person: Person,
    plan_ids: list[uuid.UUID],
    versions: list[int],
    edits: Iterator[int],
) -> Worker:
    async def worker(i: int, deadline: float, into: Phase) -> None:
        connection, plan_id, version = connections[i], plan_ids[i], versions[i]
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            data = _risks(next(edits))
            async with connection.transaction():
                await (await connection.execute(_USER_SQL, (person.email,))).fetchone()
                row = await (await connection.execute(_LOCK_SQL, (plan_id,))).fetchone()
                if row is None or row["version"] != version:
                    into.failures["409"] += 1
                    version = row["version"] if row else version
                else:
                    version += 1
                    change = {"path": "[id=r1].title", "op": "replace", "after": data[0]["title"]}
                    details = {"section": SECTION, "version": version, "changes": [change]}
                    params = {
                        "id": plan_id,
                        "data": Jsonb(data),
                        "version": version,
                        "steps": Jsonb(row["steps_completed"]),
                        "percentage": row["completion_percentage"],
                        "user": person.name,
                        "details": Jsonb(details),
                    }
                    await connection.execute(_WRITE_SQL, params)
            into.latencies.append(time.perf_counter() - began)

    return worker


async def _peer_versions(connection: PeerConnection, plan_ids: list[uuid.UUID]) -> list[int]:
    """Each plan's current version (read before the clock starts)."""
    cursor = await connection.execute(
        "SELECT id, version FROM strategic_plans WHERE id = ANY(%s)", (plan_ids,)
    )
    found = {row["id"]: int(row["version"]) for row in await cursor.fetchall()}
    return [found[p] for p in plan_ids]


async def _measure(
    base: str, token: str, dsn: str, person: Person, plan_ids: list[uuid.UUID], quick: bool
) -> tuple[dict[str, Phase], float, int]:
    """Warm up, then alternate API and floor in rounds; the phases, seconds and rounds."""
    seconds, rounds, warm_up = (3.0, 3, 0.5) if quick else (10.0, 5, 1.0)
    edits = itertools.count()
    phases = {kind: Phase() for kind in ("api_get", "peer_get", "api_put", "peer_put")}
    warm = phases["warm_up"] = Phase()  # thrown away but for its failures
    async with AsyncExitStack() as stack:
        # A client per connection: one AsyncClient pooling all 32 costs ~3.5 ms of CPU per
        # request on this machine (httpx#3215), a third of the cores; one each costs ~1 ms.
        single = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        headers = {"Authorization": f"Bearer {token}"}
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base, headers=headers, limits=single, timeout=30.0)
            )
            for _ in range(CONCURRENCY)
        ]
        connections = [
            await stack.enter_async_context(
                await psycopg.AsyncConnection.connect(dsn, autocommit=True, row_factory=dict_row)
            )
            for _ in range(CONCURRENCY)
        ]

        async def load(kind: str, duration: float, into: Phase) -> None:
            if kind == "api_get":
                worker = _api_get(clients, plan_ids)
            elif kind == "peer_get":
                worker = _peer_get(connections, person.email, plan_ids)
            elif kind == "api_put":
                etags = await _api_etags(clients[0], plan_ids)
                worker = _api_put(clients, plan_ids, etags, edits)
            else:
                versions = await _peer_versions(connections[0], plan_ids)
                worker = _peer_put(connections, person, plan_ids, versions, edits)
            await _timed(worker, duration, into)

        for kind in ("api_get", "peer_get", "api_put", "peer_put"):
            await load(kind, warm_up, warm)
        for r in range(rounds):
            # Who goes first alternates, so neither always runs on the other's leftovers.
            for pair in (("api_get", "peer_get"), ("api_put", "peer_put")):
                for kind in pair if r % 2 == 0 else pair[::-1]:
                    await load(kind, seconds / rounds, phases[kind])
    return phases, seconds, rounds


def _figures(what: str, phase: Phase) -> str:
    return (
        f"{what}: {len(phase.latencies)} done, p50 {phase.ms(50):.1f} ms, "
        f"p99 {phase.ms(99):.1f} ms, failures {phase.failed()}"
    )


def _results(phases: dict[str, Phase], seconds: float, rounds: int, pool: int) -> list[Result]:
    """Per verb: throughput against the floor, then the issue's absolute targets."""
    setting = (
        f"{CONCURRENCY} connections, {seconds:.0f} s each in {rounds} alternating rounds; "
        f"`chasen serve --workers {WORKERS}`, database pool {pool} (+10 overflow) per worker; "
        "the load generator (httpx, "
        f"a client per connection, one event loop) shares the {os.cpu_count()} cores with the "
        f"server and the database; warm-up failures {phases['warm_up'].failed()}"
    )
    get, put = phases["api_get"], phases["api_put"]
    get_api = _figures("GET /plans/{id}", get)
    put_api = _figures(f"PUT /plans/{{id}}/sections/{SECTION}", put)
    get_floor = _figures("floor (psycopg: user lookup + plan select)", phases["peer_get"])
    put_floor = _figures(
        "floor (psycopg: user lookup + lock + update with log)", phases["peer_put"]
    )
    return [
        Result(
            bench="api_get_plan_rps",
            ours=get.rate,
            peer=phases["peer_get"].rate,
            unit="req/s",
            target=GET_RATIO,
            note=f"{get_api}; {get_floor}; {setting}",
        ),
        Result.budget(
            bench="api_get_p99_ms",
            ours=get.ms(99),
            limit=P99_MS,
            unit="ms",
            note=f"issue target: p99 < {P99_MS:.0f} ms at {CONCURRENCY} connections; {get_api}",
        ),
        Result(
            bench="api_get_rps_floor",
            ours=get.rate,
            peer=GET_RPS,
            unit="req/s",
            target=1.0,
            note=f"issue target: >= {GET_RPS:.0f} GET/s at {CONCURRENCY} connections; {get_api}",
        ),
        Result(
            bench="api_put_section_rps",
            ours=put.rate,
            peer=phases["peer_put"].rate,
            unit="req/s",
            target=PUT_RATIO,
            note=f"{put_api}; {put_floor}; {setting}",
        ),
        Result.budget(
            bench="api_put_p99_ms",
            ours=put.ms(99),
            limit=P99_MS,
            unit="ms",
            note=f"issue target: p99 < {P99_MS:.0f} ms at {CONCURRENCY} connections; {put_api}",
        ),
    ]


def run(quick: bool = False) -> list[Result]:
    """Seed a fresh embedded database, serve it, and load the API and the floor in turn."""
    with tempfile.TemporaryDirectory(prefix="chasen-bench-") as name:
        folder = Path(name)
        settings = Settings(database=DatabaseSettings(url=None, data_dir=folder / "pg"))
        db = open_database(settings, migrate=True)
        try:
            person, plan_ids = _seed(db.sessions)
            dsn = conninfo(db.engine.url)
            url = db.engine.url.render_as_string(hide_password=False)
            db.close()  # the embedded server stays up: this process still holds it
            secret = secrets.token_urlsafe(32)
            api = ApiSettings(jwt_secret=SecretStr(secret), jwt_audience=None)
            token = mint(api, subject=str(person.id), email=person.email, ttl_s=3600)
            with _server(folder, url, secret, dsn) as base:
                phases, seconds, rounds = asyncio.run(
                    _measure(base, token, dsn, person, plan_ids, quick)
                )
        finally:
            db.close()
            stop_embedded(settings.database.data_dir)
    server_errors = {
        f"{kind} {status}": n
        for kind, phase in phases.items()
        for status, n in phase.failures.items()
        if status.startswith("5")
    }
    if server_errors:
        raise RuntimeError(f"the server answered 5xx: {server_errors}")
    return _results(phases, seconds, rounds, settings.database.pool_size)
