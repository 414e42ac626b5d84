"""The HTTP API: one FastAPI app over the domain services and the agent runner.

Endpoints are adapters: they authenticate, open the request's transaction, call a service and
let the problem handlers render any typed error. ``create_app()`` opens the configured
database (the embedded one by default) and the agent's checkpointer for the app's lifetime.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from slack_bolt import App

from agent.checkpoints import open_checkpointer
from agent.runner import ChaSen
from api import observability, openapi, problems
from api.routes import (
    agent,
    collaboration,
    dashboard,
    exports,
    health,
    performance,
    plans,
    slack,
    streams,
    transcripts,
)
from core.bootstrap import Database, open_database
from core.database import conninfo
from core.embedded import stop_embedded
from core.logging import request_id as request_id_var
from core.notifications import Listener
from core.settings import Settings, get_settings
from slack_app.app import create_bolt_app

log = logging.getLogger("chasen.api")


MULTIPART_OVERHEAD = 64 * 1024
"""Room in an upload's body for the multipart framing and form fields around the file."""


def body_limit(request: Request, settings: Settings) -> int:
    """The largest body a request may send: transcript uploads may be as big as a transcript."""
    if request.method == "POST" and request.url.path.rstrip("/") == "/transcripts":
        return max(settings.api.max_body_bytes, settings.transcripts.max_bytes + MULTIPART_OVERHEAD)
    return settings.api.max_body_bytes


def slack_app_for(database: Database, settings: Settings) -> App | None:
    """The Slack app when a bot token and a signing secret are set; None (Slack off) else."""
    secret = settings.slack.signing_secret
    if not settings.slack.configured or secret is None or not secret.get_secret_value():
        return None
    return create_bolt_app(database, settings.slack)


def create_app(database: Database | None = None, settings: Settings | None = None) -> FastAPI:
    """The app; ``database`` given (tests) is used as is, else the configured one is opened."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            db = database or open_database(settings)
            if database is None:
                if db.embedded:
                    # Let go of the embedded server (after the pool closes: callbacks run last
                    # first). uvicorn ends a worker stopped by SIGTERM by re-raising the
                    # signal, so pgserver's atexit hook would not run and the server would
                    # stay counted as in use for ever.
                    stack.callback(stop_embedded, settings.database.data_dir)
                stack.callback(db.close)
            checkpointer = stack.enter_context(open_checkpointer(db))
            listener = Listener(conninfo(db.engine.url), streams.LISTENED)
            await listener.start()
            stack.push_async_callback(listener.stop)
            app.state.database = db
            app.state.settings = settings
            app.state.chasen = ChaSen(db, checkpointer)
            app.state.listener = listener
            app.state.slack = slack_app_for(db, settings)
            yield

    app = FastAPI(
        title="ChaSen API",
        version="0.1.0",
        description="Strategic account and territory plans, approvals and ChaSen's drafts.",
        lifespan=lifespan,
    )
    problems.install(app)
    openapi.install(app)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "X-Request-ID", "Location"],
        )

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        # Every log line written while this request is handled carries its id (core.logging).
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises: the error middleware answers
        try:
            length = request.headers.get("Content-Length")
            limit = body_limit(request, settings)
            if length and length.isdigit() and int(length) > limit:
                response: Response = problems.problem(
                    413, "payload_too_large", f"the body is {length} bytes; the limit is {limit}"
                )
            else:
                response = await call_next(request)
            response.headers["X-Request-ID"] = request_id
            status = response.status_code
        finally:
            # The one access line per request; call_next returns at the response's start, so
            # a streamed body is not waited for.
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.url.path,
                    "route": observability.route_of(request.scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        # Reset only on success: if the app raised, the 500 handler runs after this middleware
        # in the same task and its traceback line should carry the id too; that per-request
        # task ends right after, so the id leaks into no other request.
        request_id_var.reset(token)
        return response

    for module in (
        health,
        plans,
        collaboration,
        agent,
        streams,
        dashboard,
        performance,
        exports,
        slack,
        transcripts,
    ):
        app.include_router(module.router)
    observability.install(app)
    return app
