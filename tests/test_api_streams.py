"""Server-Sent Events against the app served by uvicorn: open pages see each other's changes,
a draft's progress, and a chat turn as it is written."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.bootstrap import Database
from core.settings import Settings
from ingest.demo_data import ANU, LAURA, TRACEY
from tests.agent_harness import client, seed
from tests.api_harness import MANAGER, auth, problem_of
from tests.live_server import serving_api, sse_events

WITHIN_S = 1.0  # open pages see each other's changes within a second


@pytest.fixture
def live(
    committed_factory: sessionmaker[Session], engine: Engine, settings: Settings
) -> Iterator[httpx.Client]:
    seed(committed_factory)
    database = Database(engine=engine, sessions=committed_factory, embedded=True)
    with (
        serving_api(database, settings) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as http,
    ):
        yield http


@pytest.fixture
def plan_id(
    live: httpx.Client, settings: Settings, committed_factory: sessionmaker[Session]
) -> str:
    body = {
        "plan_type": "account",
        "fiscal_year": 2026,
        "primary_owner": "x",
        "client_id": str(client(committed_factory, "Barwon Health").id),
    }
    created = live.post("/plans", json=body, headers=auth(settings, TRACEY))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_one_pages_write_reaches_another_pages_stream(
    live: httpx.Client, settings: Settings, plan_id: str
) -> None:
    watcher = auth(settings, MANAGER)  # a reviewer with the plan open
    with live.stream("GET", f"/plans/{plan_id}/events", headers=watcher) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events(stream)
        name, first = next(events)
        assert (name, first["version"], first["status"]) == ("plan", 1, "draft")

        started = time.monotonic()
        written = live.put(
            f"/plans/{plan_id}/sections/risks",
            json=[{"title": "Renewal slips", "category": "renewal"}],
            headers={**auth(settings, TRACEY), "If-Match": '"v1"'},
        )
        assert written.status_code == 200, written.text
        name, update = next(events)
        elapsed = time.monotonic() - started

    assert name == "plan" and update["plan_id"] == plan_id
    assert update["version"] == 2 and update["status"] == "draft"
    assert elapsed < WITHIN_S


def test_comments_and_presence_reach_the_other_open_pages(
    live: httpx.Client, settings: Settings, plan_id: str
) -> None:
    tracey = auth(settings, TRACEY)
    with live.stream("GET", f"/plans/{plan_id}/events", headers=auth(settings, MANAGER)) as s:
        events = sse_events(s)
        next(events)
        started = time.monotonic()
        here = live.put(
            f"/plans/{plan_id}/presence", json={"current_step": "risks"}, headers=tracey
        )
        assert here.status_code == 200, here.text
        name, presence = next(events)
        assert (name, presence["updated_by"], presence["current_step"]) == (
            "presence",
            "Tracey Bland",
            "risks",
        )
        comment = {"content": "@michael.costa please review the risks"}
        posted = live.post(f"/plans/{plan_id}/comments", json=comment, headers=tracey)
        assert posted.status_code == 201, posted.text
        name, said = next(events)
        elapsed = time.monotonic() - started
    assert name == "comment" and said["comment_id"] == posted.json()["id"]
    assert [m["name"] for m in said["mentions"]] == ["Michael Costa"]
    assert elapsed < 2 * WITHIN_S


def test_a_workflow_move_is_streamed_and_other_plans_are_not(
    live: httpx.Client, settings: Settings, plan_id: str, committed_factory: Any
) -> None:
    other = live.post(
        "/plans",
        json={
            "plan_type": "account",
            "fiscal_year": 2026,
            "primary_owner": "x",
            "client_id": str(client(committed_factory, "Eastern Health").id),
        },
        headers=auth(settings, TRACEY),
    )
    assert other.status_code == 201, other.text
    with live.stream("GET", f"/plans/{plan_id}/events", headers=auth(settings, TRACEY)) as stream:
        events = sse_events(stream)
        next(events)
        # A change to another plan first: it must not show up on this plan's stream.
        live.put(
            f"/plans/{other.json()['id']}/sections/value",
            json={"outcomes": [{"title": "Faster discharge"}]},
            headers={**auth(settings, TRACEY), "If-Match": '"v1"'},
        ).raise_for_status()
        live.post(f"/plans/{plan_id}/submit", headers=auth(settings, TRACEY)).raise_for_status()
        name, update = next(events)
    assert (name, update["plan_id"], update["status"]) == ("plan", plan_id, "in_review")


def test_streams_refuse_before_they_start(
    live: httpx.Client, settings: Settings, plan_id: str
) -> None:
    outsider = live.get(f"/plans/{plan_id}/events", headers=auth(settings, LAURA))
    problem_of(outsider, 403)
    unknown = live.get(
        "/plans/00000000-0000-0000-0000-000000000000/events", headers=auth(settings, TRACEY)
    )
    problem_of(unknown, 404)
    problem_of(live.get(f"/plans/{plan_id}/events"), 401)
    problem_of(live.get("/threads/nobodys-thread/events", headers=auth(settings, TRACEY)), 404)


def test_generate_plan_draft_streams_its_progress_to_the_decision(
    live: httpx.Client, settings: Settings, plan_id: str
) -> None:
    started = live.post(f"/plans/{plan_id}/draft", headers=auth(settings, TRACEY))
    assert started.status_code == 202, started.text
    thread_id = started.json()["thread_id"]
    with live.stream(
        "GET", f"/threads/{thread_id}/events", headers=auth(settings, TRACEY)
    ) as stream:
        assert stream.status_code == 200
        received = list(sse_events(stream))  # the stream ends when the run does

    *steps, (last, status) = received
    # The run may be under way or done when the page connects: steps seen are real nodes.
    assert all(name == "step" for name, _ in steps)
    nodes = {"load_context", "draft_sections", "write_narrative", "review"}
    assert {s["node"] for _, s in steps} <= nodes
    assert last == "status" and status["status"] == "waiting"
    (decision,) = status["decisions"]
    assert decision["kind"] == "plan_draft" and decision["plan_id"] == plan_id
    # Someone else cannot follow this thread.
    problem_of(live.get(f"/threads/{thread_id}/events", headers=auth(settings, ANU)), 404)


def test_chat_streams_steps_and_text_then_the_turn(live: httpx.Client, settings: Settings) -> None:
    body = {"message": "What is the churn risk of Barwon Health?"}
    with live.stream("POST", "/chat/stream", json=body, headers=auth(settings, TRACEY)) as s:
        assert s.status_code == 200
        received = list(sse_events(s))

    names = [name for name, _ in received]
    assert names[-1] == "turn" and "step" in names and "token" in names
    turn = received[-1][1]
    assert turn["status"] == "done" and "Barwon Health" in turn["answer"]
    written = "".join(d["text"] for name, d in received if name == "token")
    assert turn["answer"] in written
    steps = [d["node"] for name, d in received if name == "step"]
    assert steps[0] == "agent" and "tools" in steps

    # The thread continues only for the person who started it.
    again = {"message": "And Western Health?", "thread_id": turn["thread_id"]}
    problem_of(live.post("/chat/stream", json=again, headers=auth(settings, ANU)), 404)
    problem_of(
        live.post("/chat/stream", json={"message": "   "}, headers=auth(settings, TRACEY)), 422
    )
