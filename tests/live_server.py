"""The real app under uvicorn on a free local port, for what the in-process client can't do:
long-lived Server-Sent Event streams read while other requests write."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from core.bootstrap import Database
from core.settings import Settings
from tests.agent_harness import TODAY


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` (its lifespan included) until the block ends; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def serving_api(database: Database, settings: Settings) -> Iterator[str]:
    """The real API on ``database`` under uvicorn, its agent's today fixed at the tests'
    :data:`TODAY`; yields its base URL."""
    app = create_app(database, settings)
    with serving(app) as url:
        app.state.chasen.today = TODAY
        yield url


def sse_events(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    """``(event, data)`` pairs of a streamed text/event-stream response, as they arrive
    (``data`` parsed as JSON)."""
    event, data = "message", []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
        # ":" comments (keep-alive pings) are skipped
