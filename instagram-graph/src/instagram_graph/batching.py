"""`BatchCalls`: `GraphClient`'s batch requests, and the single-call fallback (graph-api.md §5.1, §11).

Operations go out 50 to a `POST /`; retriable per-operation errors and idempotent `null` entries
are sent again; a batch Graph finds too heavy is split in halves; where a host refuses batch
requests the client sends each operation as its own call, `SINGLE_CALL_WORKERS` at a time. Batches
of reads go out `max_concurrent_requests` at a time; batches of writes one after another, in order.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from instagram_graph import errors, retry
from instagram_graph.batch import (
    MAX_BATCH,
    BatchOperation,
    BatchResult,
    decode_batch,
    encode_batch,
    unsendable,
)
from instagram_graph.errors import AuthError, GraphError
from instagram_graph.pacing import Pacer, regain
from instagram_graph.paging import account_of
from instagram_graph.redaction import get_logger
from instagram_graph.settings import GraphSettings, Login

if TYPE_CHECKING:
    from instagram_graph.auth import GraphAuthenticator

log = get_logger("instagram_graph.client")

# Calls in flight at once when a host refuses batch requests and operations go one by one.
SINGLE_CALL_WORKERS = 4


class BatchCalls:
    """The batch half of `GraphClient` (which provides `request` and the attributes below)."""

    settings: GraphSettings
    auth: GraphAuthenticator
    pacer: Pacer
    policy: retry.RetryPolicy
    _lock: threading.Lock
    _graph_netloc: str
    batch_refused: bool = False
    batch_accepted: bool = False  # a batch request was answered as one
    batch_size: int = MAX_BATCH  # lowered when Graph asks for less data on a batch
    _chunks: ThreadPoolExecutor | None = None

    request: Callable[..., Any]  # one logical call: `GraphClient.request`
    go_serial: Callable[[GraphError | None], None]  # `GraphClient.go_serial`
    one_at_a_time: Callable[[], contextlib.AbstractContextManager[object]]

    def batch(
        self, operations: list[BatchOperation], *, account: str | None = None, resend: bool = True
    ) -> list[BatchResult]:
        """Run operations in batches of 50; results in order.

        Operations with a retriable error answer are sent again (an error answer proves a write
        did not happen), up to `maximum_retries` rounds, and so are idempotent operations that
        come back `null` (timed out inside Graph). A write answered `null` may have happened: it
        is returned as a `NetworkError` with `sent=True` for the caller to reconcile.
        `resend=False` leaves all re-sending to the caller. When the host refuses batch requests
        (graph.instagram.com may: graph-api.md §11), this client sends every operation of the rest
        of the run as its own call, `SINGLE_CALL_WORKERS` at a time.
        """
        results: list[BatchResult | None] = [self._unsendable(op) for op in operations]
        job = _Job(operations, results, account, resend)
        size = self.batch_size
        sendable = [i for i, result in enumerate(results) if result is None]
        chunks = [sendable[start : start + size] for start in range(0, len(sendable), size)]
        # Reads of one plan are independent: several batch requests in flight. Writes keep order.
        workers = (
            self.settings.max_concurrent_requests if all(op.idempotent for op in operations) else 1
        )
        if chunks and workers > 1 and self._batch_unproven():
            self._send_chunk(job, chunks.pop(0))  # learn whether the host takes batches at all
        if min(workers, len(chunks)) <= 1:
            for indices in chunks:
                self._send_chunk(job, indices)
        else:
            list(self._chunk_pool().map(lambda indices: self._send_chunk(job, indices), chunks))
        return [
            result
            if result is not None
            else BatchResult(op, 0, error=errors.TransientError(
                "Graph answered null for this batch operation every time", request="batch"))
            for op, result in zip(operations, results, strict=True)
        ]  # fmt: skip

    def _chunk_pool(self) -> ThreadPoolExecutor:
        """The client's threads for batch chunks in flight together (made once, on first use)."""
        with self._lock:
            if self._chunks is None:
                self._chunks = ThreadPoolExecutor(
                    max_workers=self.settings.max_concurrent_requests,
                    thread_name_prefix="graph-batch",
                )
            return self._chunks

    def _batch_unproven(self) -> bool:
        """An Instagram-Login host that has not yet answered a batch request (it may refuse)."""
        return self.settings.login is Login.INSTAGRAM and not self.batch_accepted

    def _send_chunk(self, job: _Job, indices: list[int]) -> None:
        """One chunk, with all its re-sending rounds; after a failed request, one chunk at a time."""
        with self.one_at_a_time():
            self._send_chunk_now(job, indices)

    def _send_chunk_now(self, job: _Job, indices: list[int]) -> None:
        """One chunk as a batch request, or one by one where the host refuses batch requests."""
        if not self.batch_refused:
            try:
                self._send_batch(job, indices)
                return
            except errors.InvalidRequestError as exc:
                if not self._refuses_batch(exc):
                    raise
        chunk = [job.operations[i] for i in indices]
        for index, result in zip(indices, self.one_by_one(chunk, job.account), strict=True):
            job.results[index] = result

    def one_by_one(
        self, operations: list[BatchOperation], account: str | None = None
    ) -> list[BatchResult]:
        """Each operation as its own call (with the usual retries), a few at a time; in order."""
        if not operations:
            return []
        workers = min(SINGLE_CALL_WORKERS, len(operations))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graph-call") as pool:
            return list(pool.map(lambda op: self._single(op, account), operations))

    def _unsendable(self, op: BatchOperation) -> BatchResult | None:
        """An operation that cannot be encoded fails alone, unsent, instead of its whole batch."""
        error = unsendable(op, self.settings.api_version)
        if error is None:
            return None
        log.warning("%s", error.describe())
        return BatchResult(op, 0, error=error)

    def _single(self, op: BatchOperation, account: str | None) -> BatchResult:
        query = op.method.upper() in ("GET", "DELETE")
        params = dict(op.params)
        try:
            body = self.request(
                op.method, op.path, params=params if query else None,
                data=None if query else params, account=account or account_of(op.path),
                idempotent=op.idempotent, insights=op.insights,
            )  # fmt: skip
        except GraphError as exc:
            if isinstance(exc, errors.BadResponseError) and not op.idempotent:
                return _outcome_unknown(op)  # an answer that cannot be read: maybe applied
            return BatchResult(op, exc.http_status or 0, error=exc)
        return BatchResult(op, 200, body)

    def _split_batch(self, job: _Job, pending: list[int], exc: errors.TooMuchDataError) -> None:
        """Graph asked for less data on a batch: halves, and smaller batches for the run."""
        if len(pending) == 1:
            job.results[pending[0]] = BatchResult(
                job.operations[pending[0]], exc.http_status or 0, error=exc
            )
            return
        half = len(pending) // 2
        self.go_serial(exc)
        with self._lock:
            if half < self.batch_size:
                self.batch_size = half
                log.info("Graph asked for less data on a batch request; sending batches of %d "
                         "for the rest of this run", half)  # fmt: skip
        self._send_batch(job, pending[:half])
        self._send_batch(job, pending[half:])

    def _refuses_batch(self, exc: errors.InvalidRequestError) -> bool:
        """An Instagram-Login host answering the batch `POST /` as an unknown path: never again."""
        if self.settings.login is not Login.INSTAGRAM or exc.code not in (100, 2500):
            return False
        with self._lock:
            if not self.batch_refused:
                log.info("%s refused a batch request; sending operations one by one for the rest "
                         "of this run", self._graph_netloc)  # fmt: skip
            self.batch_refused = True
        return True

    def _send_batch(self, job: _Job, pending: list[int]) -> None:
        """One chunk of at most 50, re-sent as `batch` describes; fills `job.results` in place."""
        for round_no in range(1, self.policy.maximum_retries + 2):
            chunk = [job.operations[i] for i in pending]
            token_used = self.auth.access_token
            try:
                answer = self.request(
                    "POST", "", data={"batch": encode_batch(chunk, self.settings.api_version),
                                      "include_headers": "false"},
                    account=job.account, idempotent=all(op.idempotent for op in chunk),
                    shrinkable=len(chunk) > 1, cost=len(chunk),
                )  # fmt: skip
            except errors.TooMuchDataError as exc:  # nothing ran: send it as two smaller batches
                self._split_batch(job, pending, exc)
                return
            self.batch_accepted = True
            again = self._settle_round(job, pending, decode_batch(answer, chunk), token_used)
            pending = sorted(again)
            if not pending or not job.resend or round_no > self.policy.maximum_retries:
                return
            wait = retry.jitter(retry.backoff_interval(round_no, self.policy))
            self.go_serial(job.error_of(pending[0]))
            if any(isinstance(job.error_of(i), errors.RateLimitedError) for i in pending):
                self.pacer.on_throttle(job.account, regain(self.pacer, job.account), wait)
            else:
                self.pacer.sleep(wait)
            log.warning("batch: re-sending %d operation(s) (round %d)", len(pending), round_no + 1)

    def _settle_round(
        self,
        job: _Job,
        pending: list[int],
        answers: list[BatchResult | None],
        token_used: str | None,
    ) -> list[int]:
        """Record one round's answers; the indices to send again."""
        again: list[int] = []
        expired: list[int] = []
        auth_error: AuthError | None = None
        for index, result in zip(pending, answers, strict=True):
            if _unread(result) and not job.operations[index].idempotent:
                job.results[index] = _outcome_unknown(job.operations[index])
                continue
            if result is not None and index in job.lost:
                result.resent = True
            job.results[index] = result
            error = result.error if result is not None else None
            if _unread(result):
                job.lost.add(index)
            if result is None or (error is not None and retry.is_retriable(error)):
                again.append(index)
            elif isinstance(error, AuthError):
                expired.append(index)
                auth_error = auth_error or error
        if auth_error is not None and self.auth.recover(auth_error, token_used):
            again.extend(expired)  # the token was refreshed: send those operations again
        return again


@dataclass
class _Job:
    """One `batch` call: its operations, the results so far, and how to send."""

    operations: list[BatchOperation]
    results: list[BatchResult | None]
    account: str | None
    resend: bool
    lost: set[int] = field(default_factory=set)  # operations whose answer came back `null`

    def error_of(self, index: int) -> GraphError | None:
        result = self.results[index]
        return result.error if result is not None else None


def _unread(result: BatchResult | None) -> bool:
    """No answer (`null`), or one that cannot be read: the operation may have run."""
    return result is None or isinstance(result.error, errors.BadResponseError)


def _outcome_unknown(op: BatchOperation) -> BatchResult:
    return BatchResult(op, 0, error=errors.NetworkError(
        "Graph's answer to this write was lost or unreadable: it may or may not have been applied",
        sent=True, request=op.label))  # fmt: skip
