"""Settling an operation in one call: its ledger row, its results or reject line, and fail_fast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instagram_graph.errors import GraphError
from instagram_graph.redaction import get_logger
from target_instagram.ledger import Ledger
from target_instagram.operations import Job
from target_instagram.outputs import Outputs, graph_error

log = get_logger(__name__)


class FailFast(RuntimeError):
    """`fail_fast` is on and an operation was rejected."""


class Outcomes:
    """Where every outcome is recorded; the ledger row is written before the results line."""

    def __init__(self, ledger: Ledger, out: Outputs, *, fail_fast: bool) -> None:
        """Record into this ledger and these files."""
        self.ledger = ledger
        self.out = out
        self.fail_fast = fail_fast
        self.listeners: list[Callable[[Job, str | None], None]] = []  # told of every applied op

    def applied(self, job: Job, instagram_id: str | None, **extra: Any) -> None:
        """Done on Instagram; `extra` goes to the results line.

        The listeners are told first: a run killed before the ledger row leaves the operation in
        flight, and the next run, reconciling it, tells them again (events are kept once).
        """
        for listener in self.listeners:
            listener(job, instagram_id)
        self.ledger.applied(job.entry, instagram_id)
        self.out.result(job.entry.stream, job.entry.op_id, job.entry.kind, "applied",
                        instagram_id=instagram_id, **extra)  # fmt: skip

    def deferred(self, job: Job, reason: str) -> None:
        """Not done now; a later run takes it up."""
        self.ledger.deferred(job.entry, reason)
        self.out.result(job.entry.stream, job.entry.op_id, job.entry.kind, "deferred",
                        error=reason)  # fmt: skip
        log.warning("%s deferred: %s", job.label, reason)

    def unknown(self, job: Job, reason: str) -> None:
        """Outcome unknown and not checkable now: it stays in flight for the next run to check."""
        self.out.result(job.entry.stream, job.entry.op_id, job.entry.kind, "deferred",
                        error=reason)  # fmt: skip
        log.warning("%s: %s", job.label, reason)

    def rejected(self, job: Job, reason: str, error: GraphError | None) -> None:
        """Will not be done: the ledger row, the reject line with the record, the results line."""
        self.ledger.rejected(job.entry, reason, graph_error(error))
        record = job.record if job.record is not None else job.entry.payload
        self.report_rejection(job.entry.stream, job.entry.op_id, job.entry.kind, record,
                              reason, error)  # fmt: skip

    def skipped(self, stream: str, op_id: str, kind: str, instagram_id: str | None) -> None:
        """Applied by an earlier run."""
        self.out.result(stream, op_id, kind, "skipped", instagram_id=instagram_id,
                        note="already applied")  # fmt: skip

    def report_rejection(
        self, stream: str, op_id: str | None, kind: str | None, record: dict[str, Any],
        reason: str, error: GraphError | None,
    ) -> None:  # fmt: skip
        """A rejection with no ledger row (a record that never became an operation)."""
        self.out.reject(stream, op_id, record, reason, graph_error(error))
        codes: dict[str, Any] = (
            {"error_code": error.code, "error_subcode": error.subcode} if error else {}
        )
        self.out.result(stream, op_id, kind or "unknown", "rejected", error=reason, **codes)
        log.warning("%s/%s rejected: %s", stream, op_id, reason)
        if self.fail_fast:
            raise FailFast(f"fail_fast: {stream}/{op_id} was rejected: {reason}")
