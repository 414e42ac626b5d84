"""Concurrent writers on one plan through the API, the agent, Slack and the service: no lost update.

``tests/test_concurrency.py`` races service writers on one section. Here eight people write one
plan at once through each path a change takes: the HTTP API with If-Match; the agent, whose
proposal is prepared in one transaction and applied in another once accepted; Slack, where the
same proposal is recorded as an approval and settled by a click (then clicked again); and the
service directly. Each re-reads and retries on a version conflict, as a client would. In the end
every change is there once, each took one version, and the activity log names each author.

The threads share the in-process TestClient: its requests all go through one blocking portal,
which takes calls from any thread, and the sync endpoints run in the app's thread pool, so
requests overlap in the database as they would behind a server.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent import approvals
from agent.context import ChaSenContext
from agent.inbox import HumanResponse
from agent.review import Apply, settle
from core.database import transaction
from core.errors import VersionConflictError
from core.identity import Person
from core.models import ApprovalRequest, PlanActivity
from core.settings import Settings
from ingest.demo_data import ANU, JOHN, LAURA, NIKKI, TRACEY
from planning import proposals
from planning.service import PlanService
from tests.agent_harness import client, person
from tests.api_harness import auth, problem_of

MICHAEL = "michael.costa@example.com"  # manager, Australia + NZ
GRACE = "grace.tan@example.com"  # manager, Asia + Guam
SAM = "sam.whitford@example.com"  # admin: edits any plan
CHANGES = 5  # per writer
MAX_ATTEMPTS = 200  # per change; each conflict means that another writer got through
ACCEPT = HumanResponse(type="accept")
ITEM_PATH = re.compile(r"\[id=([^\]]+)\]$")
STALE = re.compile(r"is at version (\d+), not \d+: it changed since you read it")

Path = Literal["api", "agent", "slack", "service"]


@dataclass(frozen=True)
class Conflict:
    """A write refused as stale; the plan's version it was told about."""

    current_version: int


Outcome = int | Conflict
"""The version a write made, or the conflict it met."""


@dataclass
class Writer:
    """One person writing one section through one path, and what came of it."""

    tag: str
    email: str
    path: Path
    section: str
    person: Person | None = None
    written: list[tuple[int, str]] = field(default_factory=list)  # (version, item id)
    conflicts: int = 0
    approvals: list[uuid.UUID] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    @property
    def who(self) -> Person:
        assert self.person is not None
        return self.person


def team_of(sessions: sessionmaker[Session]) -> list[Writer]:
    """Four writers on one section (actions), and four on a section each."""
    team = [
        Writer("api-tracey", TRACEY, "api", "actions"),
        Writer("api-anu", ANU, "api", "actions"),
        Writer("agent-laura", LAURA, "agent", "actions"),
        Writer("slack-john", JOHN, "slack", "actions"),
        Writer("api-sam", SAM, "api", "risks"),
        Writer("agent-nikki", NIKKI, "agent", "stakeholders"),
        Writer("slack-michael", MICHAEL, "slack", "opportunities"),
        Writer("service-grace", GRACE, "service", "value"),
    ]
    for writer in team:
        writer.person = person(sessions, writer.email)
    return team


