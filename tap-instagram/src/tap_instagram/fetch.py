"""What the tap reads per account, read once and shared by the streams that need it.

The media listing (with children and comment threads) is read in the background into a spool
(`media_reader`); insights are planned, sent and spooled by `plan`. The account's small reads
(profile, stories, edges) are read when first asked for and kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from instagram_graph import BatchOperation, BatchResult, GraphClient, Shape, shapes
from instagram_graph.errors import (
    BadResponseError,
    GraphError,
    InvalidRequestError,
    PermissionDeniedError,
    SkippableError,
)
from tap_instagram import answers
from tap_instagram.media_reader import (
    ITEM_FIELDS,
    MEDIA_FIELDS,
    THREAD_FIELDS,
    MediaReading,
    read_media,
)
from tap_instagram.schema_parts import parse_timestamp
from tap_instagram.skips import Skips
from tap_instagram.spool import Spool

log = logging.getLogger(__name__)

TAG_FIELDS = (
    "id,caption,comments_count,like_count,media_type,media_url,permalink,timestamp,username"
)
PROFILE_FIELDS = (
    "id,ig_id,username,name,biography,website,profile_picture_url,followers_count,follows_count,"
    "media_count"
)


class AccountData:
    """Data of one IG account for this run: media spooled in the background, small reads cached."""

    def __init__(
        self, client: GraphClient, account_id: str, skips: Skips, *, page_size: int,
        comments_denied: PermissionDeniedError | None = None, comments: bool = True,
        children: bool = True, comments_since: float | None = None,
    ) -> None:  # fmt: skip
        """Nothing is read until a stream asks, or the run starts the account's reads.

        Media come with comments only when `comments` (the stream is selected) and they are not
        denied, and with children only when `children`: what no stream emits costs no request.
        Comment pages after the first are asked for only down to `comments_since` (see
        `ThreadFields.since`).
        """
        self.page_size = page_size
        self.client = client
        self.account_id = account_id
        self.skips = skips
        self.reading = MediaReading(
            client, account_id, skips, page_size, replace(THREAD_FIELDS, since=comments_since),
            comments, children, comments_denied,
        )  # fmt: skip
        self._media: Spool | None = None
        self._once = Once()  # the small reads: from the account's reader or a stream, once
        self._lock = threading.RLock()
        self.history_capped = False  # warned that insights history was cut to Graph's limit

    @property
    def comments_denied(self) -> PermissionDeniedError | None:
        """Why comments cannot be read for this account (refused or never granted), else None."""
        return self.reading.comments_denied

    def start_media(self, since: float | None) -> Callable[[], None] | None:
        """The read of media published at or after `since` (all when None), for the caller to run.

        None when it was started already. Streams may read the spool from now on.
        """
        with self._lock:
            if self._media is not None:
                return None
            self._media = Spool()
            profile = self._once.peek("profile")
            if isinstance(profile, dict):
                self.reading.media_count = profile.get("media_count")
            spool, reading = self._media, self.reading
        return lambda: read_media(reading, spool, since)

    def media(self) -> Spool:
        """The media read this run, newest first, expansions complete (read as they arrive)."""
        assert self._media is not None, "the run starts the media read before a stream asks"
        return self._media

    def wait_for_comments_verdict(self) -> None:
        """Until the media read has spooled its first media (or ended): comments are then decided."""
        self.reading.started.wait()

    def stop(self, error: BaseException) -> None:
        """No more media: a stream still reading meets `error` after what was spooled."""
        self.reading.started.set()
        if self._media is not None:
            self._media.finish(error)

    def profile(self) -> dict[str, Any]:
        """The account node with its counts."""
        profile: dict[str, Any] = self._once.get("profile", lambda: self.client.get(
            self.account_id, fields=PROFILE_FIELDS, account=self.account_id))  # fmt: skip
        return profile

    def stories(self) -> list[dict[str, Any]]:
        """Stories live now (≤ 24 h old)."""
        fields = MEDIA_FIELDS.replace("is_shared_to_feed,", "") + "," + ",".join(ITEM_FIELDS)
        params = {"fields": fields, "limit": self.page_size}
        stories: list[dict[str, Any]] = self._once.get("stories", lambda: list(self.client.items(
            f"{self.account_id}/stories", params, account=self.account_id, required=("id",),
            schema=answers.ITEM)))  # fmt: skip
        return stories

    def tags(self, since: float | None) -> list[dict[str, Any]]:
        """Media the account is tagged in, newest first, down to the page that passes `since`."""
        tags: list[dict[str, Any]] = self._once.get("tags", lambda: self._read_tags(since))
        return tags

    def _read_tags(self, since: float | None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"fields": TAG_FIELDS, "limit": 100}
        for page in self.client.pages(f"{self.account_id}/tags", params, shape=Shape.CURSORS_ONLY,
                                      account=self.account_id):  # fmt: skip
            data = page.get("data", [])
            items.extend(data)
            oldest = parse_timestamp(data[-1].get("timestamp")) if data else None
            if since is not None and oldest is not None and oldest.timestamp() < since:
                break
        return items

    def publishing_limit(self) -> dict[str, Any]:
        """The publishing quota's answer (its `data` list)."""
        limit: dict[str, Any] = self._once.get("publishing_limit", lambda: self.client.get(
            f"{self.account_id}/content_publishing_limit", fields="quota_usage,config",
            account=self.account_id))  # fmt: skip
        return limit

    def pages(
        self, path: str, params: dict[str, Any], shape: Shape = Shape.CURSOR_URLS
    ) -> list[dict[str, Any]]:
        """All items of an edge of this account."""
        return list(
            self.client.items(
                f"{self.account_id}/{path}", params, shape=shape, account=self.account_id
            )
        )

    def split_refused(self, results: list[BatchResult]) -> list[BatchResult]:
        """Calls of several metrics refused whole (code 100) sent again as one call per metric.

        One refused metric fails the whole call (graph-api.md §11); split, the others come back
        and only the refused one is skipped. Costs nothing while every call succeeds.
        """
        kept: list[BatchResult] = []
        again: list[BatchOperation] = []
        for result in results:
            op, error = result.operation, result.error
            metrics = str(op.params.get("metric", "")).split(",")
            if isinstance(error, InvalidRequestError) and error.code == 100 and len(metrics) > 1:
                again.extend(with_metrics(op, [m]) for m in metrics)
            else:
                kept.append(result)
        if again:
            log.info("re-asking %d refused multi-metric call(s) one metric at a time", len(again))
            kept.extend(self.client.batch(again, account=self.account_id))
        return kept

    def retry_without(self, result: BatchResult, drop: tuple[str, ...]) -> BatchResult:
        """Send one insights operation again without the metrics a media item rejected."""
        op = result.operation
        metrics = [m for m in str(op.params["metric"]).split(",") if m not in drop]
        if not metrics:
            return result
        return self.client.batch([with_metrics(op, metrics)], account=self.account_id)[0]


