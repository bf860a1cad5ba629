"""Every Graph write of the target, applied exactly once through the ledger.

Moderation operations (comment, reply, mention reply, hide, unhide, comments on/off, deletes) are
queued and sent as Graph batches of up to 50. Publishing creates all due containers first, polls
them together, checks the publishing quota, then publishes. Before a request goes out its
operations are marked in flight; when the answer is lost the outcome is reconciled by reading
Instagram (a comment with the same text from the account after that time; the container's
status) before anything is sent again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from instagram_graph import errors, retry
from instagram_graph.accounts import resolve_accounts
from instagram_graph.auth import TokenExchanger
from instagram_graph.batch import BatchOperation, BatchResult
from instagram_graph.client import GraphClient
from instagram_graph.errors import GraphError, SettingsError
from instagram_graph.redaction import get_logger
from instagram_graph.settings import GraphSettings
from target_instagram import ledger_lock
from target_instagram.ledger import (
    APPLIED,
    DEFERRED,
    IN_FLIGHT,
    RECEIVED,
    REJECTED,
    Entry,
    Ledger,
    default_path,
)
from target_instagram.outputs import Outputs, graph_error

log = get_logger(__name__)

CREATES = ("comment", "reply", "mention_reply")
REPEATABLE = (
    "delete_comment", "delete_media", "hide_comment", "unhide_comment",
    "enable_comments", "disable_comments",
)  # fmt: skip
MODERATION = CREATES + REPEATABLE
DELETES = ("delete_comment", "delete_media")
PUBLISH = ("publish_media", "publish_container")
SECRET_PARAMS = ("code",)
MAX_ATTEMPTS = 3
CLOCK_SKEW = 120.0  # seconds of slack when matching a created comment or media by time
MAX_BATCH = 50


class FailFast(RuntimeError):
    """`fail_fast` is on and an operation was rejected."""


@dataclass
class Operation:
    """What a sink makes of a record."""

    stream: str
    op_id: str
    kind: str
    account_id: str | None
    payload: dict[str, Any]

    def entry(self) -> Entry:
        """A new ledger entry; the fingerprint covers kind, account and payload."""
        canonical = json.dumps([self.kind, self.account_id, self.payload], sort_keys=True)
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        return Entry(self.stream, self.op_id, self.kind, self.account_id, dict(self.payload),
                     digest, RECEIVED, due_at=self.payload.get("publish_at"))  # fmt: skip


@dataclass
class Job:
    """An operation being worked on in this run; `record` is None when it came from the ledger."""

    entry: Entry
    record: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        """`stream/op_id`."""
        return f"{self.entry.stream}/{self.entry.op_id}"

    @property
    def object_id(self) -> str | None:
        """The comment or media a moderation operation acts on."""
        p = self.entry.payload
        return p.get("comment_id") or p.get("media_id")


@dataclass(frozen=True)
class WriterOptions:
    """The target's own settings."""

    ledger_path: Path
    results_path: Path
    reject_path: Path
    account_id: str | None = None
    fail_fast: bool = False
    dry_run: bool = False
    batch_size: int = MAX_BATCH
    poll_interval: float = 60.0
    poll_timeout: float = 300.0
    ledger_wait: float = 600.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WriterOptions:
        """Read and check the settings; defaults put every file next to the ledger."""
        ledger = Path(config.get("ledger_path") or default_path())
        size = int(config.get("batch_size") or MAX_BATCH)
        if not 1 <= size <= MAX_BATCH:
            raise SettingsError("batch_size", f"{size} is outside 1–50", "use at most 50")
        poll_timeout = float(config.get("publish_poll_timeout_seconds", 300))
        ids = config.get("ig_user_ids") or []
        return cls(
            ledger_path=ledger,
            results_path=Path(config.get("results_path") or ledger.with_name("target-instagram-results.jsonl")),
            reject_path=Path(config.get("reject_path") or ledger.with_name("target-instagram-rejects.jsonl")),
            account_id=config.get("account_id") or (str(ids[0]) if ids else None),
            fail_fast=bool(config.get("fail_fast", False)),
            dry_run=bool(config.get("dry_run", False)),
            batch_size=size,
            poll_interval=max(1.0, float(config.get("publish_poll_interval_seconds", 60))),
            poll_timeout=max(0.0, poll_timeout),
            ledger_wait=max(0.0, float(config.get("ledger_wait_seconds", 600))),
        )  # fmt: skip


