"""Operations: Prometheus metrics on /metrics and JSON log lines carrying the request id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message, Receive, Scope, Send
from typer.testing import CliRunner

from api.app import create_app
from api.observability import HttpMetrics, MetricsMiddleware
from core.bootstrap import Database
from core.logging import JsonFormatter, TextFormatter, configure_logging, request_id
from core.models.agent import AgentRun, ApprovalRequest
from core.settings import Settings
from tests.api_harness import MANAGER, auth

PLAN_ROUTE = "/plans/{plan_id}"


def scrape(api: TestClient) -> list[Sample]:
    """Every sample /metrics exposes, parsed as Prometheus would."""
    response = api.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    families = text_string_to_metric_families(response.text)
    return [sample for family in families for sample in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float | None:
    """The value of the sample ``name`` with exactly ``labels``, None if absent."""
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) <= 1
    return found[0] if found else None


def app_of(api: TestClient) -> FastAPI:
    """The FastAPI app behind the test client."""
    return cast(FastAPI, api.app)


@pytest.fixture
def json_lines(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """What the root logger writes at INFO through a ``JsonFormatter``, one line per record."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    caplog.set_level(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    """The JSON objects written so far, each from exactly one line."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put back the root and uvicorn loggers as they were (for tests that configure logging)."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
    loggers = [logging.getLogger(name) for name in names]
    saved = [(lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    yield
    for lg, (handlers, level, propagate, disabled) in zip(loggers, saved, strict=True):
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate, lg.disabled = propagate, disabled


# --- metrics -------------------------------------------------------------------------------


def test_requests_are_counted_by_route_template_and_status(
    api: TestClient, settings: Settings
) -> None:
    headers = auth(settings, MANAGER)
    missing = [uuid.uuid4() for _ in range(3)]
    for plan_id in missing:
        assert api.get(f"/plans/{plan_id}", headers=headers).status_code == 404
    assert api.get("/plans").status_code == 401
    assert api.get(f"/no-such-page/{uuid.uuid4()}").status_code == 404
    assert api.request("BREW", "/healthz").status_code == 405

    samples = scrape(api)
    total = "chasen_http_requests_total"
    assert value(samples, total, method="GET", route=PLAN_ROUTE, status="404") == 3
    assert value(samples, total, method="GET", route="/plans", status="401") == 1
    assert value(samples, total, method="GET", route="unmatched", status="404") == 1
    assert value(samples, total, method="OTHER", route="/healthz", status="405") == 1
    duration = "chasen_http_request_duration_seconds"
    assert value(samples, f"{duration}_count", method="GET", route=PLAN_ROUTE) == 3
    assert value(samples, f"{duration}_bucket", method="GET", route=PLAN_ROUTE, le="+Inf") == 3
    # The scrape itself is the one request in progress; raw paths never become labels.
    assert value(samples, "chasen_http_requests_in_progress") == 1
    labels = {v for s in samples for v in s.labels.values()}
    assert not any(str(plan_id) in label for plan_id in missing for label in labels)


def test_domain_gauges_match_the_database(
    api: TestClient, committed_factory: sessionmaker[Session]
) -> None:
    with committed_factory.begin() as session:
        for status in ("pending", "pending", "accepted"):
            session.add(
                ApprovalRequest(
                    id=uuid.uuid4(),
                    thread_id="t1",
                    graph="chat",
                    kind="section_change",
                    description="a change",
                    action={},
                    status=status,
                )
            )
        session.add(AgentRun(thread_id="t1", graph="chat", model="m", status="done"))
        session.add(AgentRun(thread_id="t1", graph="chat", model="m", status="done"))
        session.add(AgentRun(thread_id="t2", graph="plan_draft", model="m", status="waiting"))
        # Answered by the offline planner because the model service failed (see ChaSen._run).
        down = "m unavailable (the model service answered 500): answered offline"
        session.add(
            AgentRun(thread_id="t3", graph="chat", model="offline", status="done", error=down)
        )
        session.add(AgentRun(thread_id="t4", graph="chat", model="m", status="failed", error="x"))
    with committed_factory() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(ApprovalRequest)
            .where(ApprovalRequest.status == "pending")
        )

    samples = scrape(api)
    assert value(samples, "chasen_database_up") == 1
    assert value(samples, "chasen_approvals_pending") == pending == 2
    assert value(samples, "chasen_agent_runs", graph="chat", status="done") == 3
    assert value(samples, "chasen_agent_runs", graph="plan_draft", status="waiting") == 1
    assert value(samples, "chasen_agent_runs", graph="chat", status="failed") == 1
    # The run that ended well only thanks to the offline planner is counted apart; a failed
    # run is not (its status says it already).
    assert value(samples, "chasen_agent_runs_model_down", graph="chat") == 1
    assert value(samples, "chasen_agent_runs_model_down", graph="plan_draft") is None


def test_metrics_still_answer_when_the_database_is_down(
    api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = app_of(api)
    real: Database = app.state.database
    # Nothing listens on port 1: the connection is refused at once.
    dead_engine = create_engine("postgresql+psycopg://chasen@127.0.0.1:1/chasen")
    app.state.database = Database(engine=dead_engine, sessions=real.sessions, embedded=False)
    try:
        samples = scrape(api)
    finally:
        app.state.database = real
        dead_engine.dispose()
    assert value(samples, "chasen_database_up") == 0
    assert value(samples, "chasen_approvals_pending") is None
    assert value(samples, "chasen_http_requests_in_progress") == 1
    assert any(
        "did not answer" in r.getMessage() for r in caplog.records if r.levelname == "WARNING"
    )


def test_metrics_endpoint_is_not_in_the_openapi_schema(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert "/metrics" not in paths and PLAN_ROUTE in paths


def test_each_app_has_its_own_registry(
    engine: Engine, committed_factory: sessionmaker[Session], settings: Settings
) -> None:
    database = Database(engine=engine, sessions=committed_factory, embedded=True)
    first, second = create_app(database, settings), create_app(database, settings)
    assert isinstance(first.state.metrics_registry, CollectorRegistry)
    assert first.state.metrics_registry is not second.state.metrics_registry


def test_middleware_passes_a_stream_through_and_times_its_start() -> None:
    """Chunks reach the server as the app sends them; the duration stops at the headers."""
    registry = CollectorRegistry()
    metrics = HttpMetrics.create(registry)
    delivered: list[Message] = []
    seen_while_streaming: list[int] = []

    async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
        seen_while_streaming.append(len(delivered))
        await asyncio.sleep(0.3)
        await send({"type": "http.response.body", "body": b"data: 2\n\n"})

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        delivered.append(message)

    scope: Scope = {"type": "http", "method": "GET", "path": "/events", "headers": []}
    asyncio.run(MetricsMiddleware(streaming_app, metrics)(scope, receive, send))

    assert seen_while_streaming == [2]  # headers and first chunk already out, nothing held back
    assert [m.get("body") for m in delivered[1:]] == [b"data: 1\n\n", b"data: 2\n\n"]
    labels = {"method": "GET", "route": "unmatched"}
    took = registry.get_sample_value("chasen_http_request_duration_seconds_sum", labels)
    assert took is not None and took < 0.3
    counted = registry.get_sample_value("chasen_http_requests_total", {**labels, "status": "200"})
    assert counted == 1
    assert registry.get_sample_value("chasen_http_requests_in_progress") == 0


# --- logs ----------------------------------------------------------------------------------


def test_access_line_is_one_json_line_with_the_response_request_id(
    api: TestClient, settings: Settings, json_lines: io.StringIO
) -> None:
    plan_id = uuid.uuid4()
    response = api.get(f"/plans/{plan_id}", headers=auth(settings, MANAGER))
    assert response.status_code == 404
    given = api.get("/healthz", headers={"X-Request-ID": "from-the-caller"})
    assert given.headers["X-Request-ID"] == "from-the-caller"

    access = [r for r in records(json_lines) if r["message"] == "request"]
    assert len(access) == 2
    line = access[0]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["logger"] == "chasen.api" and line["level"] == "INFO"
    assert line["method"] == "GET" and line["path"] == f"/plans/{plan_id}"
    assert line["route"] == PLAN_ROUTE and line["status"] == 404
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")
    assert access[1]["request_id"] == "from-the-caller" and access[1]["route"] == "/healthz"


def test_logs_inside_an_endpoint_carry_the_request_id_and_errors_count_as_500(
    engine: Engine,
    committed_factory: sessionmaker[Session],
    settings: Settings,
    json_lines: io.StringIO,
) -> None:
    app = create_app(Database(engine=engine, sessions=committed_factory, embedded=True), settings)

    # Plain defs run in the thread pool: the context variable must follow them there.
    def probe() -> dict[str, str]:
        logging.getLogger("chasen.test").info("inside", extra={"step": "probe"})
        return {}

    def fail() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/probe", probe)
    app.add_api_route("/fail", fail)
    with TestClient(app, raise_server_exceptions=False) as client:
        ok = client.get("/probe")
        failed = client.get("/fail")
        samples = scrape(client)

    lines = records(json_lines)
    inside = next(r for r in lines if r["message"] == "inside")
    assert inside["request_id"] == ok.headers["X-Request-ID"] and inside["step"] == "probe"
    assert failed.status_code == 500
    access = [r for r in lines if r["message"] == "request" and r["path"] == "/fail"]
    assert [(r["status"], r["route"]) for r in access] == [(500, "/fail")]
    # The error handler's traceback line is tied to the same request.
    error = next(r for r in lines if r["message"].startswith("unhandled error"))
    assert "RuntimeError: boom" in error["exception"]
    assert error["request_id"] == access[0]["request_id"] is not None
    total = "chasen_http_requests_total"
    assert value(samples, total, method="GET", route="/fail", status="500") == 1


def test_exception_is_one_json_line_with_an_exception_field() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("chasen.test.exceptions")
    logger.addHandler(handler)
    token = request_id.set("req-1")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("it failed", extra={"plan": uuid.UUID(int=1)})
    finally:
        request_id.reset(token)
        logger.removeHandler(handler)

    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "it failed" and record["level"] == "ERROR"
    assert record["request_id"] == "req-1"
    assert record["plan"] == str(uuid.UUID(int=1))  # not JSON-encodable: written as text
    assert "Traceback" in record["exception"] and "ValueError: boom" in record["exception"]


def test_text_format_shows_the_request_id_and_extras() -> None:
    record = logging.LogRecord("chasen.api", logging.INFO, __file__, 1, "request", None, None)
    record.status = 404
    token = request_id.set("req-2")
    try:
        line = TextFormatter().format(record)
    finally:
        request_id.reset(token)
    assert "INFO" in line and "chasen.api: request" in line
    assert "request_id=req-2" in line and "status=404" in line


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_routes_uvicorn_through_the_formatter() -> None:
    configure_logging("INFO", json=True)
    root = logging.getLogger()
    assert [type(h.formatter) for h in root.handlers] == [JsonFormatter]
    assert root.level == logging.INFO
    assert logging.getLogger("uvicorn.error").propagate
    assert not logging.getLogger("uvicorn.error").handlers
    assert not logging.getLogger("uvicorn.access").propagate
    assert not logging.getLogger("chasen.api").disabled

    configure_logging("WARNING", json=False)
    assert [type(h.formatter) for h in root.handlers] == [TextFormatter]


@pytest.mark.usefixtures("restore_logging")
def test_serve_configures_logging_and_hands_uvicorn_the_same_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    from cli.main import app as cli

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(cli, ["serve", "--log-format", "text", "--port", "8123"])
    assert result.exit_code == 0, result.output
    [kwargs] = calls
    assert kwargs["port"] == 8123 and kwargs["access_log"] is False
    assert kwargs["log_config"]["formatters"]["chasen"]["()"] == "core.logging.TextFormatter"
    assert [type(h.formatter) for h in logging.getLogger().handlers] == [TextFormatter]

    assert CliRunner().invoke(cli, ["serve", "--log-format", "xml"]).exit_code == 2
