"""What a run could not read, and why: objects skipped per cause, streams skipped per account.

One object, stream or account that fails costs that piece only. Each cause is warned about once;
`summary_lines` gives the end-of-run summary.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field

from instagram_graph.errors import GraphError, PermissionDeniedError

log = logging.getLogger("tap_instagram")


@dataclass(frozen=True)
class StreamSkip:
    """One stream not read for one account."""

    stream: str
    account: str
    reason: str


@dataclass
class Skips:
    """Objects skipped (counted per cause) and streams skipped (per account), warned once each."""

    counts: Counter[str] = field(default_factory=Counter)
    streams: list[StreamSkip] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, cause: str, error: GraphError | None = None) -> None:
        """Count one skipped object; warn the first time a cause appears (from any thread)."""
        with self._lock:
            first = cause not in self.counts
            self.counts[cause] += 1
        if first:
            log.warning("skipping objects: %s%s", cause, f" ({error})" if error else "")

    def stream(
        self, stream: str, account: str, error: GraphError, *, scope: str | None = None
    ) -> None:
        """Record a stream the token cannot read for an account; one warning per account and cause."""
        if isinstance(error, PermissionDeniedError):
            permission = error.missing_permission or scope or "a permission"
            reason = f"missing permission {permission}"
            fix = (
                f"re-authorise the token with the {permission} scope "
                "(`instagram-auth url`, then `instagram-auth exchange CODE`)"
            )
        else:
            reason = f"{type(error).__name__} (code {error.code}/{error.subcode})"
            fix = "check that the object still exists and the token can reach it"
        warned = any(s.account == account and s.reason == reason for s in self.streams)
        self.streams.append(StreamSkip(stream, account, reason))
        if warned:
            log.info("stream %s skipped for account %s: %s", stream, account, reason)
            return
        log.warning(
            "stream %s skipped for account %s: %s (%s). Fix: %s. Other streams that need it are "
            "skipped too; the end-of-run summary lists them.",
            stream, account, reason, error.message, fix,
        )  # fmt: skip

    def summary_lines(self) -> list[str]:
        """The end-of-run summary: streams skipped per reason, then objects skipped per cause."""
        by_reason: dict[tuple[str, str], list[str]] = {}
        for skip in self.streams:
            by_reason.setdefault((skip.account, skip.reason), []).append(skip.stream)
        lines = [
            f"account {account}: {reason}: skipped {', '.join(dict.fromkeys(names))}"
            for (account, reason), names in by_reason.items()
        ]
        lines += [f"{count} object(s) skipped: {cause}" for cause, count in self.counts.items()]
        return lines
