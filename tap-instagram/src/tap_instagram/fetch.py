"""What the tap reads per account, read once and shared by the streams that need it.

The media edge is read with children and comments (with replies) expanded when their streams are
selected, so `media`, `media_children` and `comments` cost one request per page of media, plus
batch requests for the threads longer than a page (`threads`). The media are completed a chunk
at a time and kept on disk (`spool`). Insights operations are planned and sent by `plan`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from instagram_graph import BatchOperation, BatchResult, GraphClient, Login, Shape, shapes
from instagram_graph.errors import (
    BadResponseError,
    GraphError,
    InvalidRequestError,
    PermissionDeniedError,
    SkippableError,
    TooMuchDataError,
)
from tap_instagram import answers
from tap_instagram.skips import Skips
from tap_instagram.spool import Spool
from tap_instagram.threads import ThreadFields, complete_threads

log = logging.getLogger(__name__)

COMMENT_FIELDS = "id,text,timestamp,like_count,hidden,username,from,parent_id"
CHILD_FIELDS = "id,media_type,media_url,thumbnail_url,timestamp,shortcode,permalink"
MEDIA_FIELDS = (
    "id,ig_id,caption,comments_count,is_comment_enabled,is_shared_to_feed,like_count,"
    "media_product_type,media_type,media_url,owner,permalink,shortcode,thumbnail_url,timestamp,"
    "username,alt_text,media_audio_type,is_ai_generated"
)
# Fields one item can fail a whole page with (9005 "Video content was not found", graph-api.md §11).
ITEM_FIELDS = ("has_poll", "has_slider", "copyright_check_information")
ITEM_FIELD_ERRORS = frozenset({9005})
# Fields only Facebook Login serves (graph-api.md §3.3).
MEDIA_FIELDS_FACEBOOK = (
    "reposts_count,saved_count,shares_count,total_like_count,total_comments_count,total_views_count"
)
PROFILE_FIELDS = (
    "id,ig_id,username,name,biography,website,profile_picture_url,followers_count,follows_count,"
    "media_count"
)
# Media are completed (later thread pages, item fields) a chunk at a time, then spooled: a chunk
# ends at this many media, or once it will hold this many comments and replies when complete.
MEDIA_CHUNK = 1000
CHUNK_COMMENTS = 5000
MEDIA_HORIZON = 10_000  # Graph lists only an account's 10,000 newest media (graph-api.md §3.2)
COMMENTS_PER_PAGE = 50


THREAD_FIELDS = ThreadFields(
    comments=f"{COMMENT_FIELDS},replies.limit({COMMENTS_PER_PAGE}){{{COMMENT_FIELDS}}}",
    replies=COMMENT_FIELDS,
    limit=COMMENTS_PER_PAGE,
)


def media_fields(
    login: Login, *, comments: bool = True, item_fields: bool = True, children: bool = True
) -> str:
    """The media field expression for a login flavour, with children and comments expanded."""
    fields = MEDIA_FIELDS + ("," + MEDIA_FIELDS_FACEBOOK if login is Login.FACEBOOK else "")
    fields += "," + ",".join(ITEM_FIELDS) if item_fields else ""
    fields += f",children{{{CHILD_FIELDS}}}" if children else ""
    if not comments:
        return fields
    return (
        f"{fields},comments.limit({COMMENTS_PER_PAGE}){{{COMMENT_FIELDS},"
        f"replies.limit({COMMENTS_PER_PAGE}){{{COMMENT_FIELDS}}}}}"
    )


class AccountData:
    """Lazily read, cached data of one IG account for this run (media spooled to disk)."""

    def __init__(
        self, client: GraphClient, account_id: str, skips: Skips, *, page_size: int,
        comments_denied: PermissionDeniedError | None = None, comments: bool = True,
        children: bool = True, comments_since: float | None = None,
    ) -> None:  # fmt: skip
        """Nothing is read until a stream asks.

        Media come with comments only when `comments` (the stream is selected) and they are not
        denied, and with children only when `children`: what no stream emits costs no request.
        Comment pages after the first are asked for only down to `comments_since` (see
        `ThreadFields.since`).
        """
        self.page_size = page_size
        self.thread_fields = replace(THREAD_FIELDS, since=comments_since)
        self.want_comments, self.want_children = comments, children
        self.client = client
        self.account_id = account_id
        self.skips = skips
        self._media: Spool | None = None
        self._stories: list[dict[str, Any]] | None = None
        self._profile: dict[str, Any] | None = None
        self.media_since: float | None = None
        self.media_since_known = False
        # Set when the comments expansion was refused (or never granted): media come without it.
        self.comments_denied = comments_denied
        self.history_capped = False  # warned that insights history was cut to Graph's limit
        self.comments_alone = False  # media pages with comments were too heavy (code 1)

    def media(self, since: float | None) -> Spool:
        """Media published at or after `since` (all when None), newest first, expansions complete.

        Read once per run (every stream asks with the same `since`, see `Run.media_since`) and
        kept on disk, so memory does not grow with the account.
        """
        if self._media is None:
            try:
                wanted = self.want_comments and self.comments_denied is None
                self._media = self._read_media(since, comments=wanted)
            except PermissionDeniedError as exc:
                # Comments need their own scope (§11): media and children still come without them.
                self._media = self._read_media(since, comments=False)
                self.comments_denied = exc
            self._warn_horizon(len(self._media))
        return self._media

    def _warn_horizon(self, listed: int) -> None:
        """Say once when the account has media Graph will not list (older than the newest 10,000)."""
        total = (self._profile or {}).get("media_count")
        if listed >= MEDIA_HORIZON or (isinstance(total, int) and total > MEDIA_HORIZON):
            log.warning("account %s has %s media; Graph lists only the newest %s, so older media "
                        "(and their children, comments and insights) cannot be read",
                        self.account_id, total if isinstance(total, int) else f"{listed}+",
                        f"{MEDIA_HORIZON:,}")  # fmt: skip

    def _read_media(self, since: float | None, *, comments: bool) -> Spool:
        """Every media page into a new spool; a listing Graph refuses is read again, adapted.

        Too heavy even at the smallest page size with comments expanded: media without them,
        then each media's comments as an edge of their own (graph-api.md §11). One item's field
        failing the listing: media without those fields, then each item asked for them alone.
        """
        params: dict[str, Any] = {"limit": self.page_size}
        if since is not None:
            params["since"] = int(since)
        item_fields = True
        while True:
            spool = Spool()
            try:
                self._spool_media(spool, params, comments=comments, item_fields=item_fields)
                return spool
            except TooMuchDataError:
                spool.close()
                if not comments or self.comments_alone:
                    raise
                log.info("media pages with comments are too heavy for Graph even at the smallest "
                         "size; reading each media's comments on their own for the rest of this run")  # fmt: skip
                self.comments_alone = True
            except InvalidRequestError as exc:
                spool.close()
                if exc.code not in ITEM_FIELD_ERRORS or not item_fields:
                    raise
                self.skips.add("media listing failed on one item's field; isolating it", exc)
                item_fields = False

    def _spool_media(
        self, spool: Spool, params: dict[str, Any], *, comments: bool, item_fields: bool
    ) -> None:
        """Read the listing, completing each chunk of media (threads, item fields), into `spool`."""
        fields = media_fields(self.client.settings.login, comments=comments and not self.comments_alone,
                              item_fields=item_fields, children=self.want_children)  # fmt: skip
        chunk: list[dict[str, Any]] = []
        weight = 0
        listing = self._listing(
            f"{self.account_id}/media", {**params, "fields": fields}, prefetch=True
        )
        for item in listing:
            chunk.append(item)
            weight += _thread_size(item)
            if len(chunk) >= MEDIA_CHUNK or weight >= CHUNK_COMMENTS:
                spool.extend(self._complete(chunk, comments=comments, item_fields=item_fields))
                chunk, weight = [], 0
        spool.extend(self._complete(chunk, comments=comments, item_fields=item_fields))

    def _complete(
        self, chunk: list[dict[str, Any]], *, comments: bool, item_fields: bool
    ) -> list[dict[str, Any]]:
        """A chunk of media with their later comment and reply pages and their item fields."""
        if not item_fields:
            self._fill_item_fields(chunk)
        for item in chunk:
            if self.comments_alone and comments and item.get("comments_count"):
                item["comments"] = {"data": self._comments_of(str(item["id"]))}
        complete_threads(self.client, self.account_id, chunk, self.skips, self.thread_fields)
        return chunk

    def _comments_of(self, media_id: str) -> list[dict[str, Any]]:
        """One media's comments (replies expanded) read as an edge of their own, every page."""
        fields = THREAD_FIELDS.comments
        try:
            return list(
                self._listing(
                    f"{media_id}/comments", {"fields": fields, "limit": COMMENTS_PER_PAGE}
                )
            )
        except (SkippableError, InvalidRequestError) as exc:
            self.skips.add("comments of a media that went away between two reads", exc)
            return []

    def _listing(
        self, path: str, params: dict[str, Any], *, prefetch: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every item of an edge of this account; each must carry an `id` and fit `answers.ITEM`.

        `prefetch`: the next page is on its way while this one is completed and spooled.
        """
        return self.client.items(path, params, account=self.account_id, required=("id",),
                                 schema=answers.ITEM, prefetch=prefetch)  # fmt: skip

    def _fill_item_fields(self, items: list[dict[str, Any]]) -> None:
        """`ITEM_FIELDS` per media (batches of 50); a media that fails them gets nulls."""
        ops = [
            BatchOperation("GET", str(m["id"]), {"fields": ",".join(ITEM_FIELDS)}) for m in items
        ]
        for item, result in zip(
            items, self.client.batch(ops, account=self.account_id), strict=True
        ):
            if result.error is not None:
                self.skips.add(f"{', '.join(ITEM_FIELDS)} of a media", result.error)
                item.update(dict.fromkeys(ITEM_FIELDS))
            elif isinstance(result.body, dict):
                item.update({f: result.body.get(f) for f in ITEM_FIELDS})

    def profile(self) -> dict[str, Any]:
        """The account node with its counts."""
        if self._profile is None:
            self._profile = self.client.get(
                self.account_id, fields=PROFILE_FIELDS, account=self.account_id
            )
        return self._profile

    def stories(self) -> list[dict[str, Any]]:
        """Stories live now (≤ 24 h old)."""
        if self._stories is None:
            fields = MEDIA_FIELDS.replace("is_shared_to_feed,", "") + "," + ",".join(ITEM_FIELDS)
            self._stories = list(
                self._listing(
                    f"{self.account_id}/stories", {"fields": fields, "limit": self.page_size}
                )
            )
        return self._stories

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


def _thread_size(item: dict[str, Any]) -> int:
    """Comments and replies a media item will hold once complete.

    Its first comment page, or its `comments_count` when that is more (the later pages are read
    before it is spooled).
    """
    comments = (item.get("comments") or {}).get("data") or []
    first_page = len(comments) + sum(
        len((c.get("replies") or {}).get("data") or []) for c in comments if isinstance(c, dict)
    )
    total = item.get("comments_count")
    return max(first_page, total) if isinstance(total, int) else first_page


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
