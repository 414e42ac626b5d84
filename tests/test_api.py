"""The HTTP API through httpx against the real app and the embedded database."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from ingest.demo_data import ANU, JOHN, TRACEY
from tests.agent_harness import client, person
from tests.api_harness import (
    MANAGER,
    SECRET,
    SERVICE_KEY,
    auth,
    new_account_plan,
    problem_of,
)

# --- operations and authentication ---------------------------------------------------------


def test_health_and_readiness(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "not_authenticated"),
        ({"Authorization": "Basic abc"}, "not_authenticated"),
        ({"Authorization": "Bearer not-a-jwt"}, "invalid_token"),
        ({"X-API-Key": "wrong"}, "invalid_api_key"),
    ],
)
def test_requests_without_valid_credentials_are_401(
    api: TestClient, headers: dict[str, str], code: str
) -> None:
    body = problem_of(api.get("/plans", headers=headers), 401)
    assert body["type"].endswith(code)


def test_forged_expired_and_unknown_tokens_are_401(api: TestClient, settings: Settings) -> None:
    forged = jwt.encode(
        {"sub": "x", "email": ANU, "exp": time.time() + 60},
        "another-secret-of-thirty-two-bytes!!",
        "HS256",
    )
    assert (
        "signature"
        in problem_of(api.get("/plans", headers={"Authorization": f"Bearer {forged}"}), 401)[
            "detail"
        ]
    )
    expired = jwt.encode({"sub": "x", "email": ANU, "exp": time.time() - 5}, SECRET, "HS256")
    assert (
        "expired"
        in problem_of(api.get("/plans", headers={"Authorization": f"Bearer {expired}"}), 401)[
            "detail"
        ]
    )
    unknown = auth(settings, "nobody@example.com")
    assert "nobody@example.com" in problem_of(api.get("/plans", headers=unknown), 401)["detail"]


def test_a_service_key_acts_as_its_user(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = str(client(committed_factory, "Barwon Health").id)
    plan = new_account_plan(api, settings, ANU, barwon).json()
    service = api.get("/plans", headers={"X-API-Key": SERVICE_KEY})
    # The key acts as the region's manager, who sees the CAM's plan in that region.
    assert [p["id"] for p in service.json()["items"]] == [plan["id"]]


# --- plans, sections, workflow -------------------------------------------------------------


def test_plans_are_listed_by_permission_and_paged(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = str(client(committed_factory, "Barwon Health").id)
    new_account_plan(api, settings, ANU, barwon)
    tracey_plan = api.post(
        "/plans",
        json={"plan_type": "territory", "fiscal_year": 2026, "primary_owner": "Tracey Bland",
              "territory": "VIC + NZ"},
        headers=auth(settings, TRACEY),
    )  # fmt: skip
    assert tracey_plan.status_code == 201

    tracey = api.get("/plans", headers=auth(settings, TRACEY)).json()
    assert len(tracey["items"]) == 2  # her territory plan and Barwon Health, in her territory
    john = api.get("/plans", headers=auth(settings, JOHN)).json()
    assert john["items"] == []

    first = api.get("/plans", params={"limit": 1}, headers=auth(settings, TRACEY)).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = api.get(
        "/plans",
        params={"limit": 1, "cursor": first["next_cursor"]},
        headers=auth(settings, TRACEY),
    ).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert first["items"][0]["id"] != second["items"][0]["id"]
    problem_of(api.get("/plans", params={"cursor": "junk"}, headers=auth(settings, TRACEY)), 422)


def test_sections_use_etags_and_refuse_stale_or_missing_preconditions(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = str(client(committed_factory, "Barwon Health").id)
    plan = new_account_plan(api, settings, ANU, barwon).json()
    url = f"/plans/{plan['id']}/sections/actions"
    anu = auth(settings, ANU)
    read = api.get(url, headers=anu)
    tag = read.headers["ETag"]
    action = [{"title": "Call the CIO", "owner": "Anu Pradhan", "due_date": "2026-12-01"}]

    problem_of(api.put(url, json=action, headers=anu), 428)
    written = api.put(url, json=action, headers={**anu, "If-Match": tag})
    assert written.status_code == 200 and written.headers["ETag"] != tag
    stale = problem_of(api.put(url, json=[], headers={**anu, "If-Match": tag}), 409)
    assert stale["current_version"] == written.json()["version"]

    bad = problem_of(
        api.put(url, json=[{"title": ""}], headers={**anu, "If-Match": written.headers["ETag"]}),
        422,
    )
    assert bad["errors"]
    problem_of(api.get(f"/plans/{plan['id']}/sections/nope", headers=anu), 422)
    problem_of(api.get("/plans/00000000-0000-4000-8000-000000000000", headers=anu), 404)
    problem_of(api.get("/plans/not-a-uuid", headers=anu), 422)
    problem_of(api.get(url, headers=auth(settings, JOHN)), 403)
    problem_of(
        api.put(
            url, json=[], headers={**auth(settings, TRACEY), "If-Match": written.headers["ETag"]}
        ),
        403,
    )
    assert api.get(url, headers=anu).json()["data"][0]["title"] == "Call the CIO"


def test_the_workflow_and_its_permissions(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = str(client(committed_factory, "Barwon Health").id)
    plan = new_account_plan(api, settings, ANU, barwon).json()
    base = f"/plans/{plan['id']}"
    anu, manager = auth(settings, ANU), auth(settings, MANAGER)

    problem_of(api.post(f"{base}/approve", headers=manager), 409)  # still a draft
    assert api.post(f"{base}/submit", headers=anu).json()["status"] == "in_review"
    problem_of(api.post(f"{base}/approve", headers=anu), 403)  # her own plan
    approved = api.post(f"{base}/approve", json={"note": "Good"}, headers=manager)
    assert approved.status_code == 200 and approved.json()["approved_by"] == "Michael Costa"
    assert api.delete(base, headers=anu).json()["status"] == "archived"
    assert api.get(base, headers=anu).json()["status"] == "archived"


def test_the_role_view_orders_sections(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = str(client(committed_factory, "Barwon Health").id)
    plan = new_account_plan(api, settings, ANU, barwon).json()
    cam = api.get(f"/plans/{plan['id']}", headers=auth(settings, ANU)).json()
    cse = api.get(f"/plans/{plan['id']}", headers=auth(settings, TRACEY)).json()
    assert cam["view"] == "CAM" and cam["section_order"][0] == "snapshot"
    assert cse["view"] == "CSE" and cse["section_order"][0] == "portfolio"
    assert cam["sections"] == cse["sections"]


def test_oversized_and_malformed_bodies(api: TestClient, settings: Settings) -> None:
    anu = auth(settings, ANU)
    problem_of(
        api.post(
            "/chat", content=b"x" * 70_000, headers={**anu, "Content-Type": "application/json"}
        ),
        413,
    )
    problem_of(
        api.post(
            "/chat", content=b"{not json", headers={**anu, "Content-Type": "application/json"}
        ),
        422,
    )
    problem_of(api.post("/chat", json={"message": 5}, headers=anu), 422)
    problem_of(api.get("/nowhere", headers=anu), 404)


def test_values_the_database_cannot_store_are_refused_and_nothing_is_written(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    admin = auth(settings, "sam.whitford@example.com")
    body = {"plan_type": "territory", "fiscal_year": 2026, "territory": "VIC"}
    nul = api.post("/plans", json={**body, "primary_owner": "Tracey\u0000Bland"}, headers=admin)
    assert problem_of(nul, 422)["type"].endswith("unstorable_value")
    lone = json.dumps({**body, "primary_owner": "\udb09x"})  # escaped: valid JSON, bad text
    json_headers = {**admin, "Content-Type": "application/json"}
    surrogate = api.post("/plans", content=lone, headers=json_headers)
    problem_of(surrogate, 422)
    ghost = {**body, "primary_owner": "Nobody", "owner_id": "43d382a3-60cf-5446-8a23-9aed36b12100"}
    assert (
        "no user with id"
        in problem_of(api.post("/plans", json=ghost, headers=admin), 404)["detail"]
    )
    assert api.get("/plans", headers=admin).json()["items"] == []


# --- ChaSen over HTTP ----------------------------------------------------------------------


def test_generate_plan_draft_then_accept_once(api: TestClient, settings: Settings) -> None:
    anu = auth(settings, ANU)
    started = api.post("/drafts", json={"client": "Barwon Health"}, headers=anu)
    assert started.status_code == 202
    thread = started.json()["thread_id"]

    status = api.get(f"/threads/{thread}", headers=anu).json()
    assert status["status"] == "waiting"
    [decision] = status["decisions"]
    assert [d["approval_id"] for d in api.get("/approvals", headers=anu).json()] == [
        decision["approval_id"]
    ]
    url = f"/approvals/{thread}/{decision['interrupt_id']}"
    problem_of(api.post(url, json={"type": "accept"}, headers=auth(settings, JOHN)), 403)
    done = api.post(url, json={"type": "accept"}, headers=anu)
    assert done.status_code == 200 and done.json()["answer"].startswith("Written")
    problem_of(api.post(url, json={"type": "accept"}, headers=anu), 409)
    plans = api.get("/plans", params={"type": "account"}, headers=anu).json()["items"]
    assert [p["client_name"] for p in plans] == ["Barwon Health"]


def test_a_draft_of_an_unknown_or_forbidden_client_is_refused_at_once(
    api: TestClient, settings: Settings
) -> None:
    problem_of(api.post("/drafts", json={"client": "Nowhere"}, headers=auth(settings, ANU)), 404)
    problem_of(
        api.post("/drafts", json={"client": "Barwon Health"}, headers=auth(settings, JOHN)), 403
    )


def test_chat_answers_and_proposes_without_writing(api: TestClient, settings: Settings) -> None:
    answer = api.post(
        "/chat", json={"message": "Churn risk for Barwon Health"}, headers=auth(settings, ANU)
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "done" and "Barwon Health" in body["answer"]


def test_plans_are_created_only_within_the_creators_reach(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = str(client(committed_factory, "Barwon Health").id)
    body = {"plan_type": "account", "fiscal_year": 2026, "primary_owner": "x", "client_id": barwon}
    problem_of(api.post("/plans", json=body, headers=auth(settings, JOHN)), 403)
    for_tracey = {**body, "owner_id": str(person(committed_factory, TRACEY).id)}
    problem_of(api.post("/plans", json=for_tracey, headers=auth(settings, ANU)), 403)
    unknown = {**body, "client_id": "00000000-0000-4000-8000-000000000000"}
    problem_of(api.post("/plans", json=unknown, headers=auth(settings, ANU)), 404)
    created = new_account_plan(api, settings, ANU, barwon).json()
    assert created["owner_id"] == str(person(committed_factory, ANU).id)  # owned by its creator
