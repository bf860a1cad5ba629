"""A local emulator of the Instagram Graph API (both login flavours), for tests, demos and benchmarks."""

from instagram_sandbox.server import SandboxServer, running_sandbox

__all__ = ["SandboxServer", "running_sandbox"]
