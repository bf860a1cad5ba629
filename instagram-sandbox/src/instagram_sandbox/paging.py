"""The paging rules, declared in one place (graph-api.md §5.3).

Four shapes: cursor + URLs, cursors only, after-only (constant cursor), time window. Cursors are
opaque base64 of the sort key of the edge item they point at, so pages stay consistent when new
items arrive at the head of a newest-first edge between two page reads.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import urlencode

from instagram_sandbox import errors

T = TypeVar("T")
SortKey = tuple[float | int | str, ...]


class Shape(Enum):
    """How an edge pages."""

    CURSOR_URLS = "cursor_urls"
    CURSORS_ONLY = "cursors_only"
    AFTER_ONLY = "after_only"
    TIME_WINDOW = "time_window"


@dataclass(frozen=True)
class EdgePaging:
    """Paging rule of one edge: shape, default and maximum `limit`."""

    shape: Shape
    default_limit: int = 25
    max_limit: int = 100


# The one table of paging rules, by edge name.
EDGE_PAGING: dict[str, EdgePaging] = {
    "media": EdgePaging(Shape.CURSOR_URLS, 25, 100),
    "stories": EdgePaging(Shape.CURSOR_URLS, 25, 100),
    "comments": EdgePaging(Shape.CURSOR_URLS, 25, 50),
    "replies": EdgePaging(Shape.CURSOR_URLS, 25, 50),
    "children": EdgePaging(Shape.CURSOR_URLS, 25, 100),
    "accounts": EdgePaging(Shape.CURSOR_URLS, 25, 100),
    "top_media": EdgePaging(Shape.CURSOR_URLS, 25, 50),
    "live_media": EdgePaging(Shape.CURSOR_URLS, 25, 100),
    "tags": EdgePaging(Shape.CURSORS_ONLY, 25, 100),
    "business_discovery_media": EdgePaging(Shape.CURSORS_ONLY, 25, 100),
    "recently_searched_hashtags": EdgePaging(Shape.CURSORS_ONLY, 25, 30),
    "recent_media": EdgePaging(Shape.AFTER_ONLY, 25, 50),
    "insights": EdgePaging(Shape.TIME_WINDOW),
}

MEDIA_REACHABLE = 10_000  # only the 10,000 most recent media are reachable (§3.2)


def encode_cursor(key: SortKey) -> str:
    """Opaque cursor for an item's sort key."""
    raw = json.dumps(["sbx", *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    """The sort key inside a cursor; `InvalidCursor` for anything the sandbox did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (ValueError, json.JSONDecodeError):
        raise errors.InvalidCursor(cursor=cursor) from None
    if not isinstance(value, list) or not value or value[0] != "sbx":
        raise errors.InvalidCursor(cursor=cursor)
    return tuple(value[1:])


def effective_limit(raw: str | None, rule: EdgePaging) -> int:
    """`limit` clamped to the edge's maximum; Graph silently returns fewer when asked for more."""
    if raw is None or raw == "":
        return rule.default_limit
    try:
        limit = int(raw)
    except ValueError:
        raise errors.InvalidParameter(detail="limit must be an integer") from None
    return max(1, min(limit, rule.max_limit))


@dataclass
class Page:
    """One page of an edge: items plus what is needed to render `paging`."""

    items: list[Any]
    first_key: SortKey | None
    last_key: SortKey | None
    has_previous: bool
    has_next: bool


def _first_below(
    items: Sequence[T], key: Callable[[T], SortKey], bound: SortKey, *, inclusive: bool = False
) -> int:
    """In `items` sorted by `key` descending: the first index whose key is below `bound`.

    With `inclusive`, the first index whose key is at or below it. A binary search: long threads
    are paged without a scan per page.
    """
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        k = key(items[mid])
        if k < bound or (inclusive and k == bound):
            hi = mid
        else:
            lo = mid + 1
    return lo


def slice_page(
    items: Sequence[T],
    key: Callable[[T], SortKey],
    *,
    after: str | None,
    before: str | None,
    limit: int,
) -> Page:
    """Cut a page out of `items` (sorted by `key`, descending) after/before a cursor."""
    if after:
        start = _first_below(items, key, decode_cursor(after))
        chosen = list(items[start : start + limit])
        has_previous, has_next = True, len(items) - start > limit
    elif before:
        end = _first_below(items, key, decode_cursor(before), inclusive=True)
        chosen = list(items[max(0, end - limit) : end])
        has_previous, has_next = end > limit, True
    else:
        chosen = list(items[:limit])
        has_previous, has_next = False, len(items) > limit
    return Page(
        items=chosen,
        first_key=key(chosen[0]) if chosen else None,
        last_key=key(chosen[-1]) if chosen else None,
        has_previous=has_previous and bool(chosen),
        has_next=has_next and bool(chosen),
    )


def render_paging(
    page: Page,
    shape: Shape,
    url_for: Callable[[dict[str, str]], str],
    *,
    last_page_cursors: bool = True,
) -> dict[str, Any] | None:
    """The `paging` object for a page, or None where Graph sends none.

    Graph sends none for an empty page and for a list that fits in one page (graph-api.md §11).
    """
    if page.first_key is None or page.last_key is None:
        return None
    if not page.has_previous and not page.has_next:
        return None
    before, after = encode_cursor(page.first_key), encode_cursor(page.last_key)
    paging: dict[str, Any] = {}
    if page.has_next or last_page_cursors:
        paging["cursors"] = {"before": before, "after": after}
    if shape is Shape.CURSOR_URLS:
        if page.has_previous:
            paging["previous"] = url_for({"before": before})
        if page.has_next:
            paging["next"] = url_for({"after": after})
    return paging or None


def build_url(
    base: str, path: str, query: Sequence[tuple[str, str]], changes: dict[str, str]
) -> str:
    """`base + path` with the original query echoed, paging parameters replaced by `changes`."""
    drop = {"after", "before", "since", "until"} & (set(changes) | {"after", "before"})
    kept = [(k, v) for k, v in query if k not in drop]
    kept.extend(changes.items())
    return f"{base}{path}?{urlencode(kept)}"
