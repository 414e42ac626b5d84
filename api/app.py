"""The HTTP API: one FastAPI app over the domain services and the agent runner.

Endpoints are adapters: they authenticate, open the request's transaction, call a service and
let the problem handlers render any typed error. ``create_app()`` opens the configured
database (the embedded one by default) and the agent's checkpointer for the app's lifetime.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

from agent.checkpoints import open_checkpointer
from agent.runner import ChaSen
from api import observability, problems
from api.routes import agent, collaboration, dashboard, health, plans, transcripts
from core.bootstrap import Database, open_database
from core.settings import Settings, get_settings

log = logging.getLogger("chasen.api")


def create_app(database: Database | None = None, settings: Settings | None = None) -> FastAPI:
    """The app; ``database`` given (tests) is used as is, else the configured one is opened."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            db = database or open_database(settings)
            if database is None:
                stack.callback(db.close)
            checkpointer = stack.enter_context(open_checkpointer(db))
            app.state.database = db
            app.state.settings = settings
            app.state.chasen = ChaSen(db, checkpointer)
            yield

    app = FastAPI(
        title="ChaSen API",
        version="0.1.0",
        description="Strategic account and territory plans, approvals and ChaSen's drafts.",
        lifespan=lifespan,
    )
    problems.install(app)
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
        length = request.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > settings.api.max_body_bytes:
            response: Response = problems.problem(
                413,
                "payload_too_large",
                f"the body is {length} bytes; the limit is {settings.api.max_body_bytes}",
            )
        else:
            response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        log.info(
            "request",
            extra={"request_id": request_id, "method": request.method,
                   "path": request.url.path, "status": response.status_code},
        )  # fmt: skip
        return response

    app.include_router(health.router)
    app.include_router(plans.router)
    app.include_router(collaboration.router)
    app.include_router(agent.router)
    app.include_router(dashboard.router)
    app.include_router(transcripts.router)
    observability.install(app)
    return app
