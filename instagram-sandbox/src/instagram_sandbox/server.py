"""Serving: uvicorn in a thread (for tests) or in the foreground (for the CLI), plus a control client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from instagram_sandbox.app import TRANSPORT_EXTENSION, Sandbox, create_app
from instagram_sandbox.clock import SandboxClock
from instagram_sandbox.state.backend import GraphBackend, SandboxConfig
from instagram_sandbox.threaded import ThreadedUvicorn


class _SandboxProtocol(HttpToolsProtocol):
    """Hands the connection's transport to the app, so faults can drop or truncate a connection."""

    def on_headers_complete(self) -> None:
        extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
        extensions[TRANSPORT_EXTENSION] = self.transport
        super().on_headers_complete()


class SandboxClient:
    """A small client of the control API (`/__sandbox/`)."""

    def __init__(self, base_url: str) -> None:
        """Talk to the sandbox at `base_url`."""
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = self.session.request(
            method, f"{self.base_url}/__sandbox{path}", json=body, timeout=30
        )
        if answer.status_code != 200:
            raise RuntimeError(
                f"sandbox control {method} {path} failed: {answer.status_code} {answer.text}"
            )
        return answer.json()

    def stats(self) -> dict[str, Any]:
        """Request counters."""
        return dict(self._call("GET", "/stats"))

    def reset_stats(self) -> None:
        """Zero the counters."""
        self._call("POST", "/stats/reset")

    def reset(self) -> None:
        """Reload the scenario; clears faults, stats, writes and the clock offset."""
        self._call("POST", "/reset")

    def advance(self, seconds: float) -> int:
        """Move the sandbox clock forward; returns the new Unix time."""
        return int(self._call("POST", "/clock", {"advance_seconds": seconds})["now"])

    def now(self) -> int:
        """Sandbox time."""
        return int(self._call("GET", "/clock")["now"])

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule (see the README for its keys)."""
        return dict(self._call("POST", "/faults", rule))

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._call("DELETE", "/faults")

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change behaviour switches and rate-limit knobs."""
        return dict(self._call("POST", "/config", settings))

    def set_quota(self, account_id: str, **values: Any) -> dict[str, Any]:
        """Set `quota_total` and/or `impressions` of an account."""
        return dict(self._call("POST", "/quota", {"account_id": account_id, **values}))

    def expire_tokens(self, **match: Any) -> dict[str, Any]:
        """Expire or revoke tokens (`token`, `subject_id` or `account_id`; `reason`)."""
        return dict(self._call("POST", "/tokens/expire", match))

    def issue_token(self, account_id: str, **options: Any) -> str:
        """A new token for an account (kind, scopes, lifetime_seconds, age_seconds)."""
        return str(
            self._call("POST", "/tokens", {"account_id": account_id, **options})["access_token"]
        )

    def tokens(self) -> dict[str, Any]:
        """Starter tokens per account and both apps' ids and secrets."""
        return dict(self._call("GET", "/tokens"))

    def accounts(self) -> list[dict[str, Any]]:
        """Every account of the scenario."""
        return list(self._call("GET", "/accounts")["accounts"])

    def add_media(self, **body: Any) -> dict[str, Any]:
        """Add media (account_id, count, comments_per_media), comments or replies.

        Comments: media_id and comments; replies: comment_id and replies.
        """
        return dict(self._call("POST", "/media", body))

    def mention(
        self, account_id: str, count: int = 1, where: str = "comment"
    ) -> list[dict[str, Any]]:
        """Others mention the account (`where`: comment or caption); the `mentions` values."""
        body = {"account_id": account_id, "count": count, "in": where}
        return list(self._call("POST", "/mentions", body)["mentions"])

    def writes(self) -> list[dict[str, Any]]:
        """Every write applied, in order."""
        return list(self._call("GET", "/writes")["writes"])

    def webhooks(
        self, method: str = "GET", path: str = "", body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Configure (`POST`), flush (`/flush`), replay (`/replay`) or read the webhook sender."""
        return dict(self._call(method, f"/webhooks{path}", body))


class SandboxServer:
    """A sandbox served by uvicorn, in a background thread or in the foreground."""

    def __init__(
        self,
        scenario: str = "demo",
        seed: int = 1,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        start_time: float | None = None,
        frozen: bool = False,
        config: SandboxConfig | None = None,
    ) -> None:
        """Build the backend now; nothing listens until `start` or `serve_forever`."""
        self.clock = SandboxClock(start_time, frozen=frozen)
        self.backend = GraphBackend(scenario, seed, self.clock, config)
        self.sandbox = Sandbox(self.backend, latency_ms=latency_ms)
        self.host = host
        self.port = port
        uv_config = uvicorn.Config(
            create_app(self.sandbox), host=host, port=port, http=_SandboxProtocol, log_level="warning",
            access_log=False, server_header=False, date_header=False, lifespan="off", timeout_keep_alive=30,
        )  # fmt: skip
        self._serving = ThreadedUvicorn(uv_config, "instagram-sandbox")

    @property
    def base_url(self) -> str:
        """Facebook-Login base URL (unversioned)."""
        return f"http://{self.host}:{self.port}"

    @property
    def instagram_base_url(self) -> str:
        """Instagram-Login base URL (unversioned)."""
        return f"{self.base_url}/graph.instagram.com"

    def client(self) -> SandboxClient:
        """A control client for this server."""
        return SandboxClient(self.base_url)

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; return once the port is bound."""
        self.port = self._serving.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._serving.stop()

    def serve_forever(self, on_ready: Any = None) -> None:
        """Serve in the foreground until interrupted; `on_ready(server)` runs once the port is bound."""
        self.start()
        if on_ready is not None:
            on_ready(self)
        try:
            while self._serving.alive():
                self._serving.wait(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()


@contextmanager
def running_sandbox(
    scenario: str = "demo", seed: int = 1, **options: Any
) -> Iterator[SandboxServer]:
    """A sandbox on a free loopback port for the duration of the block."""
    server = SandboxServer(scenario, seed, **options).start()
    try:
        yield server
    finally:
        server.stop()
