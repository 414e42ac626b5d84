"""The permission matrix over HTTP: each role, each action, on a plan in and out of its reach.

Plan "own" is Barwon Health's (VIC, region Australia + NZ), owned by its CSE Tracey; plan
"other" is SingHealth's (Asia, region Asia + Guam), owned by its CSE Open Role. A refused
action must write nothing: the plan's version, comments and status stay as they were.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from ingest.demo_data import ANU, NIKKI, OPEN_ROLE, TRACEY
from tests.agent_harness import client
from tests.api_harness import MANAGER, auth, new_account_plan

GRACE = "grace.tan@example.com"  # manager, Asia + Guam
ADMIN = "sam.whitford@example.com"
OWNERS = {"own": (TRACEY, "Barwon Health"), "other": (OPEN_ROLE, "SingHealth")}

OK, DENIED = True, False
# person -> plan -> (read, comment, write a section, generate a draft, approve, in the list)
MATRIX: dict[str, dict[str, tuple[bool, ...]]] = {
    TRACEY: {  # CSE of VIC, owner of "own"
        "own": (OK, OK, OK, OK, DENIED, OK),
        "other": (DENIED,) * 6,
    },
    ANU: {  # CAM overseeing Australia + NZ clients: reads and comments, does not edit
        "own": (OK, OK, DENIED, DENIED, DENIED, OK),
        "other": (DENIED,) * 6,
    },
    NIKKI: {  # CAM of Asia + Guam
        "own": (DENIED,) * 6,
        "other": (OK, OK, DENIED, DENIED, DENIED, OK),
    },
    MANAGER: {  # manager of Australia + NZ: reviews and approves, does not edit
        "own": (OK, OK, DENIED, DENIED, OK, OK),
        "other": (DENIED,) * 6,
    },
    GRACE: {  # manager of Asia + Guam
        "own": (DENIED,) * 6,
        "other": (OK, OK, DENIED, DENIED, OK, OK),
    },
    ADMIN: {
        "own": (OK, OK, OK, OK, OK, OK),
        "other": (OK, OK, OK, OK, OK, OK),
    },
}
CELLS = [(who, which) for who, plans in MATRIX.items() for which in plans]


@pytest.mark.parametrize(("who", "which"), CELLS)
def test_permission_matrix(
    api: TestClient,
    settings: Settings,
    committed_factory: sessionmaker[Session],
    who: str,
    which: str,
) -> None:
    owner, client_name = OWNERS[which]
    client_id = str(client(committed_factory, client_name).id)
    plan = new_account_plan(api, settings, owner, client_id).json()
    base = f"/plans/{plan['id']}"
    me = auth(settings, who)
    read, comment, write, draft, approve, listed = MATRIX[who][which]

    def allowed(response: Any, ok: bool, status: int = 200) -> None:
        assert response.status_code == (status if ok else 403), response.text

    allowed(api.get(base, headers=me), read)
    allowed(api.get(f"{base}/sections/risks", headers=me), read)
    allowed(api.post(f"{base}/comments", json={"content": "Looks right"}, headers=me), comment, 201)
    risks = [{"title": "Renewal slips", "category": "renewal"}]
    put = api.put(f"{base}/sections/risks", json=risks, headers={**me, "If-Match": '"v1"'})
    allowed(put, write)
    allowed(api.post(f"{base}/draft", headers=me), draft, 202)
    listing = api.get("/plans", params={"client_id": client_id}, headers=me).json()["items"]
    assert (plan["id"] in [p["id"] for p in listing]) is listed

    owner_headers = auth(settings, owner)
    submitted = api.post(f"{base}/submit", headers=owner_headers)
    assert submitted.status_code == 200, submitted.text
    allowed(api.post(f"{base}/approve", headers=me), approve)

    after = api.get(base, headers=owner_headers).json()
    assert after["version"] == 1 + write + 1 + approve  # each allowed write, the submit
    assert after["status"] == ("approved" if approve else "in_review")
    threads = api.get(f"{base}/comments", headers=owner_headers).json()
    assert len(threads) == comment


# person -> (read, approve, in the list) of Tracey's territory plan "VIC + NZ"
TERRITORY_MATRIX: dict[str, tuple[bool, bool, bool]] = {
    MANAGER: (OK, OK, OK),  # her manager: the plan's label matches no client's territory
    GRACE: (DENIED, DENIED, DENIED),  # another region's manager
    ANU: (DENIED, DENIED, DENIED),  # CAMs see their accounts, not a CSE's territory plan
    OPEN_ROLE: (DENIED, DENIED, DENIED),  # another CSE
}


@pytest.mark.parametrize("who", TERRITORY_MATRIX)
def test_a_territory_plan_is_reviewed_by_the_manager_of_its_owners_region(
    api: TestClient, settings: Settings, who: str
) -> None:
    owner_headers = auth(settings, TRACEY)
    body = {"plan_type": "territory", "fiscal_year": 2026, "primary_owner": "x",
            "territory": "VIC + NZ"}  # fmt: skip
    created = api.post("/plans", json=body, headers=owner_headers)
    assert created.status_code == 201, created.text
    base = f"/plans/{created.json()['id']}"
    assert api.post(f"{base}/submit", headers=owner_headers).status_code == 200
    me = auth(settings, who)
    read, approve, listed = TERRITORY_MATRIX[who]
    assert api.get(base, headers=me).status_code == (200 if read else 403)
    listing = api.get("/plans", params={"type": "territory"}, headers=me).json()["items"]
    assert (created.json()["id"] in [p["id"] for p in listing]) is listed
    approved = api.post(f"{base}/approve", headers=me)
    assert approved.status_code == (200 if approve else 403), approved.text
    status = api.get(base, headers=owner_headers).json()["status"]
    assert status == ("approved" if approve else "in_review")
