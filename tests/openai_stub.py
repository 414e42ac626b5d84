"""A local OpenAI-compatible server for tests: the real client talks HTTP to it.

Embeddings are deterministic hashed bags of words, so texts sharing words are close. Every
request is recorded so tests can assert what the client sent.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import numpy as np

from tests.loopback import serving

WORD = re.compile(r"[a-z0-9]+")


def hashed_embedding(text: str, dim: int) -> list[float]:
    """A unit vector from the text's words hashed into ``dim`` buckets."""
    vector = np.zeros(dim, dtype=np.float64)
    for word in WORD.findall(text.lower()):
        bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
        vector[bucket % dim] += 1.0
    if not vector.any():
        vector[0] = 1.0
    return [float(x) for x in vector / np.linalg.norm(vector)]


@dataclass
class OpenAIStub:
    """State of a running stub: its URL and the requests it received."""

    base_url: str
    dim: int = 1536
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_after: int | None = None
    """Answer 500 to every request after this many (a failing model service)."""


def _handler(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            stub.requests.append({"path": self.path, "body": body})
            if stub.fail_after is not None and len(stub.requests) > stub.fail_after:
                self._send(500, {"error": {"message": "Internal server error", "type": "server"}})
            elif self.path.rstrip("/").endswith("/embeddings"):
                self._embeddings(body)
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

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

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
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
