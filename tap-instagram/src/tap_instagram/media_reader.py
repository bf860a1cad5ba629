"""An account's media listing, read in the background into a spool the streams read as it grows.

The spool holds media items (each with its first comment page) and thread parts (its later
comment pages, see `threads`): `is_part` tells them apart.

The media edge is read with children and comments (with replies) expanded when their streams are
selected, so `media`, `media_children` and `comments` cost one request per page of media, plus
batch requests for the threads longer than a page (`threads`). The media are completed a chunk at
a time (later thread pages, item fields) and then spooled. A listing Graph refuses is read again,
adapted (without comments, without the item fields that failed, each media's comments on their
own); media already spooled by an earlier attempt are not spooled twice.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from instagram_graph import BatchOperation, GraphClient, Login
from instagram_graph.errors import (
    InvalidRequestError,
    PermissionDeniedError,
    SkippableError,
    TooMuchDataError,
)
from tap_instagram import answers
from tap_instagram.skips import Skips
from tap_instagram.spool import Spool
from tap_instagram.threads import ThreadFields, Write, complete_threads

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
# Media are completed (later thread pages, item fields) a chunk at a time, then spooled: a chunk
# ends at this many media, or once their first comment pages hold this many comments and replies.
MEDIA_CHUNK = 1000
CHUNK_COMMENTS = 2500
COMPLETING = 2  # chunks completed at once while the listing goes on
MEDIA_HORIZON = 10_000  # Graph lists only an account's 10,000 newest media (graph-api.md §3.2)
COMMENTS_PER_PAGE = 50

THREAD_FIELDS = ThreadFields(
    comments=f"{COMMENT_FIELDS},replies.limit({COMMENTS_PER_PAGE}){{{COMMENT_FIELDS}}}",
    replies=COMMENT_FIELDS,
    limit=COMMENTS_PER_PAGE,
)


def is_part(entry: dict[str, Any]) -> bool:
    """Whether a media spool entry is a thread part (later comments of a media), not a media."""
    return "thread" in entry


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


@dataclass
class MediaReading:
    """What one account's media read asks for, and what it learned while reading."""

    client: GraphClient
    account_id: str
    skips: Skips
    page_size: int
    threads: ThreadFields
    comments: bool  # the comments stream is selected
    children: bool  # the media_children stream is selected
    comments_denied: PermissionDeniedError | None = None  # refused, or never granted
    comments_alone: bool = False  # media pages with comments were too heavy (code 1)
    media_count: int | None = None  # the profile's count, for the horizon warning
    listed: int = 0  # media spooled (the spool also holds thread parts)
    started: threading.Event = field(default_factory=threading.Event)  # first item or the end


def read_media(reading: MediaReading, spool: Spool, since: float | None) -> None:
    """Every media published at or after `since` into `spool`, then finish it (with the error)."""
    try:
        _read(reading, spool, since)
    except BaseException as exc:
        reading.started.set()
        spool.finish(exc)
        raise
    reading.started.set()
    spool.finish()
    _warn_horizon(reading, reading.listed)


def _read(reading: MediaReading, spool: Spool, since: float | None) -> None:
    """Read the listing, adapted and read again while Graph refuses it (see the module doc)."""
    params: dict[str, Any] = {"limit": reading.page_size}
    if since is not None:
        params["since"] = int(since)
    item_fields, written = True, set[str]()
    while True:
        comments = reading.comments and reading.comments_denied is None
        try:
            _spool_media(
                reading, spool, written, params, comments=comments, item_fields=item_fields
            )
            return
        except PermissionDeniedError as exc:
            if not comments:
                raise
            # Comments need their own scope (§11): media and children still come without them.
            reading.comments_denied = exc
        except TooMuchDataError:
            if not comments or reading.comments_alone:
                raise
            log.info("media pages with comments are too heavy for Graph even at the smallest "
                     "size; reading each media's comments on their own for the rest of this run")  # fmt: skip
            reading.comments_alone = True
        except InvalidRequestError as exc:
            if exc.code not in ITEM_FIELD_ERRORS or not item_fields:
                raise
            reading.skips.add("media listing failed on one item's field; isolating it", exc)
            item_fields = False