class Writer:
    """Applies operations; one per target run."""

    def __init__(
        self, config: Mapping[str, Any], *, client: GraphClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        """Read the settings; nothing is called until the first operation needs it."""
        self.options = WriterOptions.from_config(config)
        self.settings = GraphSettings.from_config(config, need_token=False)
        self._client = client
        self.sleep = sleep
        self.lock = ledger_lock.hold(self.options.ledger_path, self.options.ledger_wait)
        self.ledger = Ledger(self.options.ledger_path)
        self.out = Outputs(self.options.results_path, self.options.reject_path)
        self.moderation: list[Job] = []
        self.publishing: list[Job] = []
        self.queued: dict[tuple[str, str], str] = {}
        self.started = False
        self._default_account: str | None = None

    @property
    def client(self) -> GraphClient:
        """The Graph client, built on first use."""
        if self._client is None:
            self.settings.check_credentials()
            self._client = GraphClient(self.settings)
        return self._client

    # ---- intake -------------------------------------------------------------------------------

    def submit(self, op: Operation, record: dict[str, Any]) -> None:
        """Take an operation: skip it when applied, reject a changed payload, else queue it."""
        entry = op.entry()
        known = self.ledger.get(op.stream, op.op_id)
        if known is not None and known.status in (APPLIED, IN_FLIGHT):
            if known.payload_hash != entry.payload_hash:
                what = "was applied" if known.status == APPLIED else "is in flight"
                self._report_rejection(
                    op.stream, op.op_id, op.kind, record,
                    f"op_id {op.op_id!r} {what} with a different payload"
                    + (f" (instagram id {known.instagram_id})" if known.instagram_id else "")
                    + "; an op_id is applied once — use a new op_id for a new change",
                    None,
                )  # fmt: skip
            elif known.status == APPLIED:
                self.out.result(op.stream, op.op_id, op.kind, "skipped",
                                instagram_id=known.instagram_id, note="already applied")  # fmt: skip
            else:
                self._start()  # the in-flight operation is reconciled there
            return
        if self.options.dry_run:
            self._plan(entry)
            return
        if op.kind in MODERATION + PUBLISH:
            self._start()  # may take up this very operation from the ledger
        key = (op.stream, op.op_id)
        if key in self.queued:
            if self.queued[key] != entry.payload_hash:
                self._report_rejection(
                    op.stream, op.op_id, op.kind, record,
                    f"op_id {op.op_id!r} appears twice in this run with different payloads", None,
                )  # fmt: skip
            return
        self.ledger.receive(_stored(entry))
        self._queue(Job(entry, record))

    def reject_record(
        self, stream: str, op_id: str | None, record: dict[str, Any], reason: str
    ) -> None:
        """A record that broke a rule before becoming an operation."""
        if op_id is not None and not self.options.dry_run:
            known = self.ledger.get(stream, op_id)
            if known is not None and known.status == APPLIED:
                reason += f" (note: op_id {op_id!r} was already applied earlier)"
        self._report_rejection(stream, op_id, None, record, reason, None)

    def reject_line(self, number: int, line: str, reason: str) -> None:
        """An input line that could not be read at all (see `input_lines`)."""
        text = line.rstrip("\n")
        record = {"line": number, "text": text[:500] + ("…" if len(text) > 500 else "")}
        self._report_rejection("input", None, None, record, f"input line {number}: {reason}", None)

    def _queue(self, job: Job) -> None:
        self.queued[(job.entry.stream, job.entry.op_id)] = job.entry.payload_hash
        kind = job.entry.kind
        due = job.entry.payload.get("publish_at")
        if kind == "publish_media" and due is not None and due > self.now():
            self.ledger.deferred(job.entry, "waiting for publish_at", due)
            self.out.result(job.entry.stream, job.entry.op_id, kind, "deferred",
                            note=f"due at {_iso(due)}")  # fmt: skip
            return
        if kind in MODERATION:
            if any(
                j.object_id == job.object_id and not (kind in CREATES and j.entry.kind in CREATES)
                for j in self.moderation
            ):
                self._flush_moderation()  # keep the order of changes to one object
            self.moderation.append(job)
            if len(self.moderation) >= self.options.batch_size:
                self._flush_moderation()
        elif kind in PUBLISH:
            self.publishing.append(job)
        else:
            self._flush_moderation()
            self._run_procedure(job)

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
        self.client.get("me", fields="id")
        requeue: list[Job] = []
        for entry in self.ledger.with_status(IN_FLIGHT):
            job = Job(entry)
            self.queued[(entry.stream, entry.op_id)] = entry.payload_hash
            if entry.kind in MODERATION:
                log.info("%s: reconciling an operation left in flight", job.label)
                self._reconcile(job, requeue)
            elif entry.kind in PUBLISH:
                self.publishing.append(job)  # its container's status tells where it stopped
            else:
                self._reject(job, "interrupted while running; its outcome is unknown — check it "
                             "(`instagram-auth status`) and send it again with a new op_id", None)  # fmt: skip
        self.moderation.extend(requeue)
        now = self.now()
        for entry in self.ledger.with_status(RECEIVED, DEFERRED):
            if (
                entry.kind not in MODERATION + PUBLISH
                or (entry.due_at or 0) > now
                or (entry.stream, entry.op_id) in self.queued
            ):
                continue
            log.info("%s/%s: taking up an operation left pending", entry.stream, entry.op_id)
            self.ledger.back_to_received(entry)
            self.queued[(entry.stream, entry.op_id)] = entry.payload_hash
            (self.moderation if entry.kind in MODERATION else self.publishing).append(Job(entry))

    # ---- flushing ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply everything queued."""
        self._flush_moderation()
        self._flush_publishing()

    def finish(self) -> None:
        """Log the summary and close the files."""
        calls = self._client.calls if self._client else 0
        verb = "planned" if self.options.dry_run else "done"
        log.info("target-instagram %s: %s; %d HTTP request(s); ledger %s, results %s",
                 verb, self.out.summary(), calls, self.ledger.path, self.out.paths["results"])  # fmt: skip
        self.out.close()
        self.ledger.close()
        self.lock.release()

    def now(self) -> float:
        """Server time (local time until the first answer)."""
        return self._client.clock.now() if self._client else time.time()

    # ---- moderation --------------------------------------------------------------------------

    def _flush_moderation(self) -> None:
        while self.moderation:
            size = self.options.batch_size
            chunk, self.moderation = self.moderation[:size], self.moderation[size:]
            self._send_moderation(chunk)

    def _send_moderation(self, jobs: list[Job]) -> None:
        ops: list[BatchOperation] = []
        for job in jobs:
            try:
                ops.append(self._moderation_op(job))
            except SettingsError as exc:
                self._reject(job, str(exc), None)
        jobs = [j for j in jobs if j.entry.status not in (REJECTED,)]
        if not jobs:
            return
        at = self.now()
        with self.ledger.transaction():
            for job, op in zip(jobs, ops, strict=True):
                self.ledger.in_flight(job.entry, _describe(op), at)
        results = self._call(ops, jobs)
        requeue: list[Job] = []
        fatal: errors.AuthError | None = None
        for job, result in zip(jobs, results, strict=True):
            if isinstance(result.error, errors.AuthError):
                self.ledger.back_to_received(job.entry)  # an error answer: it did not happen
                fatal = result.error
            else:
                self._settle(job, result, requeue)
        if fatal is not None:
            raise fatal
        self.moderation[:0] = requeue

    def _moderation_op(self, job: Job) -> BatchOperation:
        kind, p = job.entry.kind, job.entry.payload
        if kind == "comment":
            return BatchOperation("POST", f"{p['media_id']}/comments", {"message": p["message"]})
        if kind == "reply":
            return BatchOperation("POST", f"{p['comment_id']}/replies", {"message": p["message"]})
        if kind == "mention_reply":
            params: dict[str, Any] = {
                k: p[k] for k in ("media_id", "comment_id", "message") if k in p
            }
            return BatchOperation("POST", f"{self._account(job)}/mentions", params)
        if kind in DELETES:
            return BatchOperation("DELETE", str(job.object_id), repeatable=True)
        if kind in ("hide_comment", "unhide_comment"):
            hide = "true" if kind == "hide_comment" else "false"
            return BatchOperation("POST", p["comment_id"], {"hide": hide}, repeatable=True)
        enabled = "true" if kind == "enable_comments" else "false"
        return BatchOperation("POST", p["media_id"], {"comment_enabled": enabled}, repeatable=True)

    def _call(self, ops: list[BatchOperation], jobs: list[Job]) -> list[BatchResult]:
        """Send as batches (the client goes one by one where a host refuses batches)."""
        try:
            return self.client.batch(ops)
        except errors.AuthError:
            with self.ledger.transaction():
                for job in jobs:  # the batch was answered with an error: nothing ran
                    self.ledger.back_to_received(job.entry)
            raise
        except GraphError as exc:
            return [BatchResult(op, exc.http_status or 0, error=exc) for op in ops]

    def _settle(self, job: Job, result: BatchResult, requeue: list[Job]) -> None:
        error = result.error
        if error is None:
            body = result.body if isinstance(result.body, dict) else {}
            self._applied(job, str(body.get("id") or body.get("deleted_id") or job.object_id))
        elif (isinstance(error, errors.NetworkError) and error.sent) or isinstance(
            error, errors.BadResponseError
        ):  # no readable answer: the write may have happened, so look before sending again
            self._reconcile(job, requeue)
        elif retry.is_retriable(error):
            self._defer(job, f"{error}; tried again on the next run")
        elif (
            isinstance(error, errors.NotFoundError)
            and job.entry.kind in DELETES
            and (job.entry.attempts > 1 or result.resent)
        ):
            self._applied(job, job.object_id, note="already deleted by the earlier attempt")
        else:
            self._reject(job, error.describe(), error)

    def _reconcile(self, job: Job, requeue: list[Job]) -> None:
        """An operation whose request may or may not have been applied."""
        if job.entry.kind in CREATES:
            try:
                found = self._find_comment(job)
            except GraphError as exc:
                self.out.result(job.entry.stream, job.entry.op_id, job.entry.kind, "deferred",
                                error=f"outcome unknown and not checkable now: {exc}")  # fmt: skip
                return  # stays in flight: the next run checks again
            if found:
                self._applied(job, found, note="reconciled: found on Instagram")
                return
        if job.entry.attempts >= MAX_ATTEMPTS:
            self._defer(job, f"outcome unknown after {job.entry.attempts} attempts")
            return
        self.ledger.back_to_received(job.entry)
        requeue.append(job)

    def _find_comment(self, job: Job) -> str | None:
        """A comment from the account with the operation's text, made after it went in flight."""
        p = job.entry.payload
        if job.entry.kind == "reply" or (job.entry.kind == "mention_reply" and p.get("comment_id")):
            path = f"{p['comment_id']}/replies"
        else:
            path = f"{p['media_id']}/comments"
        since = (job.entry.in_flight_at or 0) - CLOCK_SKEW
        account = job.entry.account_id or self.options.account_id
        for item in self.client.items(path, {"fields": "id,text,timestamp,from", "limit": 50}):
            author = (item.get("from") or {}).get("id")
            if (
                item.get("text") == p["message"]
                and _epoch(item.get("timestamp")) >= since
                and (account is None or author in (None, account))
                and not self.ledger.applied_as(str(item["id"]))
            ):
                return str(item["id"])
        return None

    # ---- publishing --------------------------------------------------------------------------

    def _flush_publishing(self) -> None:
        jobs, self.publishing = self.publishing, []
        jobs = [j for j in jobs if self._ready_to_publish(j)]
        if not jobs:
            return
        self._create(jobs, children=True)
        carousels = [j for j in _active(jobs) if j.entry.payload.get("children")]
        children = [c for j in carousels for c in j.entry.progress.get("children", [])]
        statuses = self._poll(children, carousels)
        for job in _active(carousels):
            self._check_statuses(job, job.entry.progress["children"], "carousel item", statuses)
        self._create(_active(jobs), children=False)
        active = _active(jobs)
        statuses = self._poll([str(j.entry.progress["container_id"]) for j in active], active)
        publishable = []
        for job in active:
            container = job.entry.progress["container_id"]
            if statuses.get(container, ("", ""))[0] == "PUBLISHED":
                self._recover_published(job)
            elif self._check_statuses(job, [container], "container", statuses):
                publishable.append(job)
        self._publish(self._within_quota(publishable))

    def _ready_to_publish(self, job: Job) -> bool:
        if job.entry.kind == "publish_container" and "container_id" not in job.entry.progress:
            self.ledger.progress(job.entry, container_id=job.entry.payload["creation_id"])
        try:
            self._account(job)
        except SettingsError as exc:
            self._reject(job, str(exc), None)
            return False
        return True

    def _create(self, jobs: list[Job], *, children: bool) -> None:
        """Create the containers still missing: carousel items first, then posts."""
        plan: list[tuple[Job, int | None, BatchOperation]] = []
        for job in jobs:
            p, progress, path = job.entry.payload, job.entry.progress, f"{self._account(job)}/media"
            if children and p.get("children") and not progress.get("children"):
                for position, item in enumerate(p["children"]):
                    plan.append((job, position, BatchOperation("POST", path, _item_params(item))))
            elif not children and "container_id" not in progress:
                plan.append((job, None, BatchOperation("POST", path, _container_params(job))))
        if not plan:
            return
        at = self.now()
        with self.ledger.transaction():
            for job in {id(j): j for j, _, _ in plan}.values():
                self.ledger.in_flight(job.entry, "POST /{ig-user-id}/media (create container)", at)
        results = self._call([op for _, _, op in plan], [j for j, _, _ in plan])
        made: dict[int, dict[int, str]] = {}
        for (job, n, _), result in zip(plan, results, strict=True):
            if job.entry.status != IN_FLIGHT:
                continue  # already settled by an earlier item's failure
            if result.error is None:
                if n is None:
                    self.ledger.progress(job.entry, container_id=str(result.body["id"]))
                else:
                    made.setdefault(id(job), {})[n] = str(result.body["id"])
            elif retry.is_retriable(result.error):  # incl. an unknown outcome: nothing to publish
                self._defer(job, f"container not created: {result.error}")
            else:
                self._reject(job, result.error.describe(), result.error)
        for job, _, _ in plan:
            if id(job) in made and job.entry.status == IN_FLIGHT:
                ids = made.pop(id(job))
                self.ledger.progress(job.entry, children=[ids[n] for n in sorted(ids)])

    def _poll(self, container_ids: list[str], jobs: list[Job]) -> dict[str, tuple[str, str]]:
        """Read the containers' status together until none is in progress, or time runs out.

        Returns (`status_code`, `status`) per container id.
        """
        statuses: dict[str, tuple[str, str]] = {}
        if not container_ids:
            return statuses
        deadline = time.monotonic() + self.options.poll_timeout
        waiting = list(dict.fromkeys(container_ids))
        while True:
            ops = [BatchOperation("GET", c, {"fields": "status_code,status"}) for c in waiting]
            for cid, result in zip(waiting, self._call(ops, jobs), strict=True):
                body = result.body if result.ok and isinstance(result.body, dict) else {}
                code = str(body.get("status_code") or "UNKNOWN")
                detail = str(
                    body.get("status") or (result.error.describe() if result.error else "")
                )
                statuses[cid] = (code, detail)
            waiting = [c for c in waiting if statuses[c][0] in ("IN_PROGRESS", "UNKNOWN")]
            left = deadline - time.monotonic()
            if not waiting or left <= 0:
                break
            self.sleep(min(self.options.poll_interval, left))
        return statuses

    def _check_statuses(
        self, job: Job, container_ids: list[str], what: str, statuses: dict[str, tuple[str, str]]
    ) -> bool:
        """True when every container is FINISHED; otherwise settle the job."""
        for cid in container_ids:
            code, detail = statuses.get(cid, ("UNKNOWN", "not read"))
            if code == "FINISHED":
                continue
            if code == "ERROR":
                self._reject(job, f"{what} {cid} ended in ERROR: {detail}", None)
            elif code == "EXPIRED":
                job.entry.progress.clear()
                self._defer(job, f"{what} {cid} expired; a new container is made on the next run")
            elif code == "PUBLISHED" and what == "carousel item":
                continue
            else:
                self._defer(job, f"{what} {cid} still processing ({code}: {detail}); "
                            "publishing resumes on the next run")  # fmt: skip
            return False
        return True

    def _within_quota(self, jobs: list[Job]) -> list[Job]:
        """Publish only as many posts as each account's 24-hour quota allows; defer the rest."""
        allowed: list[Job] = []
        left: dict[str, int] = {}
        for job in jobs:
            account = self._account(job)
            if account not in left:
                try:
                    limit = self._publishing_limit(account)
                    total = int((limit.get("config") or {}).get("quota_total", 100))
                    left[account] = total - int(limit.get("quota_usage", 0))
                except (GraphError, ValueError, TypeError, IndexError) as exc:
                    log.warning("publishing quota of %s unreadable (%s); publishing", account, exc)
                    left[account] = len(jobs)
            if left[account] > 0:
                left[account] -= 1
                allowed.append(job)
            else:
                self._defer(job, "the account's 24-hour publishing limit is used up; "
                            "published on a later run")  # fmt: skip
        return allowed

    def _publishing_limit(self, account: str) -> dict[str, Any]:
        """`{"quota_usage": …, "config": {"quota_total": …}}` as Graph reports it now."""
        body = self.client.get(f"{account}/content_publishing_limit", fields="quota_usage,config")
        return dict((body.get("data") or [{}])[0])

    def _publish(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        ops = [BatchOperation("POST", f"{self._account(j)}/media_publish",
                              {"creation_id": j.entry.progress["container_id"]}) for j in jobs]  # fmt: skip
        at = self.now()
        with self.ledger.transaction():
            for job, op in zip(jobs, ops, strict=True):
                job.entry.progress["stage"] = "publish"
                self.ledger.in_flight(job.entry, _describe(op), at)
        for job, result in zip(jobs, self._call(ops, jobs), strict=True):
            error = result.error
            if error is None:
                self._applied(job, str(result.body["id"]))
            elif isinstance(error, errors.NetworkError) and error.sent:
                # Stays in flight: the next run reads the container's status before anything.
                self.out.result(job.entry.stream, job.entry.op_id, job.entry.kind, "deferred",
                                error="publish outcome unknown; the container's status is "
                                "checked on the next run")  # fmt: skip
            elif isinstance(error, errors.PublishingLimitError) or retry.is_retriable(error):
                self._defer(job, f"{error}; published on a later run")
            elif error.subcode == 2207027:  # not ready after all
                self._defer(job, "container not ready; publishing resumes on the next run")
            else:
                self._reject(job, error.describe(), error)

    def _recover_published(self, job: Job) -> None:
        """The container is PUBLISHED: an earlier run published it. Find the media it became."""
        p = job.entry.payload
        edge = "stories" if p.get("media_type") == "STORIES" else "media"
        since = (job.entry.in_flight_at or 0) - CLOCK_SKEW
        found = None
        try:
            page = self.client.get(f"{self._account(job)}/{edge}",
                                   fields="id,caption,timestamp", limit=25)  # fmt: skip
            for item in page.get("data", []):
                if (
                    (item.get("caption") or "") == (p.get("caption") or "")
                    and _epoch(item.get("timestamp")) >= since
                    and not self.ledger.applied_as(str(item["id"]))
                ):
                    found = str(item["id"])
                    break
        except GraphError as exc:
            log.warning("%s: published, but the media id could not be read: %s", job.label, exc)
        self._applied(job, found, note="reconciled: the container was already published")

    # ---- procedures --------------------------------------------------------------------------

    def _run_procedure(self, job: Job) -> None:
        kind, p = job.entry.kind, job.entry.payload
        self.ledger.in_flight(job.entry, kind, self.now())
        exchanger = TokenExchanger(self.settings)
        try:
            if kind == "get_authorization_url":
                url = exchanger.authorization_url(p.get("state") or job.entry.op_id)
                self._applied(job, None, url=url)
            elif kind == "exchange_code":
                if not self.settings.token_store:
                    raise SettingsError("token_store", "exchange_code has nowhere to keep the token",
                                        "set token_store to a file path")  # fmt: skip
                token = exchanger.exchange_code(p["code"])
                self.client.auth.adopt(token)
                self._applied(job, None, expires_at=_iso(token.expires_at))
            elif kind == "refresh_access_token":
                token = self.client.auth.refresh()
                self._applied(job, None, expires_at=_iso(token.expires_at))
            elif kind == "check_publishing_limit":
                account = self._account(job)
                limit = self._publishing_limit(account)
                self._applied(job, account, quota_usage=limit.get("quota_usage"),
                              quota_total=(limit.get("config") or {}).get("quota_total"))  # fmt: skip
        except GraphError as exc:
            self._reject(job, exc.describe(), exc)
        except SettingsError as exc:
            self._reject(job, str(exc), None)

    # ---- outcomes ----------------------------------------------------------------------------

    def _account(self, job: Job) -> str:
        """The record's account_id, else the configured one, else the token's only account."""
        if job.entry.account_id:
            return job.entry.account_id
        if self.options.account_id:
            return self.options.account_id
        if self._default_account is None:
            accounts = resolve_accounts(self.client)
            if len(accounts) != 1:
                raise SettingsError(
                    "account_id",
                    f"the record has none and the token reaches {len(accounts)} accounts",
                    "set account_id in the record or in the target's config",
                )
            self._default_account = accounts[0].id
        return self._default_account

    def _applied(self, job: Job, instagram_id: str | None, **extra: Any) -> None:
        self.ledger.applied(job.entry, instagram_id)
        self.out.result(job.entry.stream, job.entry.op_id, job.entry.kind, "applied",
                        instagram_id=instagram_id, **extra)  # fmt: skip

    def _defer(self, job: Job, reason: str) -> None:
        self.ledger.deferred(job.entry, reason)
        self.out.result(job.entry.stream, job.entry.op_id, job.entry.kind, "deferred",
                        error=reason)  # fmt: skip
        log.warning("%s deferred: %s", job.label, reason)

    def _reject(self, job: Job, reason: str, error: GraphError | None) -> None:
        self.ledger.rejected(job.entry, reason, graph_error(error))
        record = job.record if job.record is not None else job.entry.payload
        self._report_rejection(job.entry.stream, job.entry.op_id, job.entry.kind, record,
                               reason, error)  # fmt: skip

    def _report_rejection(
        self, stream: str, op_id: str | None, kind: str | None, record: dict[str, Any],
        reason: str, error: GraphError | None,
    ) -> None:  # fmt: skip
        self.out.reject(stream, op_id, record, reason, graph_error(error))
        self.out.result(stream, op_id, kind or "unknown", "rejected", error=reason)
        log.warning("%s/%s rejected: %s", stream, op_id, reason)
        if self.options.fail_fast:
            raise FailFast(f"fail_fast: {stream}/{op_id} was rejected: {reason}")

    def _plan(self, entry: Entry) -> None:
        job = Job(entry)
        kind, p = entry.kind, entry.payload
        account = entry.account_id or self.options.account_id or "{ig-user-id}"
        if kind in MODERATION:
            op = (
                self._moderation_op(job)
                if kind != "mention_reply"
                else BatchOperation("POST", f"{account}/mentions", {k: v for k, v in p.items()})
            )
            calls = [_describe(op)]
        elif kind in PUBLISH:
            items = len(p.get("children") or [])
            calls = ([f"POST /{account}/media ×{items} (carousel items)"] if items else []) + [
                f"POST /{account}/media (container)", "GET /{container-id} (status)",
                f"POST /{account}/media_publish"]  # fmt: skip
        else:
            calls = [kind]
        note = f"due at {_iso(p['publish_at'])}" if p.get("publish_at") else None
        self.out.result(entry.stream, entry.op_id, kind, "planned", calls=calls, note=note)


# ---- helpers ---------------------------------------------------------------------------------


def _stored(entry: Entry) -> Entry:
    """The entry as written to the ledger: single-use secrets (an OAuth code) are not kept."""
    if not any(k in entry.payload for k in SECRET_PARAMS):
        return entry
    payload = {k: ("<not stored>" if k in SECRET_PARAMS else v) for k, v in entry.payload.items()}
    return Entry(**{**entry.__dict__, "payload": payload})


def _active(jobs: list[Job]) -> list[Job]:
    """Jobs not settled yet in this run."""
    return [j for j in jobs if j.entry.status in (RECEIVED, IN_FLIGHT)]


def _item_params(item: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"is_carousel_item": "true"}
    if item["media_type"] == "VIDEO":
        params["media_type"] = "VIDEO"
    for key in ("image_url", "video_url", "alt_text"):
        if key in item:
            params[key] = item[key]
    if "user_tags" in item:
        params["user_tags"] = json.dumps(item["user_tags"])
    return params


def _container_params(job: Job) -> dict[str, Any]:
    p, progress = job.entry.payload, job.entry.progress
    params: dict[str, Any] = {}
    if p["media_type"] != "IMAGE":
        params["media_type"] = p["media_type"]
    if p["media_type"] == "CAROUSEL":
        params["children"] = ",".join(progress["children"])
    for key in ("image_url", "video_url", "caption", "alt_text", "location_id", "cover_url",
                "thumb_offset", "audio_name"):  # fmt: skip
        if key in p:
            params[key] = p[key]
    for key in ("user_tags", "collaborators"):
        if key in p:
            params[key] = json.dumps(p[key])
    if "share_to_feed" in p:
        params["share_to_feed"] = "true" if p["share_to_feed"] in (True, "true", 1) else "false"
    return params


def _describe(op: BatchOperation) -> str:
    """Method, path and parameter names: never values (a message may be long, a code secret)."""
    names = ",".join(sorted(op.params))
    return f"{op.method} /{op.path}" + (f" [{names}]" if names else "")


def _epoch(value: Any) -> float:
    if not value:
        return 0.0
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return 0.0


def _iso(value: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value)) if value else None
