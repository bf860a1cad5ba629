"""Whether to retry a failed call, and how long to wait: pure functions of (error, attempt).

Attempts count from 1. Waits grow exponentially from `initial_retry_interval_millis`, capped by
`maximum_retries_interval_millis`, with jitter. A call that is not idempotent (a POST write) is
retried only when the failure proves the write did not happen: an error answer, or a connection
that never reached the server. After a timeout or a dropped connection its outcome is unknown,
and the caller decides (the target reconciles).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from instagram_graph import errors
from instagram_graph.errors import GraphError


@dataclass(frozen=True)
class RetryPolicy:
    """The Treasure Data knobs, in seconds."""

    maximum_retries: int = 3
    initial_interval: float = 20.0
    maximum_interval: float = 120.0

    @classmethod
    def from_millis(
        cls, maximum_retries: int, initial_millis: int, maximum_millis: int
    ) -> RetryPolicy:
        """Build from the settings' millisecond values."""
        return cls(maximum_retries, initial_millis / 1000, maximum_millis / 1000)


def is_retriable(error: GraphError) -> bool:
    """Errors that may pass on their own: transient ones and throttles."""
    return isinstance(error, errors.TransientError | errors.RateLimitedError)


def write_not_applied(error: GraphError) -> bool:
    """True when the failure proves a write did not happen."""
    if isinstance(error, errors.NetworkError):
        return not error.sent
    return error.http_status is not None and not isinstance(error, errors.BadResponseError)


def should_retry(
    error: GraphError, attempt: int, policy: RetryPolicy, *, idempotent: bool,
    shrinkable: bool = False,
) -> bool:  # fmt: skip
    """Whether to retry `error` after attempt number `attempt`.

    "Reduce the amount of data" repeats for the same request: when the caller can ask for less
    (`shrinkable`) it gets the error at once; a call with nothing smaller to ask is retried.
    """
    if attempt > policy.maximum_retries or not is_retriable(error):
        return False
    if shrinkable and isinstance(error, errors.TooMuchDataError):
        return False
    return idempotent or write_not_applied(error)


def backoff_interval(attempt: int, policy: RetryPolicy) -> float:
    """The un-jittered wait after attempt `attempt`: initial × 2^(attempt-1), capped."""
    return float(min(policy.maximum_interval, policy.initial_interval * 2 ** max(attempt - 1, 0)))


def jitter(seconds: float, rng: random.Random | None = None) -> float:
    """Equal jitter: half the wait fixed, half random, so parallel clients spread out."""
    return seconds / 2 + (rng or random).uniform(0, seconds / 2)


def unreachable_wait(attempt: int) -> float:
    """The wait after attempt `attempt` on a host never reached: 1, 2, then 4 s."""
    return float(min(4, 2 ** max(attempt - 1, 0)))
