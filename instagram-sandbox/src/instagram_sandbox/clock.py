"""The sandbox clock: wall time plus an offset that the control API can advance, or a frozen instant."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class SandboxClock:
    """Sandbox time in Unix seconds; tests move it with `advance` instead of sleeping."""

    def __init__(
        self,
        start: float | None = None,
        *,
        frozen: bool = False,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """Start at `start` (default: the wall clock now); a frozen clock moves only on `advance`."""
        self._wall = wall
        self._origin_wall = wall()
        self._start = float(int(start if start is not None else self._origin_wall))
        self._frozen = frozen
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def start(self) -> float:
        """The instant the clock started at; scenarios lay their data out relative to it."""
        return self._start

    def now(self) -> float:
        """Current sandbox time in Unix seconds."""
        with self._lock:
            elapsed = 0.0 if self._frozen else self._wall() - self._origin_wall
            return self._start + elapsed + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward and return the new time."""
        if seconds < 0:
            raise ValueError(
                "advance_seconds must not be negative: the sandbox clock never runs back"
            )
        with self._lock:
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        """Return to the start instant (used when the scenario is reloaded)."""
        with self._lock:
            self._offset = 0.0
            self._origin_wall = self._wall()

    def iso(self, at: float | None = None) -> str:
        """Format a time the way Graph does: `2019-09-26T22:36:43+0000`."""
        return graph_time(self.now() if at is None else at)


def graph_time(ts: float) -> str:
    """Format Unix seconds as Graph's ISO-8601 UTC form with a `+0000` offset."""
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
