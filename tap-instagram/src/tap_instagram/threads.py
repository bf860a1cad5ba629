"""Comment threads longer than a page, completed in Graph batch requests.

The media edge comes with each media's first comment page expanded, and each comment's first reply
page. The pages after those ("tails") are asked round by round. Each round asks every open tail of
the account at once, as batch requests of 50. A comment page may open new reply tails for the next
round. A thread whose object went away between two reads keeps what was read (graph-api.md §11).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from instagram_graph import BatchOperation, BatchResult, GraphClient
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


@dataclass
class Tail:
    """The unread pages of one expanded edge: where to append them and how to ask."""

    edge: dict[str, Any]
    path: str
    fields: str
    after: str
    seen: set[str] = field(default_factory=set)


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


def complete_threads(
    client: GraphClient, account_id: str, media: Iterable[dict[str, Any]], skips: Skips,
    fields: ThreadFields,
) -> None:  # fmt: skip
    """Append every later page of every comment and reply edge of `media`, in batch rounds."""
    tails: list[Tail] = []
    for item in media:
        edge = item.get("comments")
        if isinstance(edge, dict):
            tails += _tails_of_comment_page(
                edge, f"{item['id']}/comments", edge.get("data", []), fields
            )
    while tails:
        ops = [BatchOperation("GET", t.path, {"fields": t.fields, "limit": fields.limit,
                                              "after": t.after}) for t in tails]  # fmt: skip
        results = client.batch(ops, account=account_id)
        tails = [
            nxt for t, r in zip(tails, results, strict=True) for nxt in _settle(t, r, skips, fields)
        ]


def _tail(edge: dict[str, Any], path: str, fields: str) -> list[Tail]:
    """The edge's unread pages, if it has any (its paging is then consumed)."""
    paging = edge.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after")
    if not paging.get("next") or not after:
        return []
    edge.pop("paging", None)
    return [Tail(edge, path, fields, str(after), {str(after)})]


def _tails_of_comment_page(
    edge: dict[str, Any], path: str, comments: list[Any], fields: ThreadFields
) -> list[Tail]:
    """The comment edge's own tail (unless older pages are not wanted), and the reply tails."""
    tails = _tail(edge, path, fields.comments) if _reaches(comments, fields.since) else []
    edge.pop("paging", None)
    for comment in comments:
        replies = comment.get("replies") if isinstance(comment, dict) else None
        if isinstance(replies, dict):
            tails += _tail(replies, f"{comment['id']}/replies", fields.replies)
    return tails


def _reaches(comments: list[Any], since: float | None) -> bool:
    """Whether the page's last (oldest) comment is at or after `since`: older pages may be new."""
    if since is None or not comments or not isinstance(comments[-1], dict):
        return True
    stamp = parse_timestamp(comments[-1].get("timestamp"))
    return stamp is None or stamp.timestamp() >= since


def _settle(tail: Tail, result: BatchResult, skips: Skips, fields: ThreadFields) -> list[Tail]:
    """Append one answered page; the tails it opens (its next page, the replies on it)."""
    if result.error is not None:
        if isinstance(result.error, SkippableError | InvalidRequestError | PermissionDeniedError):
            skips.add(
                f"further pages of {tail.path.split('/')[-1]} of a vanished object", result.error
            )
            return []
        raise result.error
    label = f"GET /{tail.path}"
    page = result.body if isinstance(result.body, dict) else {}
    data = list(page_items(page, label, required=("id",), schema=answers.ITEM))
    tail.edge["data"].extend(data)
    comment_page = tail.path.endswith("/comments")
    opened = _tails_of_comment_page({}, "", data, fields) if comment_page else []
    paging = page.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after")
    if paging.get("next") and after and (not comment_page or _reaches(data, fields.since)):
        if str(after) in tail.seen:
            raise BadResponseError("the next page repeats a page already read", request=label)
        tail.seen.add(str(after))
        opened.append(Tail(tail.edge, tail.path, tail.fields, str(after), tail.seen))
    return opened
