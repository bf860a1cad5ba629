"""Moderation: comments, replies, mention replies, hide/unhide, comments on/off and deletes.

Operations are queued and sent as Graph batches of up to `batch_size`, keeping the order of the
changes to one object. Before a batch goes out its operations are marked in flight; an answer
that is lost or cannot be read means "maybe applied", so the outcome is reconciled by reading
Instagram (a comment with the same text from the account after that time) before anything is
sent again, at most `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

from functools import partial

from instagram_graph import errors, retry
from instagram_graph.batch import BatchOperation, BatchResult
from instagram_graph.errors import GraphError, SettingsError
from instagram_graph.redaction import get_logger
from target_instagram.context import CLOCK_SKEW, Context, epoch
from target_instagram.ledger import REJECTED
from target_instagram.operations import Job, describe, request_of

log = get_logger(__name__)

MAX_ATTEMPTS = 3


class Moderation:
    """The moderation queue of one run."""

    def __init__(self, ctx: Context) -> None:
        """An empty queue."""
        self.ctx = ctx
        self.jobs: list[Job] = []

    def queue(self, job: Job) -> None:
        """Queue a job; a batch goes out when full, or first when the job touches a queued object.

        Two creates on one object may share a batch (their order does not matter); any other
        pair of changes to one object goes out in order.
        """
        creates = job.kind.creates
        if any(j.object_id == job.object_id and not (creates and j.kind.creates)
               for j in self.jobs):  # fmt: skip
            self.flush()
        self.jobs.append(job)
        if len(self.jobs) >= self.ctx.options.batch_size:
            self.flush()

    def flush(self) -> None:
        """Send everything queued."""
        while self.jobs:
            size = self.ctx.options.batch_size
            chunk, self.jobs = self.jobs[:size], self.jobs[size:]
            self._send(chunk)

    def _send(self, jobs: list[Job]) -> None:
        ctx = self.ctx
        ops: list[BatchOperation] = []
        for job in jobs:
            try:
                ops.append(request_of(job, partial(ctx.account, job)))
            except SettingsError as exc:
                ctx.outcomes.rejected(job, str(exc), None)
        jobs = [j for j in jobs if j.entry.status != REJECTED]
        if not jobs:
            return
        at = ctx.now()
        with ctx.ledger.transaction():
            for job, op in zip(jobs, ops, strict=True):
                ctx.ledger.in_flight(job.entry, describe(op), at)
        requeue: list[Job] = []
        fatal: errors.AuthError | None = None
        for job, result in zip(jobs, ctx.send(ops, jobs), strict=True):
            if isinstance(result.error, errors.AuthError):
                ctx.ledger.back_to_received(job.entry)  # an error answer: it did not happen
                fatal = result.error
            elif self._settle(job, result):
                requeue.append(job)
        if fatal is not None:
            raise fatal
        self.jobs[:0] = requeue

    def _settle(self, job: Job, result: BatchResult) -> bool:
        """Record one answer; True when the job is to be sent again."""
        error, outcomes = result.error, self.ctx.outcomes
        if error is None:
            body = result.body if isinstance(result.body, dict) else {}
            outcomes.applied(job, str(body.get("id") or body.get("deleted_id") or job.object_id))
        elif (isinstance(error, errors.NetworkError) and error.sent) or isinstance(
            error, errors.BadResponseError
        ):  # no readable answer: the write may have happened, so look before sending again
            return self.reconcile(job)
        elif retry.is_retriable(error):
            outcomes.deferred(job, f"{error}; tried again on the next run")
        elif (
            isinstance(error, errors.NotFoundError)
            and job.kind.deletes
            and (job.entry.attempts > 1 or result.resent)
        ):
            outcomes.applied(job, job.object_id, note="already deleted by the earlier attempt")
        elif (
            job.kind.answers_invite
            and (job.entry.attempts > 1 or result.resent)
            and (self._invite_answered(job) is True)
        ):  # refused because the earlier attempt answered it
            outcomes.applied(job, job.object_id, note="already answered by the earlier attempt")
        else:
            outcomes.rejected(job, error.describe(), error)
        return False

    def reconcile(self, job: Job) -> bool:
        """An operation that may or may not have been applied; True when it is to be sent again.

        A create found on Instagram is applied. Otherwise it is sent again, unless it was sent
        `MAX_ATTEMPTS` times already (then it is deferred). When the comments cannot be read
        now it stays in flight for the next run to check.
        """
        ctx = self.ctx
        if job.kind.creates:
            try:
                found = self._find_comment(job)
            except GraphError as exc:
                ctx.outcomes.unknown(job, f"outcome unknown and not checkable now: {exc}")
                return False
            if found:
                ctx.outcomes.applied(job, found, note="reconciled: found on Instagram")
                return False
        if job.kind.answers_invite:
            answered = self._invite_answered(job)
            if answered is None:
                ctx.outcomes.unknown(job, "outcome unknown and the invites cannot be read now")
                return False
            if answered:
                ctx.outcomes.applied(job, job.object_id, note="reconciled: the invite is answered")
                return False
        if job.entry.attempts >= MAX_ATTEMPTS:
            ctx.outcomes.deferred(job, f"outcome unknown after {job.entry.attempts} attempts")
            return False
        ctx.ledger.back_to_received(job.entry)
        return True

    def _find_comment(self, job: Job) -> str | None:
        """A comment from the account with the operation's text, made after it went in flight."""
        p, kind = job.entry.payload, job.entry.kind
        if kind == "reply" or (kind == "mention_reply" and p.get("comment_id")):
            path = f"{p['comment_id']}/replies"
        else:
            path = f"{p['media_id']}/comments"
        since = (job.entry.in_flight_at or 0) - CLOCK_SKEW
        account = job.entry.account_id or self.ctx.options.account_id
        params = {"fields": "id,text,timestamp,from", "limit": 50}
        for item in self.ctx.client.items(path, params):
            author = (item.get("from") or {}).get("id")
            if (
                item.get("text") == p["message"]
                and epoch(item.get("timestamp")) >= since
                and (account is None or author in (None, account))
                and not self.ctx.ledger.applied_as(str(item["id"]))
            ):
                return str(item["id"])
        return None

    def _invite_answered(self, job: Job) -> bool | None:
        """Whether the invite on the job's media is no longer pending; None when unreadable."""
        try:
            account = self.ctx.account(job)
            pending = {str(i.get("media_id")) for i in
                       self.ctx.client.items(f"{account}/collaboration_invites", {})}  # fmt: skip
        except (GraphError, SettingsError) as exc:
            log.warning("%s: collaboration invites unreadable: %s", job.label, exc)
            return None
        return job.entry.payload["media_id"] not in pending
