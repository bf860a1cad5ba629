"""Comment threads longer than a page, completed in Graph batch requests and written out as parts.

The media edge comes with each media's first comment page expanded, and each comment's first reply
page. The pages after those ("tails") are asked round by round; each round asks every open tail of
the chunk, as batch requests of 50, a group at a time. A later comment page is written out (as a
thread part, see `ThreadPart`) once its comments' replies are complete, so memory holds a page per
open tail, never a whole thread, however long. Reply pages of a media's first comment page are
added to the media item itself. A thread whose object went away between two reads keeps what was
read (graph-api.md §11).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from instagram_graph import BatchOperation, BatchResult, GraphClient
from instagram_graph.batch import MAX_BATCH
from instagram_graph.errors import (
    BadResponseError,
    InvalidRequestError,
    PermissionDeniedError,
    SkippableError,
)
from instagram_graph.page_calls import page_items
from tap_instagram import answers
from tap_instagram.schema_parts import parse_timestamp
from tap_instagram.skips import Skips

# A later page of a media's comments: {"thread": media id, "timestamp": the media's, "comments": […]}
ThreadPart = dict[str, Any]
Write = Callable[[list[ThreadPart]], None]


@dataclass(frozen=True)
class ThreadFields:
    """The field expressions of comment pages (with replies expanded) and of reply pages.

    `since`: Graph lists comments newest first, so a comment page ending before this instant
    is the last one asked for (older pages were read by an earlier run); None reads them all.
    """

    comments: str
    replies: str
    limit: int
    since: float | None = None


@dataclass
class CommentPage:
    """Comments read on one page; written out as a part once none of its reply tails is open."""

    media: dict[str, Any]
    comments: list[Any]
    first: bool  # the media's first page: it stays in the media item
    open_tails: int = 0


@dataclass
class Tail:
    """The unread pages of one expanded edge: where they go and how to ask for them."""

    page: CommentPage  # a comment tail: the page it follows; a reply tail: the page it completes
    path: str
    fields: str
    after: str
    replies: dict[str, Any] | None = None  # a reply tail: the replies edge it appends to
    seen: set[str] = field(default_factory=set)


def complete_threads(
    client: GraphClient, account_id: str, media: Iterable[dict[str, Any]], skips: Skips,
    fields: ThreadFields, write: Write, *, group: int = 2 * MAX_BATCH,
) -> None:  # fmt: skip
    """Read every later page of every comment and reply edge of `media`, in batch rounds.

    Later comment pages go to `write` as parts; later reply pages of a first page join the media
    item. A round's answers are settled `group` operations at a time.
    """
    tails: list[Tail] = []
    for item in media:
        edge = item.get("comments")
        if isinstance(edge, dict):
            page = CommentPage(item, edge.get("data", []), first=True)
            tails += _tails_of(page, edge, fields)
    while tails:
        opened: list[Tail] = []
        for start in range(0, len(tails), group):
            batch = tails[start : start + group]
            results = client.batch([_operation(t, fields) for t in batch], account=account_id)
            parts: list[ThreadPart] = []
            for tail, result in zip(batch, results, strict=True):
                opened += _settle(tail, result, skips, fields, parts)
            if parts:
                write(parts)
        tails = opened


def _operation(tail: Tail, fields: ThreadFields) -> BatchOperation:
    return BatchOperation("GET", tail.path, {"fields": tail.fields, "limit": fields.limit,
                                             "after": tail.after})  # fmt: skip


def _cursor(edge: dict[str, Any]) -> str | None:
    """The `after` cursor of an edge with more pages, else None (its paging is then consumed)."""
    paging = edge.pop("paging", None) or {}
    after = (paging.get("cursors") or {}).get("after")
    return str(after) if paging.get("next") and after else None


def _tails_of(page: CommentPage, edge: dict[str, Any], fields: ThreadFields) -> list[Tail]:
    """A comment page's tails: its edge's next page, and one per comment whose replies go on.

    The next comment page is asked for only while older pages may hold new comments (`since`).
    """
    tails = []
    after = _cursor(edge)
    if after and _reaches(page.comments, fields.since):
        media_id = str(page.media["id"])
        tails.append(Tail(page, f"{media_id}/comments", fields.comments, after, seen={after}))
    for comment in page.comments:
        replies = comment.get("replies") if isinstance(comment, dict) else None
        after = _cursor(replies) if isinstance(replies, dict) else None
        if after and isinstance(replies, dict):
            page.open_tails += 1
            path = f"{comment['id']}/replies"
            tails.append(Tail(page, path, fields.replies, after, replies=replies, seen={after}))
    return tails


def _reaches(comments: list[Any], since: float | None) -> bool:
    """Whether the page's last (oldest) comment is at or after `since`: older pages may be new."""
    if since is None or not comments or not isinstance(comments[-1], dict):
        return True
    stamp = parse_timestamp(comments[-1].get("timestamp"))
    return stamp is None or stamp.timestamp() >= since


def _settle(
    tail: Tail, result: BatchResult, skips: Skips, fields: ThreadFields, parts: list[ThreadPart]
) -> list[Tail]:
    """File one answered page; the tails it opens (its next page, the replies on it)."""
    label = f"GET /{tail.path}"
    if result.error is not None:
        if not isinstance(
            result.error, SkippableError | InvalidRequestError | PermissionDeniedError
        ):
            raise result.error
        what = tail.path.split("/")[-1]
        skips.add(f"further pages of {what} of a vanished object", result.error)
        _close(tail, parts)
        return []
    answer = result.body if isinstance(result.body, dict) else {}
    data = list(page_items(answer, label, required=("id",), schema=answers.ITEM))
    following = _next(tail, answer, data, fields, label)
    if tail.replies is not None:  # a reply page: it joins its comment
        tail.replies.setdefault("data", []).extend(data)
        if following is None:
            _close(tail, parts)
        return [following] if following else []
    page = CommentPage(tail.page.media, data, first=False)
    opened = _tails_of(page, {}, fields)
    if page.open_tails == 0:
        parts.append(_part(page))
    return [*opened, following] if following else opened


def _next(
    tail: Tail, answer: dict[str, Any], data: list[Any], fields: ThreadFields, label: str
) -> Tail | None:
    """The tail's next page, if Graph lists one (and, for comments, it may hold new ones)."""
    paging = answer.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after")
    if not (paging.get("next") and after):
        return None
    if tail.replies is None and not _reaches(data, fields.since):
        return None
    if str(after) in tail.seen:
        raise BadResponseError("the next page repeats a page already read", request=label)
    tail.seen.add(str(after))
    return Tail(tail.page, tail.path, tail.fields, str(after), tail.replies, tail.seen)


def _close(tail: Tail, parts: list[ThreadPart]) -> None:
    """A reply tail ended: its page is written out once its last reply tail has ended."""
    if tail.replies is None:
        return
    page = tail.page
    page.open_tails -= 1
    if page.open_tails == 0 and not page.first:
        parts.append(_part(page))


def _part(page: CommentPage) -> ThreadPart:
    return {"thread": str(page.media["id"]), "timestamp": page.media.get("timestamp"),
            "comments": page.comments}  # fmt: skip
