"""Fixtures: the demo sandbox (its sender signs with the Facebook app's secret) and a receiver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import Demo, demo_for
from instagram_webhooks.receiver import Receiver
from instagram_webhooks.serving import running
from instagram_webhooks.store import SqliteStore

VERIFY = "verify-me-please"


@pytest.fixture
def demo(sandbox: SandboxServer) -> Demo:
    return demo_for(sandbox)


@pytest.fixture
def secret(demo: Demo) -> str:
    return str(demo.apps["facebook"]["app_secret"])


@pytest.fixture
def receiver(secret: str, tmp_path: Path) -> Iterator[tuple[Receiver, str]]:
    """A receiver on a free port with a SQLite store; yields it and its URL."""
    store = SqliteStore(tmp_path / "events.sqlite")
    kept = Receiver(store, secret, VERIFY)
    with running(kept) as url:
        yield kept, url
    store.close()
