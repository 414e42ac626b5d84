"""A local OpenAI-compatible server for tests: the real client talks HTTP to it.

Embeddings are deterministic hashed bags of words, so texts sharing words are close. Chat
completions answer from a script of replies (text, tool calls, or a function of the request),
plainly or streamed as server-sent events, with token usage. Every request is recorded so tests
can assert what the client sent; chat requests that OpenAI would reject (a tool schema that is
not an object, an assistant tool call left unanswered) are recorded in ``problems`` and answered
400. Faults are programmed with ``stub.fail(times, status, retry_after)`` and ``stub.delay_s``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, TypeAlias

import numpy as np

from tests.loopback import serving

WORD = re.compile(r"[a-z0-9]+")
TOKEN = re.compile(r"\w+")
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
NO_REPLY = "(stub: no scripted reply)"
ERROR_TYPES = {400: "invalid_request_error", 404: "invalid_request_error", 429: "requests"}


def hashed_embedding(text: str, dim: int) -> list[float]:
    """A unit vector from the text's words hashed into ``dim`` buckets."""
    vector = np.zeros(dim, dtype=np.float64)
    for word in WORD.findall(text.lower()):
        bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
        vector[bucket % dim] += 1.0
    if not vector.any():
        vector[0] = 1.0
    return [float(x) for x in vector / np.linalg.norm(vector)]


@dataclass(frozen=True)
class ToolCall:
    """One tool call in a scripted reply; ``arguments`` is the raw JSON text the model sends."""

    name: str
    arguments: str
    id: str | None = None
    """The call id; ``None`` lets the stub make one (``call_stub_<reply>_<index>``)."""


@dataclass(frozen=True)
class Reply:
    """One scripted assistant reply to a chat completion request."""

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    """``None`` means ``"tool_calls"`` when there are tool calls, else ``"stop"``."""

    @property
    def finish(self) -> str:
        """The finish reason sent to the client."""
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"


Responder: TypeAlias = Callable[[dict[str, Any]], Reply]
"""A reply computed from the request body (e.g. to echo a tool result)."""
ScriptItem: TypeAlias = Reply | Responder


def text_reply(content: str) -> Reply:
    """A plain assistant message."""
    return Reply(content=content)


def _arguments(args: dict[str, Any] | str) -> str:
    # A string is sent verbatim, so tests can simulate invalid JSON from the model.
    return args if isinstance(args, str) else json.dumps(args)


def tool_call_reply(name: str, args: dict[str, Any] | str, call_id: str | None = None) -> Reply:
    """An assistant message calling one tool; ``args`` as a string is sent verbatim."""
    return Reply(tool_calls=(ToolCall(name, _arguments(args), call_id),))


def tool_calls_reply(
    calls: Iterable[tuple[str, dict[str, Any] | str]], content: str | None = None
) -> Reply:
    """An assistant message calling several tools at once (parallel tool calls)."""
    return Reply(
        content=content, tool_calls=tuple(ToolCall(name, _arguments(a)) for name, a in calls)
    )


@dataclass
class Fault:
    """How to answer the next ``times`` requests instead of serving them."""

    times: int
    status: int = 500
    retry_after: float | None = None


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """An error payload shaped like OpenAI's."""
    kind = ERROR_TYPES.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _text_of(content: Any) -> str:
    # Message content is a string or a list of parts ({"type": "text", "text": ...}).
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def count_tokens(messages: Iterable[dict[str, Any]]) -> int:
    """A rough token count: words in the messages' text, tool call names and arguments."""
    total = 0
    for message in messages:
        total += len(TOKEN.findall(_text_of(message.get("content"))))
        for call in message.get("tool_calls") or []:
            function = call.get("function", {})
            text = f"{function.get('name', '')} {function.get('arguments', '')}"
            total += len(TOKEN.findall(text))
    return total


