"""Every Graph write of the target, applied exactly once through the ledger.

The writer takes operations from the sinks, skips what the ledger says is applied, and routes
the rest by kind (`operations.KINDS`) to its flow: `moderation` (Graph batches, reconciled when
an answer is lost), `publishing` (containers, polling, quota, publish) or `procedures`. Each
flow records every outcome through `outcomes`. Once per run, before the first write, whatever
an earlier run left in flight is reconciled and whatever it left pending is taken up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instagram_graph.client import GraphClient
from instagram_graph.redaction import get_logger
from instagram_graph.settings import GraphSettings
from target_instagram import ledger_lock, procedures
from target_instagram.announce import Announcer, notifications_of
from target_instagram.context import Clock, Context, WriterOptions, iso
from target_instagram.ledger import APPLIED, DEFERRED, IN_FLIGHT, RECEIVED, Entry, Ledger
from target_instagram.moderation import Moderation
from target_instagram.operations import Job, Operation, flow_of, planned_calls, stored
from target_instagram.outcomes import Outcomes
from target_instagram.outputs import Outputs
from target_instagram.publishing import Publishing
from target_instagram.storage_links import storage_fields

log = get_logger(__name__)


class Writer:
    """Applies operations; one per target run."""

    def __init__(
        self, config: Mapping[str, Any], *, client: GraphClient | None = None,
        clock: Clock | None = None,
    ) -> None:  # fmt: skip
        """Read the settings and take the ledger; nothing is called until an operation needs it."""
        options = WriterOptions.from_config(config)
        self.options = options
        self.lock = ledger_lock.hold(options.ledger_path, options.ledger_wait)
        self.ledger = Ledger(options.ledger_path)
        self.out = Outputs(options.results_path, options.reject_path)
        self.outcomes = Outcomes(self.ledger, self.out, fail_fast=options.fail_fast)
        settings = GraphSettings.from_config(config, need_token=False)
        self.ctx = Context(options, settings, self.ledger, self.outcomes, client=client,
                           clock=clock)  # fmt: skip
        notifications = notifications_of(config)
        self.announcer = Announcer(notifications, self.ctx.account) if notifications else None
        if self.announcer is not None:
            self.outcomes.listeners.append(self.announcer.applied)
        self.moderation = Moderation(self.ctx)
        self.publishing = Publishing(self.ctx)
        self.queued: dict[tuple[str, str], str] = {}  # (stream, op_id) → payload hash
        self.started = False

    # ---- intake -------------------------------------------------------------------------------

    def submit(self, op: Operation, record: dict[str, Any]) -> None:
        """Take an operation: skip it when applied, reject a changed payload, else queue it."""
        entry = op.entry()
        known = self.ledger.get(op.stream, op.op_id)
        if known is not None and known.status in (APPLIED, IN_FLIGHT):
            self._known(op, entry, known, record)
            return
        if self.options.dry_run:
            self._plan(entry)
            return
        if flow_of(op.kind) != "procedure":
            self._start()  # may take up this very operation from the ledger
        key = (op.stream, op.op_id)
        if key in self.queued:
            if self.queued[key] != entry.payload_hash:
                self.outcomes.report_rejection(
                    op.stream, op.op_id, op.kind, record,
                    f"op_id {op.op_id!r} appears twice in this run with different payloads", None,
                )  # fmt: skip
            return
        self.ledger.receive(stored(entry))
        self._queue(Job(entry, record))

    def _known(self, op: Operation, entry: Entry, known: Entry, record: dict[str, Any]) -> None:
        """An op_id the ledger holds as applied or in flight."""
        if known.payload_hash != entry.payload_hash:
            what = "was applied" if known.status == APPLIED else "is in flight"
            self.outcomes.report_rejection(
                op.stream, op.op_id, op.kind, record,
                f"op_id {op.op_id!r} {what} with a different payload"
                + (f" (instagram id {known.instagram_id})" if known.instagram_id else "")
                + "; an op_id is applied once — use a new op_id for a new change",
                None,
            )  # fmt: skip
        elif known.status == APPLIED:
            self.outcomes.skipped(op.stream, op.op_id, op.kind, known.instagram_id)
        else:
            self._start()  # the in-flight operation is reconciled there

    def reject_record(
        self, stream: str, op_id: str | None, record: dict[str, Any], reason: str
    ) -> None:
        """A record that broke a rule before becoming an operation."""
        if op_id is not None and not self.options.dry_run:
            known = self.ledger.get(stream, op_id)
            if known is not None and known.status == APPLIED:
                reason += f" (note: op_id {op_id!r} was already applied earlier)"
        self.outcomes.report_rejection(stream, op_id, None, record, reason, None)

    def reject_line(self, number: int, line: str, reason: str) -> None:
        """An input line that could not be read at all (see `input_lines`)."""
        text = line.rstrip("\n")
        record = {"line": number, "text": text[:500] + ("…" if len(text) > 500 else "")}
        reason = f"input line {number}: {reason}"
        self.outcomes.report_rejection("input", None, None, record, reason, None)

    def _queue(self, job: Job) -> None:
        entry = job.entry
        self.queued[(entry.stream, entry.op_id)] = entry.payload_hash
        due = entry.payload.get("publish_at")
        if entry.kind == "publish_media" and due is not None and due > self.ctx.now():
            self.ledger.deferred(entry, "waiting for publish_at", due)
            self.out.result(entry.stream, entry.op_id, entry.kind, "deferred",
                            note=f"due at {iso(due)}")  # fmt: skip
            return
        flow = flow_of(entry.kind)
        if flow == "moderation":
            self.moderation.queue(job)
        elif flow == "publishing":
            self.publishing.jobs.append(job)
        else:
            self.moderation.flush()  # a procedure runs after the changes received before it
            procedures.run(self.ctx, job)

    # ---- what earlier runs left ---------------------------------------------------------------

    def resume(self) -> None:
        """At the end of the input: take up what earlier runs left pending, even with no input."""
        self._start(needed=False)
        self.flush()

    def _start(self, *, needed: bool = True) -> None:
        """Once per run, before any write: reconcile what a previous run left in flight."""
        if self.started or self.options.dry_run:
            return
        if not needed and not self.ledger.with_status(IN_FLIGHT, RECEIVED, DEFERRED):
            return
        self.started = True
        # One cheap read learns the server's clock (in-flight times, due posts) and checks the token.
        self.ctx.client.get("me", fields="id")
        for entry in self.ledger.with_status(IN_FLIGHT):
            self._take_up_in_flight(Job(entry))
        now = self.ctx.now()
        for entry in self.ledger.with_status(RECEIVED, DEFERRED):
            flow = flow_of(entry.kind)
            key = (entry.stream, entry.op_id)
            if flow == "procedure" or (entry.due_at or 0) > now or key in self.queued:
                continue
            log.info("%s/%s: taking up an operation left pending", entry.stream, entry.op_id)
            self.ledger.back_to_received(entry)
            self.queued[key] = entry.payload_hash
            target = self.moderation if flow == "moderation" else self.publishing
            target.jobs.append(Job(entry))

    def _take_up_in_flight(self, job: Job) -> None:
        entry = job.entry
        self.queued[(entry.stream, entry.op_id)] = entry.payload_hash
        flow = flow_of(entry.kind)
        if flow == "moderation":
            log.info("%s: reconciling an operation left in flight", job.label)
            if self.moderation.reconcile(job):
                self.moderation.jobs.append(job)
        elif flow == "publishing":
            self.publishing.jobs.append(job)  # its container's status tells where it stopped
        else:
            procedures.interrupted(self.ctx, job)

    # ---- the end ------------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply everything queued."""
        self.moderation.flush()
        self.publishing.flush()

    def finish(self) -> None:
        """Log the summary and close the files."""
        verb = "planned" if self.options.dry_run else "done"
        log.info("target-instagram %s: %s; %d HTTP request(s); ledger %s, results %s",
                 verb, self.out.summary(), self.ctx.calls, self.ledger.path,
                 self.out.paths["results"])  # fmt: skip
        self.out.close()
        self.ledger.close()
        self.lock.release()
        if self.announcer is not None:
            self.announcer.deliver()

    def _plan(self, entry: Entry) -> None:
        account = entry.account_id or self.options.account_id or "{ig-user-id}"
        p = entry.payload
        note = f"due at {iso(p['publish_at'])}" if p.get("publish_at") else None
        presigned: dict[str, Any] = {"presigned": f} if (f := storage_fields(p)) else {}
        self.out.result(entry.stream, entry.op_id, entry.kind, "planned",
                        calls=planned_calls(entry, account), note=note, **presigned)  # fmt: skip
