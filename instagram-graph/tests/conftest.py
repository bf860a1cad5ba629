"""Fixtures: the demo sandbox, and clients of it whose waits move the sandbox clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from instagram_graph.auth import GraphAuthenticator
from instagram_graph.client import GraphClient
from instagram_graph.pacing import Pacer
from instagram_graph.settings import GraphSettings
from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import Demo, demo_for


class FakeTime:
    """A clock for the pacer: sleeping only moves `now` and records the wait."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class SandboxTime(FakeTime):
    """As FakeTime, and sleeping advances the sandbox clock too."""

    def __init__(self, demo: Demo) -> None:
        super().__init__(1000.0)
        self.demo = demo

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.demo.control.advance(seconds)


@pytest.fixture
def demo(sandbox: SandboxServer) -> Demo:
    return demo_for(sandbox)


@pytest.fixture
def sandbox_time(demo: Demo) -> SandboxTime:
    return SandboxTime(demo)


def fast_config(demo: Demo, **overrides: Any) -> dict[str, Any]:
    """Config for the demo's Facebook-Login token, with millisecond retry waits."""
    return {
        "access_token": demo.fb_token,
        "api_url": demo.base,
        "initial_retry_interval_millis": 1,
        "maximum_retries_interval_millis": 5,
        "connect_timeout_millis": 2000,
        "response_timeout_millis": 2000,
        **overrides,
    }


@pytest.fixture
def make_client(demo: Demo, sandbox_time: SandboxTime) -> Callable[..., GraphClient]:
    """Build a client of the sandbox; its own authenticator, a pacer on the sandbox clock."""

    def build(**overrides: Any) -> GraphClient:
        settings = GraphSettings.from_config(fast_config(demo, **overrides))
        pacer = Pacer(
            threshold=settings.throttle_threshold,
            rate_per_second=settings.throttle_rate_per_second,
            max_wait_seconds=settings.throttle_wait_in_millis / 1000,
            clock=sandbox_time.clock,
            sleep=sandbox_time.sleep,
        )
        return GraphClient(settings, authenticator=GraphAuthenticator(settings), pacer=pacer)

    return build
