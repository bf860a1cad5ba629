"""The receiver: Meta's verification handshake, signed deliveries stored before the answer, health.

- `GET /` with `hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`: echoes the challenge
  when the verify token matches (compared in constant time), else 403.
- `POST /`: the body must carry a valid `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with
  the app secret, compared in constant time), be at most `max_body_bytes` and be a JSON object;
  otherwise 403 (signature) or 400 / 413, logged with the reason but never the body. The changes
  are written to the store (one transaction; replays stored once) and only then answered 200.
  A store that fails answers 503, so Meta delivers again later.
- `GET /healthz`: `{"status": "ok", "received", "stored", "duplicates", "rejected": {reason: n}}`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from instagram_webhooks.store import Store, changes_of

log = logging.getLogger("instagram_webhooks")

MAX_BODY_BYTES = 1024 * 1024


@dataclass
class Counts:
    """What the receiver has seen since it started."""

    received: int = 0  # deliveries (POSTs) that arrived
    stored: int = 0  # changes newly kept
    duplicates: int = 0  # changes already kept (replays)
    rejected: Counter[str] = field(default_factory=Counter)  # deliveries refused, by reason
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """For `/healthz`."""
        with self.lock:
            return {"received": self.received, "stored": self.stored,
                    "duplicates": self.duplicates, "rejected": dict(self.rejected)}  # fmt: skip


@dataclass
class Receiver:
    """One receiver's secrets, store and counters."""

    store: Store
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    max_body_bytes: int = MAX_BODY_BYTES
    counts: Counts = field(default_factory=Counts)

    async def handshake(self, request: Request) -> Response:
        """Meta's subscription check: echo `hub.challenge` for the right verify token."""
        q = request.query_params
        token = q.get("hub.verify_token", "")
        if q.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token.encode(), self.verify_token.encode()
        ):
            self._reject("handshake refused (wrong mode or verify token)")
            return PlainTextResponse("verification refused", 403)
        return PlainTextResponse(q.get("hub.challenge", ""))

    async def deliver(self, request: Request) -> Response:
        """Check, store, then answer 200."""
        with self.counts.lock:
            self.counts.received += 1
        body, refusal = await self._body(request)
        if refusal is not None:
            return refusal
        if not self._signed(body, request.headers.get("x-hub-signature-256", "")):
            return self._refuse(403, "bad or missing X-Hub-Signature-256")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self._refuse(400, "body is not JSON")
        if not isinstance(payload, dict):
            return self._refuse(400, "body is not a JSON object")
        changes = changes_of(payload)
        try:
            new = await asyncio.to_thread(self.store.add, changes) if changes else 0
        except Exception as exc:  # the store is down: Meta delivers again later
            log.error("store failed (%s: %s); answered 503", type(exc).__name__, exc)
            return self._refuse(503, "store unavailable")
        with self.counts.lock:
            self.counts.stored += new
            self.counts.duplicates += len(changes) - new
        return Response(b"", 200)

    async def health(self, request: Request) -> Response:
        """Liveness and counters."""
        return JSONResponse({"status": "ok", **self.counts.as_dict()})

    async def _body(self, request: Request) -> tuple[bytes, Response | None]:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return b"", self._refuse(413, "body larger than max_body_bytes")
        parts, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"", self._refuse(413, "body larger than max_body_bytes")
            parts.append(chunk)
        return b"".join(parts), None

    def _signed(self, body: bytes, header: str) -> bool:
        expected = "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), header.strip().encode())

    def _refuse(self, status: int, reason: str) -> Response:
        self._reject(reason)
        return PlainTextResponse(reason, status)

    def _reject(self, reason: str) -> None:
        with self.counts.lock:
            self.counts.rejected[reason] += 1
        log.warning("refused: %s", reason)  # never the body: it may hold people's comments


def create_app(receiver: Receiver) -> Starlette:
    """The ASGI app (`/` for Meta, `/healthz` for the operator)."""
    app = Starlette(routes=[
        Route("/", receiver.handshake, methods=["GET"]),
        Route("/", receiver.deliver, methods=["POST"]),
        Route("/healthz", receiver.health, methods=["GET"]),
    ])  # fmt: skip
    app.state.receiver = receiver
    return app
