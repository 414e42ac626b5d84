"""Postgres LISTEN/NOTIFY, fanned out inside one process.

One connection listens on a few channels for the whole process; each notification's JSON
payload is handed to the subscribers of its key (a plan id, a thread id). Subscribers are
asyncio queues, so a slow reader never blocks the others: a full queue drops its oldest
message and is told so with ``{"event": "overflow"}``. The connection is re-opened when it
drops; what was sent meanwhile is lost, which is why every stream starts from a fresh read.

:func:`notify` is the sending side: a payload too big for Postgres is cut to its essentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import func, select
from sqlalchemy.orm import Session

log = logging.getLogger("chasen.notifications")

Message = dict[str, Any]
MAX_PAYLOAD = 7900
"""Bytes of JSON a notification may carry (Postgres refuses payloads of 8000 bytes or more)."""


def notify(
    session: Session, channel: str, payload: dict[str, Any], essentials: tuple[str, ...]
) -> None:
    """``NOTIFY channel`` with ``payload`` as JSON, sent when the session commits.

    Values JSON cannot hold are written with ``str``. A payload over :data:`MAX_PAYLOAD`
    bytes once encoded (``json.dumps`` writes non-ASCII as ``\\uXXXX``, six bytes a
    character) is sent as only its ``essentials`` keys and ``"truncated": true``: readers
    get the what and who, and read the rest from the database.
    """
    text = json.dumps(payload, default=str)
    if len(text.encode()) > MAX_PAYLOAD:
        reduced = {key: payload[key] for key in essentials if key in payload}
        text = json.dumps({**reduced, "truncated": True}, default=str)
    session.execute(select(func.pg_notify(channel, text)))


class Listener:
    """Fans out ``NOTIFY`` payloads of ``channels`` to subscribers by ``(channel, key)``."""

    def __init__(self, conninfo: str, channels: dict[str, str], *, queue_size: int = 100) -> None:
        """``channels`` maps a channel to the payload field that keys its subscribers."""
        self.conninfo = conninfo
        self.channels = channels
        self.queue_size = queue_size
        self._subscribers: dict[tuple[str, str], set[asyncio.Queue[Message]]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    async def start(self) -> None:
        """Start listening in the background; returns once the first LISTEN is in place."""
        self._task = asyncio.create_task(self._run(), name="chasen-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), timeout=10)

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @contextlib.contextmanager
    def subscribe(self, channel: str, key: str) -> Iterator[asyncio.Queue[Message]]:
        """A queue receiving the payloads on ``channel`` whose key field equals ``key``."""
        queue: asyncio.Queue[Message] = asyncio.Queue(self.queue_size)
        self._subscribers[(channel, key)].add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers[(channel, key)]
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[(channel, key)]

    def dispatch(self, channel: str, payload: str) -> None:
        """Hand one notification to its subscribers (malformed payloads are logged, skipped)."""
        try:
            message = json.loads(payload)
            key = str(message[self.channels[channel]])
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable notification on %s: %.200s", channel, payload)
            return
        for queue in self._subscribers.get((channel, key), ()):
            if queue.full():
                queue.get_nowait()
                message = {**message, "overflow": True}
            queue.put_nowait(message)

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                async for channel, payload in self._notifications():
                    delay = 0.5
                    self.dispatch(channel, payload)
            except (psycopg.Error, OSError) as error:
                self.listening.clear()
                log.warning("listener lost its connection (%s); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    async def _notifications(self) -> AsyncIterator[tuple[str, str]]:
        async with await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True
        ) as connection:
            for channel in self.channels:
                await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self.listening.set()
            async for notify in connection.notifies():
                yield notify.channel, notify.payload
