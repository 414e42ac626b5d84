"""Schemathesis against the app's own OpenAPI document: generated requests to every operation
(valid and invalid), served by uvicorn on the seeded database, must get no server error and
only documented statuses, content types and bodies.

Streams (``/events``, ``/chat/stream``) are left out: they answer for as long as the client
listens, which is what their own tests check.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from api.app import create_app
from core.bootstrap import Database
from core.database import session_factory
from tests.agent_harness import seed
from tests.api_harness import api_settings, auth
from tests.conftest import truncate_all
from tests.live_server import serving_api

EXAMPLES_PER_OPERATION = 12
SETTINGS = api_settings()
schema = schemathesis.openapi.from_dict(create_app(settings=SETTINGS).openapi()).exclude(
    path_regex=r"/events$|^/chat/stream$"
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def base_url(engine: Engine) -> Iterator[str]:
    """The app under uvicorn on the seeded test database, for the module's examples."""
    truncate_all(engine)
    sessions = session_factory(engine)
    seed(sessions)
    with serving_api(Database(engine=engine, sessions=sessions, embedded=True), SETTINGS) as url:
        yield url
    truncate_all(engine)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: schemathesis.Case, base_url: str) -> None:
    headers = auth(SETTINGS, "sam.whitford@example.com")  # an admin: nothing is out of reach
    case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
