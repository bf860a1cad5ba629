"""Retry decisions: pure functions of (error, attempt)."""

from __future__ import annotations

import random

import pytest

from instagram_graph import errors, retry

POLICY = retry.RetryPolicy(maximum_retries=3, initial_interval=20, maximum_interval=120)


def test_backoff_doubles_and_caps() -> None:
    assert [retry.backoff_interval(n, POLICY) for n in (1, 2, 3, 4, 5)] == [20, 40, 80, 120, 120]


def test_jitter_stays_within_half_and_full() -> None:
    rng = random.Random(7)
    values = [retry.jitter(10, rng) for _ in range(200)]
    assert all(5 <= v <= 10 for v in values)
    assert len({round(v, 3) for v in values}) > 100


def test_from_millis() -> None:
    assert retry.RetryPolicy.from_millis(3, 20000, 120000) == POLICY


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.TransientError("x", http_status=500, code=2), True),
        (errors.RateLimitedError("x", http_status=400, code=80002), True),
        (errors.BadResponseError("x"), True),
        (errors.NetworkError("x", sent=True), True),
        (errors.AuthError("x", http_status=400, code=190), False),
        (errors.PermissionDeniedError("x", http_status=403, code=10), False),
        (errors.InvalidRequestError("x", http_status=400, code=100), False),
        (errors.NotFoundError("x", http_status=400, code=100, subcode=33), False),
    ],
)
def test_reads_retry_transient_and_throttled_errors_only(
    error: errors.GraphError, expected: bool
) -> None:
    assert retry.should_retry(error, 1, POLICY, idempotent=True) is expected


def test_retries_stop_after_the_maximum() -> None:
    error = errors.TransientError("x", http_status=500)
    assert retry.should_retry(error, 3, POLICY, idempotent=True)
    assert not retry.should_retry(error, 4, POLICY, idempotent=True)


def test_writes_retry_only_when_the_write_provably_did_not_happen() -> None:
    assert retry.should_retry(
        errors.TransientError("x", http_status=500), 1, POLICY, idempotent=False
    )
    assert retry.should_retry(
        errors.NetworkError("refused", sent=False), 1, POLICY, idempotent=False
    )
    assert not retry.should_retry(
        errors.NetworkError("timeout", sent=True), 1, POLICY, idempotent=False
    )
    assert not retry.should_retry(
        errors.BadResponseError("truncated", http_status=200), 1, POLICY, idempotent=False
    )