def chat_request_problems(body: dict[str, Any]) -> list[str]:
    """What OpenAI would reject in a chat request: bad tool definitions or message order.

    Tools must be functions with a valid name whose ``parameters`` (when given) is a JSON
    schema of type object. Every assistant message with ``tool_calls`` must be followed by a
    ``tool`` message for each call id before any other message, and every ``tool`` message
    must answer such a call.
    """
    problems: list[str] = []
    for i, tool in enumerate(body.get("tools") or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or tool.get("type") != "function":
            problems.append(f"tools[{i}]: not a function tool")
            continue
        name = function.get("name")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            problems.append(f"tools[{i}].function.name: invalid name {name!r}")
        params = function.get("parameters")
        if "parameters" in function and (
            not isinstance(params, dict) or params.get("type") != "object"
        ):
            problems.append(f"tools[{i}].function.parameters: not a JSON schema object: {params!r}")

    pending: list[str] = []  # tool call ids still waiting for their tool message
    for i, message in enumerate(body.get("messages") or []):
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id in pending:
                pending.remove(call_id)
            else:
                problems.append(
                    f"messages[{i}]: tool message {call_id!r} does not answer a preceding "
                    "assistant message with 'tool_calls'"
                )
            continue
        if pending:
            problems.append(
                f"messages[{i}]: an assistant message with 'tool_calls' must be followed by "
                f"tool messages responding to each 'tool_call_id'; missing: {', '.join(pending)}"
            )
            pending = []
        if role == "assistant":
            pending = [str(call.get("id")) for call in message.get("tool_calls") or []]
    if pending:
        problems.append(
            "messages: an assistant message with 'tool_calls' must be followed by tool "
            f"messages responding to each 'tool_call_id'; missing: {', '.join(pending)}"
        )
    return problems


@dataclass
class OpenAIStub:
    """State of a running stub: its URL, the requests it received, replies and faults to serve."""

    base_url: str
    dim: int = 1536
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_after: int | None = None
    """Answer 500 to every request after this many (a failing model service)."""
    script: deque[ScriptItem] = field(default_factory=deque)
    """Replies to chat completions, consumed in order; an empty script answers ``NO_REPLY``."""
    faults: deque[Fault] = field(default_factory=deque)
    """Faults still to serve (see ``fail``), oldest first."""
    delay_s: float = 0.0
    """Seconds to wait before answering any request (to trigger client timeouts)."""
    problems: list[str] = field(default_factory=list)
    """Why chat requests were rejected with 400 (see ``chat_request_problems``)."""
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fail(self, times: int, status: int = 500, retry_after: float | None = None) -> None:
        """Answer the next ``times`` requests (any route) with ``status`` and an error body.

        ``retry_after`` (seconds) is sent as the ``retry-after`` header, which the OpenAI
        client honours instead of its own back-off.
        """
        if times > 0:
            with self._lock:
                self.faults.append(Fault(times, status, retry_after))

    def chat_requests(self) -> list[dict[str, Any]]:
        """The bodies of the chat completion requests received, in order."""
        return [r["body"] for r in self.requests if _is_chat(r["path"])]

    @staticmethod
    def tool_names(request_body: dict[str, Any]) -> list[str]:
        """The names of the function tools a chat request offered."""
        return [
            str(tool["function"].get("name"))
            for tool in request_body.get("tools") or []
            if isinstance(tool, dict) and isinstance(tool.get("function"), dict)
        ]

    def _record(self, path: str, body: dict[str, Any]) -> tuple[int, Fault | None]:
        # Record the request and take the fault it gets, if any, atomically.
        with self._lock:
            self.requests.append({"path": path, "body": body})
            if self.faults:
                fault = self.faults[0]
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.popleft()
                return len(self.requests), fault
            return len(self.requests), None

    def _next_reply(self, body: dict[str, Any]) -> tuple[int, Reply]:
        with self._lock:
            number = next(self._counter)
            item = self.script.popleft() if self.script else text_reply(NO_REPLY)
        reply = item if isinstance(item, Reply) else item(body)
        # Give tool calls without an id a stable one.
        calls = tuple(
            call if call.id else ToolCall(call.name, call.arguments, f"call_stub_{number}_{i}")
            for i, call in enumerate(reply.tool_calls)
        )
        return number, Reply(reply.content, calls, reply.finish_reason)


def _is_chat(path: str) -> bool:
    return path.rstrip("/").endswith("/chat/completions")


def _message(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in reply.tool_calls
        ]
    return message


def _usage(body: dict[str, Any], reply: Reply) -> dict[str, int]:
    prompt = max(1, count_tokens(body.get("messages") or []))
    completion = max(1, count_tokens([_message(reply)]))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _pieces(text: str, size: int) -> list[str]:
    # Cut text into pieces of at most ``size`` characters, as a model streams tokens.
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _deltas(reply: Reply) -> Iterator[dict[str, Any]]:
    """The ``delta`` objects of a streamed reply, before the final chunk."""
    # OpenAI opens with the role; content is "" for a text reply, null for tool calls only.
    yield {"role": "assistant", "content": None if reply.content is None else ""}
    if reply.content:
        for piece in re.findall(r"\S+\s*|\s+", reply.content):
            yield {"content": piece}
    for index, call in enumerate(reply.tool_calls):
        head = {"name": call.name, "arguments": ""}
        yield {
            "tool_calls": [{"index": index, "id": call.id, "type": "function", "function": head}]
        }
        for piece in _pieces(call.arguments, 8):
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}