class Once:
    """Reads made once, by whichever thread asks first; the others wait for its answer.

    An error is kept and raised to every asker, as the read itself would have.
    """

    def __init__(self) -> None:
        """Nothing read yet."""
        self._lock = threading.Lock()
        self._reads: dict[str, _Read] = {}

    def get(self, name: str, read: Callable[[], Any]) -> Any:
        """The answer of the read called `name`, read now if nobody has."""
        with self._lock:
            found = self._reads.get(name)
            first = found is None
            entry = self._reads.setdefault(name, _Read()) if first else found
        assert entry is not None
        if first:
            try:
                entry.value = read()
            except Exception as exc:
                entry.error = exc
            finally:
                entry.done.set()
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value

    def peek(self, name: str) -> Any:
        """The answer of a finished read, else None (never waits, never reads)."""
        entry = self._reads.get(name)
        return entry.value if entry is not None and entry.done.is_set() else None


@dataclass
class _Read:
    value: Any = None
    error: Exception | None = None
    done: threading.Event = field(default_factory=threading.Event)


def with_metrics(op: BatchOperation, metrics: list[str]) -> BatchOperation:
    """The same insights operation asking for `metrics` only."""
    return BatchOperation(
        op.method, op.path, {**op.params, "metric": ",".join(metrics)}, insights=True
    )


def _object_out_of_reach(error: GraphError) -> bool:
    """A code-100 "cannot be loaded due to missing permission" that names no permission.

    On one object's read it means that object (gone, restricted), not the token (§11).
    """
    return (
        isinstance(error, PermissionDeniedError)
        and error.code == 100
        and error.missing_permission is None
    )


def ok_or_skip(result: BatchResult, skips: Skips, what: str) -> dict[str, Any] | None:
    """The body of a successful result; a skippable or rejected call is counted and yields None.

    One insights call the API rejects (a new restriction, a metric an item refuses) never fails
    the run: it is counted, and warned about once per cause.
    """
    error = result.error
    if error is None:
        try:
            shapes.check(result.body, answers.INSIGHTS, request=result.operation.label)
        except BadResponseError as exc:
            skips.add(f"{what}: an answer of an unexpected shape", exc)
            return None
        return result.body if isinstance(result.body, dict) else None
    if isinstance(error, SkippableError | InvalidRequestError) or _object_out_of_reach(error):
        skips.add(f"{what}: {type(error).__name__} (code {error.code}/{error.subcode})", error)
        return None
    raise error
