"""Prometheus metrics of the API and of ChaSen's own work, served on ``GET /metrics``.

``/metrics`` has no authentication and leaks operational detail (routes, volumes, backlog):
serve it on the internal network the scraper uses, never through the public ingress.

Each app has its own registry (``app.state.metrics_registry``), not prometheus_client's
global one, so several apps in one process (the tests) never collide. With ``--workers`` > 1
every worker process counts its own requests; a scrape sees the worker that answered it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.runs import backlog_counts

log = logging.getLogger("chasen.api.metrics")

UNMATCHED = "unmatched"
# Any other method a client makes up is counted as OTHER: labels must stay a bounded set.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# From 5 ms (health checks, cached reads) up to a minute (agent turns that call the model).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def route_of(scope: Scope) -> str:
    """The template of the route that handled the request (``/plans/{plan_id}``).

    The router stores the matched route in the scope; a request it never matched (a 404, or
    one a middleware answered before routing) is ``"unmatched"``. Never the raw path: its
    values are unbounded and would explode the metrics' label sets.
    """
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else UNMATCHED


@dataclass(frozen=True)
class HttpMetrics:
    """The request metrics the middleware updates."""

    requests: Counter
    duration: Histogram
    in_progress: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> HttpMetrics:
        """The metrics, registered in ``registry``."""
        return cls(
            requests=Counter(
                "chasen_http_requests",
                "HTTP requests answered, by method, route template and status.",
                ["method", "route", "status"],
                registry=registry,
            ),
            duration=Histogram(
                "chasen_http_request_duration_seconds",
                "Time to the start of the response (headers sent), by method and route.",
                ["method", "route"],
                buckets=DURATION_BUCKETS,
                registry=registry,
            ),
            in_progress=Gauge(
                "chasen_http_requests_in_progress",
                "HTTP requests being handled, open event streams included.",
                registry=registry,
            ),
        )


class MetricsMiddleware:
    """Pure ASGI middleware counting and timing every HTTP request.

    It only watches the messages going out, so streamed bodies (Server-Sent Events) pass
    through unbuffered; the duration stops at ``http.response.start``, which is what a slow
    endpoint delays, while an open stream stays counted in progress until it ends.
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call; lifespan and websocket calls pass untouched."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # An exception before the response starts becomes a 500 in the outer error middleware.
        status: int = 500
        elapsed: float | None = None

        async def watch(message: Message) -> None:
            nonlocal status, elapsed
            if message["type"] == "http.response.start":
                status, elapsed = message["status"], time.perf_counter() - started
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, watch)
        finally:
            self.metrics.in_progress.dec()
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            route = route_of(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            duration = elapsed if elapsed is not None else time.perf_counter() - started
            self.metrics.duration.labels(method, route).observe(duration)


class DomainCollector:
    """ChaSen's backlog read from the database at scrape time, in one query.

    ``chasen_agent_runs`` is a gauge, not a counter: runs move from ``running`` to ``done``,
    so each status's count goes down as well as up. ``chasen_database_up`` tells a failed read
    (the other two are then absent) from an empty backlog.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def describe(self) -> Iterable[Metric]:
        """The metric names, for the registry's duplicate check (no database access)."""
        return self._families()

    def collect(self) -> Iterable[Metric]:
        """Read the database; if it does not answer, only ``chasen_database_up 0``."""
        database = getattr(self.app.state, "database", None)
        if database is None:  # the app is not started: nothing to read yet
            return []
        up, pending, runs, model_down = self._families()
        try:
            with database.engine.connect() as connection:
                backlog = backlog_counts(connection)
        except Exception as exc:  # any failure here must not turn the whole scrape into a 500
            log.warning("metrics: the database did not answer (%s)", exc.__class__.__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        pending.add_metric([], backlog.approvals_pending)
        for (graph, status), count in backlog.runs.items():
            runs.add_metric([graph, status], count)
        for graph, count in backlog.model_down.items():
            model_down.add_metric([graph], count)
        return [up, pending, runs, model_down]

    @staticmethod
    def _families() -> tuple[
        GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily
    ]:
        return (
            GaugeMetricFamily("chasen_database_up", "1 if the scrape could read the database."),
            GaugeMetricFamily(
                "chasen_approvals_pending", "Proposed changes waiting for a person's decision."
            ),
            GaugeMetricFamily(
                "chasen_agent_runs",
                "Agent runs on record, by graph and status.",
                labels=["graph", "status"],
            ),
            # Such runs end done or waiting, so chasen_agent_runs alone would not show them.
            GaugeMetricFamily(
                "chasen_agent_runs_model_down",
                "Agent runs on record that the offline planner answered because the model "
                "service failed, by graph.",
                labels=["graph"],
            ),
        )


def install(app: FastAPI) -> None:
    """Add the request metrics middleware, the domain collector and ``GET /metrics``."""
    registry = CollectorRegistry()
    metrics = HttpMetrics.create(registry)
    registry.register(DomainCollector(app))
    app.state.metrics_registry = registry
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    # A plain def: the domain collector's query then runs in the thread pool, not the loop.
    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