def _handler(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            count, fault = stub._record(self.path, body)
            if stub.delay_s > 0:
                time.sleep(stub.delay_s)
            # The client may have given up (e.g. timed out) before the answer.
            with suppress(BrokenPipeError, ConnectionResetError):
                self._answer(body, count, fault)

        def _answer(self, body: dict[str, Any], count: int, fault: Fault | None) -> None:
            if fault is not None:
                headers = {}
                if fault.retry_after is not None:
                    headers["retry-after"] = f"{fault.retry_after:g}"
                message = f"stub fault: status {fault.status}"
                self._send(fault.status, error_body(fault.status, message), headers)
            elif stub.fail_after is not None and count > stub.fail_after:
                self._send(500, {"error": {"message": "Internal server error", "type": "server"}})
            elif self.path.rstrip("/").endswith("/embeddings"):
                self._embeddings(body)
            elif _is_chat(self.path):
                self._chat(body)
            else:
                self._send(404, error_body(404, f"no route {self.path}"))

        def _embeddings(self, body: dict[str, Any]) -> None:
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [
                {"object": "embedding", "index": i, "embedding": hashed_embedding(str(t), stub.dim)}
                for i, t in enumerate(inputs)
            ]
            usage = {"prompt_tokens": len(inputs), "total_tokens": len(inputs)}
            self._send(
                200, {"object": "list", "data": data, "model": body["model"], "usage": usage}
            )

        def _chat(self, body: dict[str, Any]) -> None:
            problems = chat_request_problems(body)
            if problems:
                with stub._lock:
                    stub.problems.extend(problems)
                self._send(400, error_body(400, "; ".join(problems), "invalid_request"))
                return
            number, reply = stub._next_reply(body)
            head = {
                "id": f"chatcmpl-stub-{number}",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "system_fingerprint": None,
            }
            if body.get("stream"):
                self._stream(body, reply, head)
                return
            choice = {
                "index": 0,
                "message": _message(reply),
                "logprobs": None,
                "finish_reason": reply.finish,
            }
            self._send(
                200,
                {
                    **head,
                    "object": "chat.completion",
                    "choices": [choice],
                    "usage": _usage(body, reply),
                },
            )

        def _stream(self, body: dict[str, Any], reply: Reply, head: dict[str, Any]) -> None:
            # HTTP/1.0 without Content-Length: the stream ends when the connection closes.
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunk = {**head, "object": "chat.completion.chunk"}
            extra = {"usage": None} if with_usage else {}

            def choice(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
                return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}

            for delta in _deltas(reply):
                self._event({**chunk, "choices": [choice(delta, None)], **extra})
            self._event({**chunk, "choices": [choice({}, reply.finish)], **extra})
            if with_usage:
                self._event({**chunk, "choices": [], "usage": _usage(body, reply)})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _event(self, payload: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()

        def _send(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

    return Handler


@contextmanager
def running_stub(dim: int = 1536) -> Iterator[OpenAIStub]:
    """Serve the stub on a free loopback port for the duration of the block."""
    stub = OpenAIStub(base_url="", dim=dim)
    with serving(_handler(stub)) as address:
        stub.base_url = f"{address}/v1"
        yield stub
