"""An ASGI app served by uvicorn in a daemon thread of the current process."""

from __future__ import annotations

import threading
import time

import uvicorn


class ThreadedUvicorn:
    """Serve `config` in a daemon thread; `start` returns once the port is bound."""

    def __init__(self, config: uvicorn.Config, name: str) -> None:
        """Nothing listens until `start`."""
        self.name = name
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def start(self, deadline_seconds: float = 15.0) -> int:
        """Start serving; the port bound (the one asked for, or a free one for port 0)."""
        self._thread = threading.Thread(target=self._server.run, name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + deadline_seconds
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                config = self._server.config
                raise RuntimeError(
                    f"the {self.name} could not start on {config.host}:{config.port}"
                )
            time.sleep(0.01)
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    def alive(self) -> bool:
        """Whether the serving thread still runs."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, seconds: float) -> None:
        """Block up to `seconds` for the serving thread to end."""
        if self._thread is not None:
            self._thread.join(timeout=seconds)

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self.wait(15)
