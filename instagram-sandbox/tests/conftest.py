"""Fixtures of the sandbox contract suite."""

from __future__ import annotations

import pytest

from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import Demo, demo_for


@pytest.fixture
def demo(sandbox: SandboxServer) -> Demo:
    """The demo scenario, reset, with its tokens and ids."""
    return demo_for(sandbox)