def _spool_media(
    reading: MediaReading, spool: Spool, written: set[str], params: dict[str, Any], *,
    comments: bool, item_fields: bool,
) -> None:  # fmt: skip
    """The listing, each chunk completed (threads, item fields) and spooled unless already there.

    The listing goes on while earlier chunks are completed (their later thread pages take rounds
    of their own), `COMPLETING` chunks at a time; chunks are spooled in the listing's order.
    """
    fields = media_fields(reading.client.settings.login,
                          comments=comments and not reading.comments_alone,
                          item_fields=item_fields, children=reading.children)  # fmt: skip
    listing = _listing(reading, f"{reading.account_id}/media", {**params, "fields": fields},
                       prefetch=True)  # fmt: skip
    pending: deque[Future[list[dict[str, Any]]]] = deque()

    def spool_done(*, keep: int) -> None:
        while len(pending) > keep or (pending and pending[0].done()):
            done = pending.popleft().result()
            spool.extend(done)
            written.update(str(item["id"]) for item in done)
            reading.listed += len(done)
            reading.started.set()

    with ThreadPoolExecutor(COMPLETING, thread_name_prefix="media-complete") as completing:
        try:
            for chunk in _chunks(listing, written):
                pending.append(completing.submit(_complete, reading, chunk, comments,
                                                 item_fields, spool.extend))  # fmt: skip
                spool_done(keep=COMPLETING)
        finally:
            # Chunks whose thread parts are spooled are spooled too, even when the listing broke
            # off: a listing read again skips them, so no part is ever written twice.
            spool_done(keep=0)


def _chunks(listing: Iterator[dict[str, Any]], written: set[str]) -> Iterator[list[dict[str, Any]]]:
    """The listing's media not yet spooled, in chunks of `MEDIA_CHUNK` or `CHUNK_COMMENTS`."""
    chunk: list[dict[str, Any]] = []
    weight = 0
    for item in listing:
        if str(item["id"]) in written:
            continue
        chunk.append(item)
        weight += _thread_size(item)
        if len(chunk) >= MEDIA_CHUNK or weight >= CHUNK_COMMENTS:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


def _complete(
    reading: MediaReading, chunk: list[dict[str, Any]], comments: bool, item_fields: bool,
    write: Write,
) -> list[dict[str, Any]]:  # fmt: skip
    """A chunk of media with their item fields; their later thread pages go to `write`."""
    if not item_fields:
        _fill_item_fields(reading, chunk)
    for item in chunk:
        if reading.comments_alone and comments and item.get("comments_count"):
            item["comments"] = {"data": _comments_of(reading, str(item["id"]))}
    complete_threads(reading.client, reading.account_id, chunk, reading.skips, reading.threads,
                     write)  # fmt: skip
    return chunk


def _comments_of(reading: MediaReading, media_id: str) -> list[dict[str, Any]]:
    """One media's comments (replies expanded) read as an edge of their own, every page."""
    params = {"fields": THREAD_FIELDS.comments, "limit": COMMENTS_PER_PAGE}
    try:
        return list(_listing(reading, f"{media_id}/comments", params))
    except (SkippableError, InvalidRequestError) as exc:
        reading.skips.add("comments of a media that went away between two reads", exc)
        return []


def _listing(
    reading: MediaReading, path: str, params: dict[str, Any], *, prefetch: bool = False
) -> Iterator[dict[str, Any]]:
    """Every item of an edge of the account; each must carry an `id` and fit `answers.ITEM`.

    `prefetch`: the next page is on its way while this one is completed and spooled.
    """
    return reading.client.items(path, params, account=reading.account_id, required=("id",),
                                schema=answers.ITEM, prefetch=prefetch)  # fmt: skip


def _fill_item_fields(reading: MediaReading, items: list[dict[str, Any]]) -> None:
    """`ITEM_FIELDS` per media (batches of 50); a media that fails them gets nulls."""
    ops = [BatchOperation("GET", str(m["id"]), {"fields": ",".join(ITEM_FIELDS)}) for m in items]
    results = reading.client.batch(ops, account=reading.account_id)
    for item, result in zip(items, results, strict=True):
        if result.error is not None:
            reading.skips.add(f"{', '.join(ITEM_FIELDS)} of a media", result.error)
            item.update(dict.fromkeys(ITEM_FIELDS))
        elif isinstance(result.body, dict):
            item.update({f: result.body.get(f) for f in ITEM_FIELDS})


def _warn_horizon(reading: MediaReading, listed: int) -> None:
    """Say once when the account has media Graph will not list (older than the newest 10,000)."""
    total = reading.media_count
    if listed >= MEDIA_HORIZON or (isinstance(total, int) and total > MEDIA_HORIZON):
        log.warning("account %s has %s media; Graph lists only the newest %s, so older media "
                    "(and their children, comments and insights) cannot be read",
                    reading.account_id, total if isinstance(total, int) else f"{listed}+",
                    f"{MEDIA_HORIZON:,}")  # fmt: skip


def _thread_size(item: dict[str, Any]) -> int:
    """Comments and replies a media item holds: its first comment page with its replies.

    Later comment pages are written out as thread parts as they are read (see `threads`).
    """
    comments = (item.get("comments") or {}).get("data") or []
    return len(comments) + sum(
        len((c.get("replies") or {}).get("data") or []) for c in comments if isinstance(c, dict)
    )
