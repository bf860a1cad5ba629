"""pytest fixtures: `sandbox_server` (one per session) and `sandbox` (reset before each test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from instagram_sandbox.server import SandboxClient, SandboxServer


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """A `demo` sandbox on a free loopback port, frozen clock, for the whole session."""
    server = SandboxServer("demo", 1, frozen=True).start()
    try:
        SandboxClient(server.base_url).stats()
    except Exception as exc:  # fail fast: nothing works without it
        server.stop()
        pytest.fail(f"the sandbox did not answer on {server.base_url}: {exc}")
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The session sandbox, reset to its scenario before the test."""
    sandbox_server.client().reset()
    return sandbox_server
