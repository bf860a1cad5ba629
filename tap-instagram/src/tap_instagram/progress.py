"""Progress while the tap reads, and what it read in the end.

A line at most every `every` seconds (on the injected clock) while reading: the account, the
records so far, HTTP requests and Graph calls (what Meta's rate budget charges: a batch of n is n).
The SDK's own per-batch METRIC lines and "Stream is assumed to be unsorted" warnings are off
unless `verbose_sdk_logs` is set.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

log = logging.getLogger("tap_instagram")

SDK_NOISE = ("Stream is assumed to be unsorted",)


class Progress:
    """Counts records per stream and account; logs a progress line every `every` seconds."""

    def __init__(
        self, counts: Callable[[], tuple[int, int]], *, every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        """`counts()` gives (HTTP requests, Graph calls) so far."""
        self.counts, self.every, self.clock = counts, every, clock
        self.records: Counter[str] = Counter()
        self.per_account: Counter[str] = Counter()
        self._last = clock()
        self._lock = threading.Lock()

    def record(self, stream: str, account: str) -> None:
        """One record of `stream` for `account` was read (the clock is looked at every 512th)."""
        self.records[stream] += 1
        self.per_account[account] += 1
        if not self.per_account[account] & 511:
            self.tick(account)

    def tick(self, account: str | None) -> None:
        """Log a progress line when `every` seconds passed since the last one (from any thread)."""
        now = self.clock()
        with self._lock:
            if now - self._last < self.every:
                return
            self._last = now
        requests, calls = self.counts()
        log.info("progress: account %s: %d records so far (%d in all), %d requests, %d Graph calls",
                 account or "-", self.per_account[account or ""], sum(self.records.values()),
                 requests, calls)  # fmt: skip

    def summary(self) -> str:
        """The end-of-run line: records per stream, requests and Graph calls."""
        requests, calls = self.counts()
        streams = ", ".join(f"{name} {n}" for name, n in sorted(self.records.items())) or "none"
        return (f"run summary: {sum(self.records.values())} records ({streams}); "
                f"{requests} requests, {calls} Graph calls")  # fmt: skip


class _DropSdkNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(SDK_NOISE)


def quiet_sdk_logs(verbose: bool) -> None:
    """Per-batch METRIC lines and the unsorted-stream warnings: shown only when `verbose`."""
    metrics = logging.getLogger("singer_sdk.metrics")
    sdk = logging.getLogger("singer_sdk")
    for existing in [f for f in sdk.filters if isinstance(f, _DropSdkNoise)]:
        sdk.removeFilter(existing)
    if verbose:
        metrics.setLevel(logging.NOTSET)
        return
    metrics.setLevel(logging.WARNING)
    sdk.addFilter(_DropSdkNoise())
