"""A mutating proxy for fault tests: answers to writes spoiled after they were applied upstream.

Every request is forwarded to a Graph host (the sandbox); some answers to POSTs are changed.

Answers to every `every`-th POST are spoiled by `mode`:
- `cut`: the body is cut in the middle (a JSON text that ends early);
- `html`: a gateway's HTML error page instead of the body, with status 502;
- `empty`: status 200 and no body;
- `batch_entry`: in a batch answer (a JSON array), every entry's body is cut in the middle.

The proxy never reads the sandbox's state; `spoiled` counts the answers it changed.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import requests
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from instagram_sandbox.threaded import ThreadedUvicorn

MODES = ("cut", "html", "empty", "batch_entry")
HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding", "host"}


class SpoilingProxy:
    """Forward to `upstream`; spoil the answer of every `every`-th POST with `mode`."""

    def __init__(self, upstream: str, mode: str, every: int = 1) -> None:
        """Nothing listens until `start`."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.upstream, self.mode, self.every = upstream.rstrip("/"), mode, max(1, every)
        self.posts = self.spoiled = 0
        self._lock = threading.Lock()
        self._session = requests.Session()
        app = Starlette(routes=[Route("/{path:path}", self._forward,
                                      methods=["GET", "POST", "DELETE"])])  # fmt: skip
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                access_log=False, lifespan="off")  # fmt: skip
        self._serving = ThreadedUvicorn(config, "proxy")
        self.port = 0

    @property
    def base_url(self) -> str:
        """Where clients send requests."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SpoilingProxy:
        """Serve in a daemon thread; return once the port is bound."""
        self.port = self._serving.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._serving.stop()

    async def _forward(self, request: Request) -> Response:
        body = await request.body()
        query = list(request.query_params.multi_items())
        return await run_in_threadpool(self._relay, request.method, request.url.path, query,
                                       dict(request.headers), body)  # fmt: skip

    def _relay(self, method: str, path: str, query: list[tuple[str, str]],
               headers: dict[str, str], body: bytes) -> Response:  # fmt: skip
        sent = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
        answer = self._session.request(method, f"{self.upstream}{path}", params=query, data=body,
                                       headers=sent, timeout=60)  # fmt: skip
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS}
        status, content = answer.status_code, answer.content
        if method == "POST" and self._turn():
            status, content = self._spoil(status, content)
        return Response(content, status_code=status, headers=kept)

    def _turn(self) -> bool:
        with self._lock:
            self.posts += 1
            return self.posts % self.every == 0

    def _spoil(self, status: int, content: bytes) -> tuple[int, bytes]:
        spoiled: tuple[int, bytes] | None = {
            "cut": (status, content[: len(content) // 2]),
            "html": (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
            "empty": (200, b""),
        }.get(self.mode)
        if spoiled is None:
            spoiled = (status, _spoil_entries(content))
        if spoiled[1] != content:
            with self._lock:
                self.spoiled += 1
        return spoiled


def _spoil_entries(content: bytes) -> bytes:
    """Every entry of a batch answer gets a body that is not JSON (cut in the middle)."""
    try:
        entries: Any = json.loads(content)
    except ValueError:
        return content
    if not isinstance(entries, list):
        return content
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("body"), str):
            entry["body"] = entry["body"][: len(entry["body"]) // 2]
    return json.dumps(entries).encode()
