"""A local mock of the Slack Web API for tests: the real ``slack_sdk.WebClient`` talks to it.

It parses requests the way slack_sdk sends them (``chat.postMessage`` as JSON, the other
methods as form fields, the token as ``Authorization: Bearer``, the file upload as raw bytes
to the URL it handed out), records every call, and answers like Slack. Faults are programmed
per method: ``stub.fail("chat.postMessage", status=429, retry_after=0)`` answers the next call
so; ``times=K`` the next K.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from tests.loopback import serving

VALID_TOKEN = "xoxb-chasen-test"


@dataclass(frozen=True)
class SlackCall:
    """One request the stub received."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)
    """When it arrived (``time.monotonic``), to tell how long a client waited between tries."""


@dataclass
class Fault:
    """How to answer the next ``times`` calls of a method instead of succeeding."""

    times: int
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


@dataclass
class SlackStub:
    """State of a running stub: its URLs, what it received, and faults still to serve."""

    api_url: str = ""
    valid_tokens: set[str] = field(default_factory=lambda: {VALID_TOKEN})
    calls: list[SlackCall] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Messages accepted by ``chat.postMessage`` (channel id, ts, text, blocks)."""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Members ``users.info`` knows: id -> {"email": ..., "is_bot": ...}."""
    responses: list[dict[str, Any]] = field(default_factory=list)
    """What was sent to a ``response_url`` (``{url id}`` under ``/respond/``)."""
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    _counter: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this status/error instead."""
        self.faults.setdefault(method, []).append(Fault(times, status, error, retry_after))

    def calls_to(self, method: str) -> list[SlackCall]:
        """The recorded calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def next_id(self) -> int:
        """A number unique within this stub (timestamps, file ids)."""
        with self._lock:
            self._counter += 1
            return self._counter

    def take_fault(self, method: str) -> Fault | None:
        """The fault to serve for this call of ``method``, if one is programmed."""
        with self._lock:
            queue = self.faults.get(method, [])
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault


def channel_id(name: str) -> str:
    """The id the stub gives a channel: ids as they are, names a stable ``C…`` id."""
    bare = name.lstrip("#")
    if bare[:1] in {"C", "G", "D"} and bare.isupper():
        return bare
    return "C" + hashlib.sha1(bare.encode()).hexdigest()[:8].upper()


def _answer(stub: SlackStub, method: str, params: dict[str, Any]) -> dict[str, Any]:
    if method == "auth.test":
        return {
            "ok": True, "team": "ChaSen Test", "team_id": "T0TEST", "user_id": "U0BOT",
            "bot_id": "B0BOT",
        }  # fmt: skip
    if method == "chat.update":
        for message in stub.messages:
            if message["channel"] == params["channel"] and message["ts"] == params["ts"]:
                message.update({k: v for k, v in params.items() if k in ("text", "blocks")})
                return {"ok": True, "channel": params["channel"], "ts": params["ts"]}
        return {"ok": False, "error": "message_not_found"}
    if method == "users.info":
        member = stub.users.get(str(params["user"]))
        if member is None:
            return {"ok": False, "error": "user_not_found"}
        profile = {"email": member["email"]} if member.get("email") else {}
        return {"ok": True, "user": {"id": params["user"], "is_bot": bool(member.get("is_bot")),
                                     "profile": profile}}  # fmt: skip
    if method in ("views.open", "views.publish"):
        view = params["view"] if isinstance(params["view"], dict) else json.loads(params["view"])
        return {"ok": True, "view": {**view, "id": f"V{stub.next_id():08d}", "hash": "h1"}}
    if method == "conversations.open":
        user = str(params["users"]).split(",")[0]
        return {"ok": True, "channel": {"id": "D" + user[1:]}}
    if method == "chat.postMessage":
        message = {**params, "channel": channel_id(str(params["channel"]))}
        message["ts"] = f"1700000000.{stub.next_id():06d}"
        stub.messages.append(message)
        return {"ok": True, "channel": message["channel"], "ts": message["ts"]}
    if method == "files.getUploadURLExternal":
        file_id = f"F{stub.next_id():08d}"
        upload_url = stub.api_url.replace("/api/", f"/upload/{file_id}")
        return {"ok": True, "file_id": file_id, "upload_url": upload_url}
    if method == "files.completeUploadExternal":
        files = json.loads(str(params["files"]))
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
    return {"ok": False, "error": "unknown_method"}


def _handler(stub: SlackStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            # slack_sdk sends a few read methods (users.info) as GET with a query string.
            headers = {key.lower(): value for key, value in self.headers.items()}
            method, _, query = self.path.split("/api/", 1)[-1].partition("?")
            params = dict(parse_qsl(query, keep_blank_values=True))
            stub.calls.append(SlackCall(method, params, headers, b""))
            self._reply(method, params, headers)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {key.lower(): value for key, value in self.headers.items()}
            if self.path.startswith("/respond/"):
                sent = json.loads(body)
                stub.calls.append(SlackCall("respond", sent, headers, body))
                fault = stub.take_fault("respond")
                if fault is not None:
                    self._send(fault.status, b"trouble", "text/plain")
                    return
                stub.responses.append({"url": self.path, **sent})
                self._send(200, b"ok", "text/plain")
                return
            if self.path.startswith("/upload/"):
                file_id = self.path.rsplit("/", 1)[-1]
                stub.calls.append(SlackCall("upload", {"file_id": file_id}, headers, body))
                stub.uploads[file_id] = body
                self._send(200, b"OK - " + str(len(body)).encode(), "text/plain")
                return
            method = self.path.split("/api/", 1)[-1].split("?")[0]
            params = _parse(headers.get("content-type", ""), body)
            stub.calls.append(SlackCall(method, params, headers, body))
            self._reply(method, params, headers)

        def _reply(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> None:
            token = headers.get("authorization", "").removeprefix("Bearer ")
            if not token:
                self._json(200, {"ok": False, "error": "not_authed"})
                return
            if token not in stub.valid_tokens:
                self._json(200, {"ok": False, "error": "invalid_auth"})
                return
            fault = stub.take_fault(method)
            if fault is None:
                self._json(200, _answer(stub, method, params))
            elif fault.status == 429:
                extra = {"Retry-After": str(fault.retry_after or 0)}
                self._json(429, {"ok": False, "error": "ratelimited"}, extra)
            elif fault.status >= 500:
                self._send(fault.status, b"<html>upstream trouble</html>", "text/html")
            else:
                self._json(fault.status, {"ok": False, "error": fault.error or "fatal_error"})

        def _json(
            self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None
        ) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json", extra)

        def _send(
            self, status: int, raw: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def _parse(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        parsed: dict[str, Any] = json.loads(body)
        return parsed
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


@contextmanager
def running_slack_stub() -> Iterator[SlackStub]:
    """Serve the stub on a free loopback port for the duration of the block."""
    stub = SlackStub()
    with serving(_handler(stub)) as address:
        stub.api_url = f"{address}/api/"
        yield stub


def response_url(stub: SlackStub, name: str) -> str:
    """A ``response_url`` on the stub for a command or click (``name`` tells them apart)."""
    return stub.api_url.replace("/api/", f"/respond/{name}")
