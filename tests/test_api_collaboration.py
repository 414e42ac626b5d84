"""Comments, presence and the activity log through HTTP, on the real app and database."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.database import conninfo
from core.settings import Settings
from ingest.demo_data import ANU, JOHN, TRACEY
from tests.agent_harness import client
from tests.api_harness import MANAGER, RISK, auth, new_account_plan, plan_with_risk, problem_of

NO_PLAN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def plan(api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]) -> str:
    """Anu's Barwon Health plan with one risk; Tracey may read it, John may not."""
    barwon = str(client(committed_factory, "Barwon Health").id)
    plan_id = plan_with_risk(api, settings, ANU, barwon)
    return plan_id


@pytest.fixture
def listener(engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    """A connection listening on ``plan_updates``."""
    with psycopg.connect(conninfo(engine.url), autocommit=True) as connection:
        connection.execute("LISTEN plan_updates")
        yield connection


def _comment(api: TestClient, settings: Settings, email: str, plan_id: str, **body: Any) -> Any:
    response = api.post(f"/plans/{plan_id}/comments", json=body, headers=auth(settings, email))
    assert response.status_code == 201, response.text
    return response.json()


def _events(connection: psycopg.Connection[Any], count: int) -> list[dict[str, Any]]:
    found = [json.loads(n.payload) for n in connection.notifies(timeout=2, stop_after=count)]
    assert len(found) == count
    return found


def _comments_and_log(api: TestClient, settings: Settings, plan_id: str) -> tuple[Any, Any]:
    headers = auth(settings, ANU)
    comments = api.get(f"/plans/{plan_id}/comments", headers=headers).json()
    log = api.get(f"/plans/{plan_id}/activity", headers=headers).json()["items"]
    return comments, [e["action"] for e in log]


# --- comments ------------------------------------------------------------------------------


def test_threads_are_anchored_and_replies_join_their_root(
    api: TestClient, settings: Settings, plan: str
) -> None:
    root = _comment(
        api,
        settings,
        ANU,
        plan,
        content="  Who replaces them? @tracey.bland, cc @john.salisbury@example.com and @team.  ",
        entity_type="risk",
        entity_id=RISK["id"],
    )
    assert root["content"].startswith("Who") and root["content"].endswith("@team.")
    assert (root["author"], root["parent_id"], root["replies"]) == ("Anu Pradhan", None, [])
    assert [(m["name"], m["email"]) for m in root["mentions"]] == [
        ("Tracey Bland", TRACEY),
        ("John Salisbury", JOHN),
    ]  # "@team" is nobody
    # Tracey may read the plan but not edit it: she may still comment.
    reply = _comment(api, settings, TRACEY, plan, content="Their deputy", parent_id=root["id"])
    assert (reply["entity_type"], reply["entity_id"]) == ("risk", RISK["id"])
    deeper = _comment(api, settings, ANU, plan, content="Thanks", parent_id=reply["id"])
    assert deeper["parent_id"] == root["id"]  # one level of threading
    _comment(
        api,
        settings,
        MANAGER,
        plan,
        content="Good plan",
        entity_type="section",
        entity_id="risks",
    )

    [thread, on_section] = api.get(f"/plans/{plan}/comments", headers=auth(settings, TRACEY)).json()
    assert [r["content"] for r in thread["replies"]] == ["Their deputy", "Thanks"]
    assert thread["mentions"] == root["mentions"] and on_section["entity_id"] == "risks"
    on_risk = api.get(
        f"/plans/{plan}/comments",
        params={"entity_type": "risk", "entity_id": RISK["id"]},
        headers=auth(settings, ANU),
    ).json()
    assert [t["id"] for t in on_risk] == [root["id"]]


def test_a_new_comment_is_announced_on_plan_updates(
    api: TestClient,
    settings: Settings,
    plan: str,
    listener: psycopg.Connection[Any],
) -> None:
    comment = _comment(api, settings, TRACEY, plan, content="Ping @anu.pradhan")
    [event] = _events(listener, 1)
    assert event["event"] == "comment" and event["action"] == "created"
    assert (event["plan_id"], event["comment_id"]) == (plan, comment["id"])
    assert event["updated_by"] == "Tracey Bland"
    assert [m["email"] for m in event["mentions"]] == [ANU]


def test_threads_are_resolved_and_reopened_by_their_author_or_the_plans_editors(
    api: TestClient, settings: Settings, plan: str
) -> None:
    anus = _comment(api, settings, ANU, plan, content="Add the renewal risk")
    traceys = _comment(api, settings, TRACEY, plan, content="Done?")
    reply = _comment(api, settings, ANU, plan, content="Yes", parent_id=traceys["id"])
    base = f"/plans/{plan}/comments"
    anu, tracey = auth(settings, ANU), auth(settings, TRACEY)

    problem_of(api.post(f"{base}/{anus['id']}/resolve", headers=tracey), 403)
    resolved = api.post(f"{base}/{anus['id']}/resolve", headers=anu).json()
    assert (resolved["resolved"], resolved["resolved_by"]) == (True, "Anu Pradhan")
    again = problem_of(api.post(f"{base}/{anus['id']}/resolve", headers=anu), 409)
    assert "already resolved by Anu Pradhan" in again["detail"]
    open_only = api.get(base, params={"include_resolved": "false"}, headers=anu).json()
    assert [t["id"] for t in open_only] == [traceys["id"]]

    reopened = api.post(f"{base}/{anus['id']}/reopen", headers=anu).json()
    assert (reopened["resolved"], reopened["resolved_by"], reopened["resolved_at"]) == (
        False,
        None,
        None,
    )
    problem_of(api.post(f"{base}/{anus['id']}/reopen", headers=anu), 409)

    problem_of(api.post(f"{base}/{reply['id']}/resolve", headers=anu), 422)  # a reply
    mine = api.post(f"{base}/{traceys['id']}/resolve", headers=tracey).json()
    assert mine["resolved_by"] == "Tracey Bland" and [r["id"] for r in mine["replies"]] == [
        reply["id"]
    ]
    _, log = _comments_and_log(api, settings, plan)
    assert log[:3] == ["comment_resolved", "comment_reopened", "comment_resolved"]


def test_unknown_and_foreign_ids_are_404(
    api: TestClient, settings: Settings, plan: str, committed_factory: sessionmaker[Session]
) -> None:
    anu = auth(settings, ANU)
    barwon = str(client(committed_factory, "Barwon Health").id)
    other = new_account_plan(api, settings, ANU, barwon).json()["id"]
    theirs = _comment(api, settings, ANU, other, content="On the other plan")
    problem_of(api.post(f"/plans/{plan}/comments/{theirs['id']}/resolve", headers=anu), 404)
    problem_of(api.post(f"/plans/{plan}/comments/{NO_PLAN}/reopen", headers=anu), 404)
    problem_of(
        api.post(
            f"/plans/{plan}/comments", json={"content": "x", "parent_id": theirs["id"]}, headers=anu
        ),
        404,
    )
    for method, path, body in (
        ("GET", "comments", None),
        ("POST", "comments", {"content": "Hello"}),
        ("PUT", "presence", {"current_step": "review"}),
        ("GET", "presence", None),
        ("GET", "activity", None),
    ):
        problem_of(api.request(method, f"/plans/{NO_PLAN}/{path}", json=body, headers=anu), 404)


def test_people_who_cannot_see_the_plan_are_refused(
    api: TestClient, settings: Settings, plan: str
) -> None:
    comment = _comment(api, settings, ANU, plan, content="Internal")
    john = auth(settings, JOHN)
    for method, path, body in (
        ("GET", "comments", None),
        ("POST", "comments", {"content": "Let me in"}),
        ("POST", f"comments/{comment['id']}/resolve", None),
        ("PUT", "presence", {"current_step": "review"}),
        ("GET", "presence", None),
        ("DELETE", "presence", None),
        ("GET", "activity", None),
    ):
        problem_of(api.request(method, f"/plans/{plan}/{path}", json=body, headers=john), 403)
    comments, _ = _comments_and_log(api, settings, plan)
    assert [c["id"] for c in comments] == [comment["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"content": "   "},
        {"content": "x" * 8001},
        {"content": "ok", "extra": 1},
        {"content": "ok", "entity_type": "risk"},
        {"content": "ok", "entity_id": "risk-cio"},
        {"content": "ok", "entity_type": "budget", "entity_id": "b1"},
        {"content": "ok", "entity_type": "risk", "entity_id": "no-such-risk"},
        {"content": "ok", "entity_type": "section", "entity_id": "budget"},
        {"content": "ok", "parent_id": "not-a-uuid"},
    ],
)
def test_malformed_comments_are_422_and_write_nothing(
    api: TestClient, settings: Settings, plan: str, body: dict[str, Any]
) -> None:
    response = api.post(f"/plans/{plan}/comments", json=body, headers=auth(settings, ANU))
    assert problem_of(response, 422)["errors"]
    comments, log = _comments_and_log(api, settings, plan)
    assert comments == [] and "comment_added" not in log


def test_a_reply_may_not_move_its_thread(api: TestClient, settings: Settings, plan: str) -> None:
    root = _comment(
        api, settings, ANU, plan, content="On risks", entity_type="section", entity_id="risks"
    )
    moved = {
        "content": "x",
        "parent_id": root["id"],
        "entity_type": "section",
        "entity_id": "value",
    }
    response = api.post(f"/plans/{plan}/comments", json=moved, headers=auth(settings, ANU))
    problem_of(response, 422)


# --- presence ------------------------------------------------------------------------------


def test_presence_shows_who_is_on_which_step_until_they_go_stale_or_leave(
    api: TestClient,
    settings: Settings,
    plan: str,
    committed_factory: sessionmaker[Session],
) -> None:
    url = f"/plans/{plan}/presence"
    anu, tracey = auth(settings, ANU), auth(settings, TRACEY)
    first = api.put(url, json={"current_step": "portfolio"}, headers=anu)
    assert [(p["user_name"], p["current_step"]) for p in first.json()] == [
        ("Anu Pradhan", "portfolio")
    ]
    both = api.put(url, json={"current_step": "risks"}, headers=tracey).json()
    assert [(p["user_name"], p["user_role"]) for p in both] == [
        ("Anu Pradhan", "CAM"),
        ("Tracey Bland", "CSE"),
    ]
    assert all(p["last_active"] for p in both)

    with committed_factory.begin() as session:
        session.execute(
            text(
                "UPDATE plan_presence SET last_active = now() - interval '5 minutes' "
                "WHERE user_name = 'Tracey Bland'"
            )
        )
    assert [p["user_name"] for p in api.get(url, headers=anu).json()] == ["Anu Pradhan"]

    assert api.delete(url, headers=anu).status_code == 204
    assert api.get(url, headers=tracey).json() == []
    assert api.delete(url, headers=anu).status_code == 204  # leaving twice is harmless
    _, log = _comments_and_log(api, settings, plan)
    assert log == ["updated", "created"]  # heartbeats are not activity


def test_a_step_that_is_not_a_plan_step_is_422(
    api: TestClient, settings: Settings, plan: str
) -> None:
    url = f"/plans/{plan}/presence"
    body = problem_of(
        api.put(url, json={"current_step": "budget"}, headers=auth(settings, ANU)), 422
    )
    assert "context, portfolio, relationships, risks, review" in body["errors"][0]["message"]
    problem_of(api.put(url, json={"step": "review"}, headers=auth(settings, ANU)), 422)
    assert api.get(url, headers=auth(settings, ANU)).json() == []


def test_presence_is_announced_only_when_it_changes(
    api: TestClient,
    settings: Settings,
    plan: str,
    listener: psycopg.Connection[Any],
) -> None:
    url, anu = f"/plans/{plan}/presence", auth(settings, ANU)
    for step in ("context", "context", "context", "review"):
        assert api.put(url, json={"current_step": step}, headers=anu).status_code == 200
    assert api.delete(url, headers=anu).status_code == 204
    events = _events(listener, 3)
    assert [(e["event"], e["action"], e.get("current_step")) for e in events] == [
        ("presence", "joined", "context"),
        ("presence", "moved", "review"),
        ("presence", "left", None),
    ]
    assert list(listener.notifies(timeout=0.3)) == []


# --- activity ------------------------------------------------------------------------------


def test_activity_is_paged_newest_first_without_overlap(
    api: TestClient, settings: Settings, plan: str
) -> None:
    for n in range(4):
        _comment(api, settings, ANU, plan, content=f"Note {n}")
    url, anu = f"/plans/{plan}/activity", auth(settings, ANU)
    whole = api.get(url, params={"limit": 200}, headers=anu).json()
    assert whole["next_cursor"] is None and len(whole["items"]) == 6  # created, risks, 4 notes
    stamps = [e["created_at"] for e in whole["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert whole["items"][-1]["action"] == "created"
    assert whole["items"][0]["details"]["comment_id"]

    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get(url, params=params, headers=anu).json()
        pages.append([e["id"] for e in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 2]
    assert [i for p in pages for i in p] == [e["id"] for e in whole["items"]]


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "junk"},
        {"cursor": base64.urlsafe_b64encode(b'["2026-01-01T00:00:00"]').decode()},
        {"cursor": base64.urlsafe_b64encode(b'["yesterday", "not-an-id"]').decode()},
        {"limit": 0},
        {"limit": 201},
    ],
)
def test_forged_cursors_and_bad_limits_are_422(
    api: TestClient, settings: Settings, plan: str, params: dict[str, Any]
) -> None:
    problem_of(api.get(f"/plans/{plan}/activity", params=params, headers=auth(settings, ANU)), 422)