@pytest.fixture
def plan_id(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> uuid.UUID:
    """Tracey's FY2026 Barwon Health plan at version 1; everyone in ``team_of`` edits it."""
    body = {
        "plan_type": "account",
        "fiscal_year": 2026,
        "primary_owner": "Tracey Bland",
        "client_id": str(client(committed_factory, "Barwon Health").id),
        "collaborators": [ANU, LAURA, JOHN, NIKKI, MICHAEL, GRACE],
    }
    created = api.post("/plans", json=body, headers=auth(settings, TRACEY))
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    return uuid.UUID(created.json()["id"])


# -- what each writer adds ---------------------------------------------------------------------


def new_item(writer: Writer, n: int) -> dict[str, Any]:
    item_id, title = f"{writer.tag}-{n}", f"Change {n} by {writer.who.name}"
    if writer.section == "actions":
        return {"id": item_id, "title": title, "owner": writer.who.name, "due_date": "2026-12-01"}
    if writer.section == "stakeholders":
        return {"id": item_id, "name": title}
    if writer.section == "opportunities":
        return {"id": item_id, "name": title, "acv": 10_000 * (n + 1), "probability": 40}
    return {"id": item_id, "title": title}  # a risk, or an outcome in value


def with_item(section: str, current: Any, item: dict[str, Any]) -> Any:
    """The section as it is, plus ``item``."""
    if section == "value":
        value = dict(current or {})
        return {**value, "outcomes": [*value.get("outcomes", []), item]}
    return [*(current or []), item]


def item_ids(section: str, data: Any) -> list[str]:
    items = (data or {}).get("outcomes", []) if section == "value" else data
    return [item["id"] for item in items]


def version_in(outcome: str) -> int:
    """The version an applied proposal reports ("... is now at version 7 ...")."""
    found = re.search(r"is now at version (\d+)", outcome)
    assert found, outcome
    return int(found.group(1))


# -- the paths: each write is read (prepare) then sent (commit) --------------------------------


@dataclass
class Paths:
    """The four ways a change reaches a plan, against one plan."""

    api: TestClient
    settings: Settings
    sessions: sessionmaker[Session]
    plan_id: uuid.UUID

    def prepare(self, writer: Writer, item: dict[str, Any]) -> Callable[[], Outcome]:
        """Read what the write is based on; the returned call sends it."""
        prepare: Callable[[Writer, dict[str, Any]], Callable[[], Outcome]] = getattr(
            self, f"_{writer.path}"
        )
        return prepare(writer, item)

    def write(self, writer: Writer, item: dict[str, Any]) -> int:
        """Add ``item`` as a client does: read, send, and on a conflict read again."""
        for _ in range(MAX_ATTEMPTS):
            outcome = self.prepare(writer, item)()
            if isinstance(outcome, int):
                return outcome
            writer.conflicts += 1
        raise AssertionError(f"{writer.tag} made no progress in {MAX_ATTEMPTS} attempts")

    def _api(self, writer: Writer, item: dict[str, Any]) -> Callable[[], Outcome]:
        headers = auth(self.settings, writer.email)
        url = f"/plans/{self.plan_id}/sections/{writer.section}"
        read = self.api.get(url, headers=headers)
        assert read.status_code == 200, read.text
        body = with_item(writer.section, read.json()["data"], item)
        headers["If-Match"] = read.headers["ETag"]

        def commit() -> Outcome:
            sent = self.api.put(url, json=body, headers=headers)
            if sent.status_code == 200:
                version: int = sent.json()["version"]
                assert sent.headers["ETag"] == f'"v{version}"'
                return version
            problem = problem_of(sent, 409)
            assert problem["type"].endswith("/version_conflict"), problem
            assert sent.headers["ETag"] == f'"v{problem["current_version"]}"'
            return Conflict(problem["current_version"])

        return commit

    def _propose(self, writer: Writer, item: dict[str, Any]) -> proposals.Proposal:
        """What ChaSen prepares when asked to add ``item``: read and checked, not written."""
        with transaction(self.sessions) as session:
            return proposals.propose_section_change(
                session, writer.who, str(self.plan_id), writer.section, "add_item", item=item
            )

    def _agent(self, writer: Writer, item: dict[str, Any]) -> Callable[[], Outcome]:
        proposal = self._propose(writer, item)

        def commit() -> Outcome:
            try:
                with transaction(self.sessions) as session:
                    return version_in(proposals.apply(session, proposal, writer.who))
            except VersionConflictError as error:
                return Conflict(error.current_version)

        return commit

    def _slack(self, writer: Writer, item: dict[str, Any]) -> Callable[[], Outcome]:
        proposal = self._propose(writer, item)
        approval = uuid.uuid4()
        with transaction(self.sessions) as session:  # as ChaSen records it before asking
            approvals.record_pending(
                session,
                id=approval,
                thread_id=f"slack-{writer.tag}",
                graph="chat",
                kind=proposal.kind,
                description=proposal.summary,
                action={"action": proposal.action_name, "args": proposal.model_dump(mode="json")},
                requested_by=writer.who.id,
                plan_id=self.plan_id,
            )
        writer.approvals.append(approval)
        ctx = ChaSenContext(person=writer.who, sessions=self.sessions)

        def commit() -> Outcome:
            decision = settle(ctx, approval, ACCEPT, accepting(proposal))
            if decision.status == "accepted":
                # Clicked twice, or Slack retrying the click: decided, nothing written again.
                again = settle(ctx, approval, ACCEPT, accepting(proposal))
                assert again.status == "accepted", again
                assert again.outcome.startswith("Already decided"), again.outcome
                return version_in(decision.outcome)
            assert decision.status == "failed", decision
            stale = STALE.search(decision.outcome)
            assert stale, decision.outcome
            return Conflict(int(stale.group(1)))

        return commit

    def _service(self, writer: Writer, item: dict[str, Any]) -> Callable[[], Outcome]:
        with transaction(self.sessions) as session:
            current = PlanService(session).get_section(self.plan_id, writer.section)
        data = with_item(writer.section, current.data, item)

        def commit() -> Outcome:
            try:
                with transaction(self.sessions) as session:
                    written = PlanService(session).write_section(
                        self.plan_id,
                        writer.section,
                        data,
                        expected_version=current.version,
                        actor=writer.who.actor,
                    )
                    return written.version
            except VersionConflictError as error:
                return Conflict(error.current_version)

        return commit


def accepting(proposal: proposals.Proposal) -> Apply:
    """What accepting ``proposal`` does (the chat graph's apply, without edits)."""

    def apply(session: Session, person: Person, decided: HumanResponse) -> str:
        return proposals.apply(session, proposal, person)

    return apply


def run_together(jobs: dict[str, Callable[[], None]]) -> None:
    """Run each job in its own thread, all released at once; fail if one hangs."""
    barrier = threading.Barrier(len(jobs))

    def released(job: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            barrier.wait(timeout=10)
            job()

        return run

    threads = [threading.Thread(target=released(job), name=name) for name, job in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=45)
    assert not [t.name for t in threads if t.is_alive()], "a writer hung"


def updates_of(sessions: sessionmaker[Session], plan_id: uuid.UUID) -> list[PlanActivity]:
    """The plan's "updated" log entries, oldest first."""
    with sessions() as session:
        return list(
            session.scalars(
                select(PlanActivity)
                .where(PlanActivity.plan_id == plan_id, PlanActivity.action == "updated")
                .order_by(PlanActivity.created_at, PlanActivity.id)
            )
        )


def added_ids(changes: list[dict[str, Any]]) -> list[str]:
    """The ids of the items a logged diff adds (a list added whole counts each item)."""
    ids: list[str] = []
    for change in changes:
        after = change["after"]
        if isinstance(after, list):
            ids += [item["id"] for item in after]
        elif isinstance(after, dict):
            found = ITEM_PATH.search(change["path"])
            assert found, change
            ids.append(found.group(1))
    return ids


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_eight_writers_through_every_path_lose_no_update_and_log_each_write_once(
    api: TestClient,
    settings: Settings,
    committed_factory: sessionmaker[Session],
    plan_id: uuid.UUID,
) -> None:
    sessions = committed_factory
    paths = Paths(api, settings, sessions, plan_id)
    team = team_of(sessions)

    def job(writer: Writer) -> Callable[[], None]:
        def run() -> None:
            try:
                for n in range(CHANGES):
                    item = new_item(writer, n)
                    writer.written.append((paths.write(writer, item), item["id"]))
            except BaseException as error:  # reported below, with the writer's name
                writer.errors.append(error)

        return run

    run_together({writer.tag: job(writer) for writer in team})

    assert {w.tag: w.errors for w in team if w.errors} == {}
    assert all(len(w.written) == CHANGES for w in team)
    successes = CHANGES * len(team)

    # No lost update: every item is in its section, once, and nothing else is.
    with transaction(sessions) as session:
        plan = PlanService(session).get_plan(plan_id)
    for section in {w.section for w in team}:
        intended = sorted(i for w in team if w.section == section for _, i in w.written)
        assert sorted(item_ids(section, plan.sections[section])) == intended, section

    # One version per successful write, and each version went to one write.
    assert plan.version == 1 + successes
    versions = [v for w in team for v, _ in w.written]
    assert sorted(versions) == list(range(2, plan.version + 1))

    # The log: one entry per write, by its author, with its version, section and item.
    by_version = {v: (w.who.name, w.section, [i]) for w in team for v, i in w.written}
    updates = updates_of(sessions, plan_id)
    assert len(updates) == successes
    logged = {
        e.details["version"]: (e.user_name, e.details["section"], added_ids(e.details["changes"]))
        for e in updates
    }
    assert logged == by_version
    assert [e.details["version"] for e in updates] == sorted(by_version)  # in order
    for entry in updates:  # each write only added: nothing another writer wrote was undone
        assert {c["op"] for c in entry.details["changes"]} == {"add"}, entry.details

    # Slack: one approval per attempt, accepted once per change; the others failed as stale.
    with sessions() as session:
        rows = session.scalars(select(ApprovalRequest).where(ApprovalRequest.plan_id == plan_id))
        status_of = {row.id: row.status for row in rows}
    for writer in (w for w in team if w.path == "slack"):
        decided = Counter(status_of[approval] for approval in writer.approvals)
        assert decided == Counter({"accepted": CHANGES, "failed": writer.conflicts}), writer.tag
    assert sum(w.conflicts for w in team) > 0, "the writers never raced"


@pytest.mark.timeout(60)
def test_eight_writers_sending_one_version_through_every_path_exactly_one_wins(
    api: TestClient,
    settings: Settings,
    committed_factory: sessionmaker[Session],
    plan_id: uuid.UUID,
) -> None:
    """All read version 1, then write at once, to the same section or another: one wins, the
    seven others are told the plan is at version 2, and only the winner's change is there."""
    sessions = committed_factory
    paths = Paths(api, settings, sessions, plan_id)
    team = team_of(sessions)
    outcomes: dict[str, Outcome] = {}

    def job(writer: Writer) -> Callable[[], None]:
        commit = paths.prepare(writer, new_item(writer, 0))  # read before the race

        def run() -> None:
            outcomes[writer.tag] = commit()

        return run

    run_together({writer.tag: job(writer) for writer in team})

    assert len(outcomes) == len(team)
    winners = [tag for tag, outcome in outcomes.items() if outcome == 2]
    assert len(winners) == 1, outcomes
    losers = [outcome for tag, outcome in outcomes.items() if tag not in winners]
    assert losers == [Conflict(2)] * (len(team) - 1), outcomes

    (winner,) = (w for w in team if w.tag == winners[0])
    with transaction(sessions) as session:
        plan = PlanService(session).get_plan(plan_id)
    assert plan.version == 2
    for section in {w.section for w in team}:
        expected = [f"{winner.tag}-0"] if section == winner.section else []
        assert item_ids(section, plan.sections[section]) == expected, section
    updates = updates_of(sessions, plan_id)
    assert [(e.user_name, e.details["section"], e.details["version"]) for e in updates] == [
        (winner.who.name, winner.section, 2)
    ]
