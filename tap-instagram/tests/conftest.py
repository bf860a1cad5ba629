"""Config fixtures for tap tests: the demo sandbox and a helper that runs the tap in-process."""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from instagram_graph.auth import GraphAuthenticator
from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import Demo, demo_for
from instagram_webhooks.receiver import Receiver
from instagram_webhooks.serving import running
from instagram_webhooks.store import SqliteStore
from tap_instagram.tap import TapInstagram


@dataclass
class Run:
    """The Singer messages of one tap run."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    @property
    def counts(self) -> Counter[str]:
        return Counter(m["stream"] for m in self.messages if m["type"] == "RECORD")

    @property
    def state(self) -> dict[str, Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else {}

    def schemas(self) -> dict[str, dict[str, Any]]:
        return {m["stream"]: m for m in self.messages if m["type"] == "SCHEMA"}


def run_tap(
    config: dict[str, Any], state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
) -> Run:  # fmt: skip
    """Run a sync in-process (a fresh process's authenticator) and collect its messages."""
    GraphAuthenticator._shared.clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TapInstagram(config=config, state=state or {}, catalog=catalog).sync_all()
    return Run([json.loads(line) for line in out.getvalue().splitlines() if line.strip()])


@pytest.fixture
def demo(sandbox: SandboxServer) -> Demo:
    return demo_for(sandbox)


def demo_config(demo: Demo, days: int = 90, **overrides: Any) -> dict[str, Any]:
    """The demo's main account, start_date `days` back on the sandbox clock, fast retries."""
    start = datetime.fromtimestamp(demo.control.now() - days * 86400, UTC).isoformat()
    return {
        "access_token": demo.fb_token,
        "api_url": demo.base,
        "ig_user_ids": [demo.acme],
        "start_date": start,
        "initial_retry_interval_millis": 1,
        "maximum_retries_interval_millis": 5,
        **overrides,
    }


@pytest.fixture
def config(demo: Demo) -> dict[str, Any]:
    return demo_config(demo)


@pytest.fixture
def store(demo: Demo, tmp_path: Path) -> Iterator[SqliteStore]:
    """A receiver the sandbox delivers to, for the main account's three fields."""
    kept = SqliteStore(tmp_path / "events.sqlite")
    with running(Receiver(kept, str(demo.apps["facebook"]["app_secret"]), "v")) as url:
        demo.ok(
            demo.post(
                f"/{demo.acme}/subscribed_apps",
                subscribed_fields="comments,mentions,story_insights",
            )
        )
        assert demo.control.webhooks("POST", "", {"callback_url": url, "verify_token": "v"})[
            "verified"
        ]
        yield kept
    kept.close()
