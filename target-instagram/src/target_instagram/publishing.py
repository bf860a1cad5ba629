"""Publishing: create every due container, poll them together, check the quota, publish.

Carousel items are created first, then the posts' containers, each step as one Graph batch for
every queued post. Containers are polled together on the run's clock until none is in progress
or `publish_poll_timeout_seconds` passes (then the post resumes on the next run). Before
publishing, each account's 24-hour quota is read; posts past it are deferred. A container found
PUBLISHED was published by an earlier run whose answer was lost: its media is looked up instead.
"""

from __future__ import annotations

from typing import Any

from instagram_graph import errors, retry
from instagram_graph.batch import BatchOperation
from instagram_graph.client import GraphClient
from instagram_graph.errors import GraphError, SettingsError
from instagram_graph.redaction import get_logger
from target_instagram.containers import container_params, item_params
from target_instagram.context import CLOCK_SKEW, Context, epoch
from target_instagram.ledger import IN_FLIGHT, RECEIVED
from target_instagram.operations import Job, describe
from target_instagram.storage_links import LinkError, storage_fields
from target_instagram.uploading import Uploads

log = get_logger(__name__)

Statuses = dict[str, tuple[str, str]]  # container id → (status_code, status)
PROCESSING = ("IN_PROGRESS", "UNKNOWN")


def publishing_limit(client: GraphClient, account: str) -> dict[str, Any]:
    """`{"quota_usage": …, "config": {"quota_total": …}}` as Graph reports it now."""
    body = client.get(f"{account}/content_publishing_limit", fields="quota_usage,config")
    return dict((body.get("data") or [{}])[0])


