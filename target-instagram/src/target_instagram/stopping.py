"""SIGTERM and SIGINT stop the target between operations, never as a success.

The signal is noted; if the target is waiting for input it stops at once (nothing is in flight
then), otherwise it stops before taking the next input line, once the operation being applied
is recorded in the ledger. No STATE is emitted after the signal, and the process exits 143
(SIGTERM) or 130 (SIGINT) so Meltano does not record the run as a success. Operations received
but not yet sent stay in the ledger for the next run.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable, Iterator
from types import FrameType

STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopped(Exception):
    """A stopping signal arrived."""

    def __init__(self, signum: int) -> None:
        """Name the signal; the exit code is 128 + its number."""
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """143 for SIGTERM, 130 for SIGINT."""
        return 128 + self.signum


class StopOnSignal:
    """Wraps the input lines; installs the handlers while it is iterated."""

    def __init__(self, lines: Iterable[str]) -> None:
        """Nothing is installed until iteration starts."""
        self.lines = lines
        self.signum: int | None = None
        self.waiting = False  # True while blocked reading the next line

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        if self.waiting:
            raise Stopped(signum)  # waiting for input: nothing is in flight, stop now

    def __iter__(self) -> Iterator[str]:
        """The lines, until a stopping signal arrives."""
        previous = {s: signal.signal(s, self._handle) for s in STOPPING_SIGNALS}
        try:
            iterator = iter(self.lines)
            while True:
                if self.signum is not None:
                    raise Stopped(self.signum)
                self.waiting = True
                try:
                    line = next(iterator)
                except StopIteration:
                    return
                finally:
                    self.waiting = False
                yield line
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
