"""What API tests share: test settings, tokens, and checks of problem JSON.

The ``settings`` and ``api`` fixtures live in ``conftest.py`` and are built from these.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.tokens import mint
from core.settings import ApiSettings, Settings

SECRET = "test-secret-that-is-long-enough-for-hs256"
MANAGER = "michael.costa@example.com"
SERVICE_KEY = "service-key-1"


def api_settings() -> Settings:
    """Settings with a known signing secret, one service key and a 64 KiB body limit."""
    return Settings(
        api=ApiSettings(
            jwt_secret=SecretStr(SECRET), api_keys={SERVICE_KEY: MANAGER}, max_body_bytes=65_536
        )
    )


def auth(settings: Settings, email: str) -> dict[str, str]:
    """The Authorization header of a fresh token for ``email``."""
    return {"Authorization": f"Bearer {mint(settings.api, subject=email, email=email)}"}


def new_account_plan(api: TestClient, settings: Settings, email: str, client_id: str) -> Any:
    """Create an FY2026 account plan of ``client_id`` as ``email``; the 201 response."""
    body = {
        "plan_type": "account",
        "fiscal_year": 2026,
        "primary_owner": "x",
        "client_id": client_id,
    }
    response = api.post("/plans", json=body, headers=auth(settings, email))
    assert response.status_code == 201, response.text
    return response


RISK = {"id": "risk-cio", "title": "The CIO is leaving", "severity": "high"}
"""The one risk of :func:`plan_with_risk`'s plan."""


def plan_with_risk(api: TestClient, settings: Settings, email: str, client_id: str) -> str:
    """An FY2026 account plan of ``client_id`` created by ``email`` with :data:`RISK` in its
    risks section, written through the API; its id."""
    created = new_account_plan(api, settings, email, client_id)
    plan_id: str = created.json()["id"]
    written = api.put(
        f"/plans/{plan_id}/sections/risks",
        json=[RISK],
        headers={**auth(settings, email), "If-Match": created.headers["ETag"]},
    )
    assert written.status_code == 200, written.text
    return plan_id


def problem_of(response: Any, status: int) -> dict[str, Any]:
    """The problem JSON of ``response``, checked to have ``status`` and the RFC 9457 shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"] and body["type"].startswith("https://")
    return body