class Publishing:
    """The publishing queue of one run."""

    def __init__(self, ctx: Context) -> None:
        """An empty queue."""
        self.ctx = ctx
        self.jobs: list[Job] = []

    def flush(self) -> None:
        """Take every queued post as far as it can go in this run."""
        jobs, self.jobs = self.jobs, []
        jobs = [j for j in jobs if self._ready(j)]
        if not jobs:
            return
        self._create(jobs, children=True)
        Uploads(self.ctx).run(active(jobs))
        carousels = [j for j in active(jobs) if j.entry.payload.get("children")]
        children = [c for j in carousels for c in j.entry.progress.get("children", [])]
        statuses = self.poll(children, carousels)
        for job in active(carousels):
            self.check(job, job.entry.progress["children"], "carousel item", statuses)
        self._create(active(jobs), children=False)
        Uploads(self.ctx).run(active(jobs))
        posts = active(jobs)
        statuses = self.poll([str(j.entry.progress["container_id"]) for j in posts], posts)
        publishable = []
        for job in posts:
            container = job.entry.progress["container_id"]
            if statuses.get(container, ("", ""))[0] == "PUBLISHED":
                self._recover_published(job)
            elif self.check(job, [container], "container", statuses):
                publishable.append(job)
        self._publish(self.within_quota(publishable))

    def _ready(self, job: Job) -> bool:
        if job.entry.kind == "publish_container" and "container_id" not in job.entry.progress:
            self.ctx.ledger.progress(job.entry, container_id=job.entry.payload["creation_id"])
        try:
            self.ctx.account(job)
        except SettingsError as exc:
            self.ctx.outcomes.rejected(job, str(exc), None)
            return False
        return True

    def _plan_containers(
        self, jobs: list[Job], children: bool
    ) -> list[tuple[Job, int | None, BatchOperation]]:
        """The containers still missing: (job, carousel position or None, the create call)."""
        plan: list[tuple[Job, int | None, BatchOperation]] = []
        for job in jobs:
            try:
                plan += self._containers_of(job, children)
            except LinkError as exc:  # a storage URL that cannot be linked costs its post only
                if exc.retriable:
                    self.ctx.outcomes.deferred(job, str(exc))
                else:
                    self.ctx.outcomes.rejected(job, str(exc), None)
        return plan

    def _containers_of(
        self, job: Job, children: bool
    ) -> list[tuple[Job, int | None, BatchOperation]]:
        """One job's missing containers; storage URLs become presigned links here, each time."""
        p, progress, links = job.entry.payload, job.entry.progress, self.ctx.links
        path = f"{self.ctx.account(job)}/media"
        if children and p.get("children") and not progress.get("children"):
            return [(job, n, BatchOperation("POST", path,
                                            links.params(item_params(item), f"children[{n}].")))
                    for n, item in enumerate(p["children"])]  # fmt: skip
        if not children and "container_id" not in progress:
            params = links.params(container_params(p, progress))
            return [(job, None, BatchOperation("POST", path, params))]
        return []

    def _create(self, jobs: list[Job], *, children: bool) -> None:
        """Create the containers still missing: carousel items first, then posts."""
        ctx = self.ctx
        plan = self._plan_containers(jobs, children)
        if not plan:
            return
        at = ctx.now()
        with ctx.ledger.transaction():
            for job in {id(j): j for j, _, _ in plan}.values():
                ctx.ledger.in_flight(job.entry, "POST /{ig-user-id}/media (create container)", at)
        results = ctx.send([op for _, _, op in plan], [j for j, _, _ in plan])
        made: dict[int, dict[int, str]] = {}
        for (job, n, _), result in zip(plan, results, strict=True):
            if job.entry.status != IN_FLIGHT:
                continue  # already settled by an earlier item's failure
            if result.error is None:
                waiting_upload(job, n, result.body)
                if n is None:
                    ctx.ledger.progress(job.entry, container_id=str(result.body["id"]))
                else:
                    made.setdefault(id(job), {})[n] = str(result.body["id"])
            elif retry.is_retriable(result.error):  # incl. an unknown outcome: nothing to publish
                ctx.outcomes.deferred(job, f"container not created: {result.error}")
            else:
                ctx.outcomes.rejected(job, result.error.describe(), result.error)
        for job, _, _ in plan:
            if id(job) in made and job.entry.status == IN_FLIGHT:
                ids = made.pop(id(job))
                ctx.ledger.progress(job.entry, children=[ids[n] for n in sorted(ids)])

    def poll(self, container_ids: list[str], jobs: list[Job]) -> Statuses:
        """Read the containers' status together until none is in progress, or time runs out."""
        statuses: Statuses = {}
        if not container_ids:
            return statuses
        clock, options = self.ctx.clock, self.ctx.options
        deadline = clock.monotonic() + options.poll_timeout
        waiting = list(dict.fromkeys(container_ids))
        while True:
            statuses.update(self._read_statuses(waiting, jobs))
            waiting = [c for c in waiting if statuses[c][0] in PROCESSING]
            left = deadline - clock.monotonic()
            if not waiting or left <= 0:
                return statuses
            clock.sleep(min(options.poll_interval, left))

    def _read_statuses(self, container_ids: list[str], jobs: list[Job]) -> Statuses:
        ops = [BatchOperation("GET", c, {"fields": "status_code,status"}) for c in container_ids]
        statuses: Statuses = {}
        for cid, result in zip(container_ids, self.ctx.send(ops, jobs), strict=True):
            body = result.body if result.ok and isinstance(result.body, dict) else {}
            code = str(body.get("status_code") or "UNKNOWN")
            detail = str(body.get("status") or (result.error.describe() if result.error else ""))
            statuses[cid] = (code, detail)
        return statuses

    def check(self, job: Job, container_ids: list[str], what: str, statuses: Statuses) -> bool:
        """True when every container is FINISHED; otherwise settle the job.

        ERROR rejects the post; EXPIRED forgets its containers, so the next run makes new ones
        (a container the record named cannot be made again: that post is rejected); still
        processing (or unreadable) defers it to the next run, which polls them again.
        """
        outcomes = self.ctx.outcomes
        for cid in container_ids:
            code, detail = statuses.get(cid, ("UNKNOWN", "not read"))
            if code == "FINISHED" or (code == "PUBLISHED" and what == "carousel item"):
                continue
            if code == "ERROR":
                outcomes.rejected(job, f"{what} {cid} ended in ERROR: {detail}", None)
            elif code == "EXPIRED" and job.entry.kind == "publish_container":
                outcomes.rejected(job, f"{what} {cid} expired (containers last 24 hours); "
                                  "create a new one and send it with a new op_id", None)  # fmt: skip
            elif code == "EXPIRED":
                job.entry.progress.clear()
                outcomes.deferred(job, f"{what} {cid} expired; a new container is made on the "
                                  "next run")  # fmt: skip
            else:
                outcomes.deferred(job, f"{what} {cid} still processing ({code}: {detail}); "
                                  "publishing resumes on the next run")  # fmt: skip
            return False
        return True

    def within_quota(self, jobs: list[Job]) -> list[Job]:
        """Publish only as many posts as each account's 24-hour quota allows; defer the rest."""
        allowed: list[Job] = []
        left: dict[str, int] = {}
        for job in jobs:
            account = self.ctx.account(job)
            if account not in left:
                left[account] = self._quota_left(account, len(jobs))
            if left[account] > 0:
                left[account] -= 1
                allowed.append(job)
            else:
                self.ctx.outcomes.deferred(job, "the account's 24-hour publishing limit is used "
                                           "up; published on a later run")  # fmt: skip
        return allowed

    def _quota_left(self, account: str, wanted: int) -> int:
        try:
            limit = publishing_limit(self.ctx.client, account)
            total = int((limit.get("config") or {}).get("quota_total", 100))
            return total - int(limit.get("quota_usage", 0))
        except (GraphError, ValueError, TypeError, IndexError) as exc:
            log.warning("publishing quota of %s unreadable (%s); publishing", account, exc)
            return wanted

    def _publish(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        ctx = self.ctx
        ops = [BatchOperation("POST", f"{ctx.account(j)}/media_publish",
                              {"creation_id": j.entry.progress["container_id"]}) for j in jobs]  # fmt: skip
        at = ctx.now()
        with ctx.ledger.transaction():
            for job, op in zip(jobs, ops, strict=True):
                job.entry.progress["stage"] = "publish"
                ctx.ledger.in_flight(job.entry, describe(op), at)
        for job, result in zip(jobs, ctx.send(ops, jobs), strict=True):
            self._settle_publish(job, result.error, result.body)

    def _settle_publish(self, job: Job, error: GraphError | None, body: Any) -> None:
        outcomes = self.ctx.outcomes
        if error is None:
            outcomes.applied(job, str(body["id"]), **self._presigned(job))
        elif isinstance(error, errors.NetworkError) and error.sent:
            # Stays in flight: the next run reads the container's status before anything.
            outcomes.unknown(job, "publish outcome unknown; the container's status is checked "
                             "on the next run")  # fmt: skip
        elif isinstance(error, errors.PublishingLimitError) or retry.is_retriable(error):
            outcomes.deferred(job, f"{error}; published on a later run")
        elif error.subcode == 2207027:  # not ready after all
            outcomes.deferred(job, "container not ready; publishing resumes on the next run")
        else:
            outcomes.rejected(job, error.describe(), error)

    def _recover_published(self, job: Job) -> None:
        """The container is PUBLISHED: an earlier run published it. Find the media it became."""
        p = job.entry.payload
        edge = "stories" if p.get("media_type") == "STORIES" else "media"
        since = (job.entry.in_flight_at or 0) - CLOCK_SKEW
        found = None
        try:
            page = self.ctx.client.get(f"{self.ctx.account(job)}/{edge}",
                                       fields="id,caption,timestamp", limit=25)  # fmt: skip
            for item in page.get("data", []):
                if (
                    (item.get("caption") or "") == (p.get("caption") or "")
                    and epoch(item.get("timestamp")) >= since
                    and not self.ctx.ledger.applied_as(str(item["id"]))
                ):
                    found = str(item["id"])
                    break
        except GraphError as exc:
            log.warning("%s: published, but the media id could not be read: %s", job.label, exc)
        self.ctx.outcomes.applied(job, found, note="reconciled: the container was already "
                                  "published", **self._presigned(job))  # fmt: skip

    def _presigned(self, job: Job) -> dict[str, Any]:
        """For the results line: which fields were storage URLs sent as presigned links."""
        fields = storage_fields(job.entry.payload)
        if not fields:
            return {}
        return {"presigned": fields, "presigned_expiry_seconds": self.ctx.options.links.expiry}


def waiting_upload(job: Job, n: int | None, body: Any) -> None:
    """A container made for a `video_file` waits for its bytes: note where they go."""
    payload = job.entry.payload if n is None else job.entry.payload["children"][n]
    if "video_file" not in payload or not isinstance(body, dict) or "uri" not in body:
        return
    field = "video_file" if n is None else f"children[{n}].video_file"
    uploads = job.entry.progress.setdefault("uploads", {})
    uploads[str(body["id"])] = {"field": field, "uri": str(body["uri"]), "offset": 0}


def active(jobs: list[Job]) -> list[Job]:
    """Jobs not settled yet in this run."""
    return [j for j in jobs if j.entry.status in (RECEIVED, IN_FLIGHT)]
