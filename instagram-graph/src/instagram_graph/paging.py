"""The four paging shapes of graph-api.md §5.3, as pure functions from a page to the next request.

| Shape          | Where                                                         | Next request          |
|----------------|---------------------------------------------------------------|-----------------------|
| `CURSOR_URLS`  | media, stories, comments, replies, children, me/accounts, …   | `paging.next`         |
| `CURSORS_ONLY` | tags, Business Discovery media, recently searched hashtags    | `after=cursors.after` |
| `AFTER_ONLY`   | hashtag `recent_media`                                        | the one `after`       |
| `TIME_WINDOW`  | user `/insights` time series                                  | `paging.next` (since/until shifted) until the end bound |

A `next` URL from Graph is reduced to its path and query, minus any `access_token`, so the client
re-applies its own auth and never logs or re-sends a token it did not put there.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET_PARAMS = frozenset({"access_token", "appsecret_proof", "appsecret_time"})


class Shape(StrEnum):
    """How an edge pages."""

    CURSOR_URLS = "cursor_urls"
    CURSORS_ONLY = "cursors_only"
    AFTER_ONLY = "after_only"
    TIME_WINDOW = "time_window"


def strip_next_url(url: str) -> tuple[str, dict[str, str]]:
    """A Graph `next` URL → (URL without query, its parameters minus access_token/proof)."""
    parts = urlsplit(url)
    params = {
        k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_PARAMS
    }
    return f"{parts.scheme}://{parts.netloc}{parts.path}", params


def next_request(
    shape: Shape,
    page: dict[str, Any],
    params: dict[str, Any],
    *,
    until: float | None = None,
) -> tuple[str | None, dict[str, Any]] | None:
    """The next call after `page` as (absolute URL or None for "same path", params), or None at the end.

    `params` are the parameters of the call that produced `page`; `until` bounds TIME_WINDOW paging
    (Unix seconds): no window starting at or after it is requested.
    """
    data = page.get("data")
    paging = page.get("paging") if isinstance(page.get("paging"), dict) else {}
    assert isinstance(paging, dict)
    cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
    assert isinstance(cursors, dict)
    if shape is Shape.TIME_WINDOW:
        nxt = paging.get("next")
        if not nxt:
            return None
        url, query = strip_next_url(str(nxt))
        since = query.get("since")
        if until is not None and since is not None and float(since) >= until:
            return None
        return url, query
    if not data:
        return None  # an empty page ends every cursor shape
    if shape is Shape.CURSOR_URLS:
        nxt = paging.get("next")
        return strip_next_url(str(nxt)) if nxt else None
    if shape is Shape.AFTER_ONLY and paging.get("next"):
        return strip_next_url(str(paging["next"]))
    after = cursors.get("after")
    if not after or (shape is Shape.CURSORS_ONLY and after == params.get("after")):
        return None
    return None, {**params, "after": after}


def account_of(path: str) -> str | None:
    """The node id a path starts with (`1784…/media` → `1784…`), the default pacing key."""
    if path.startswith(("http://", "https://")):
        path = urlsplit(path).path
    for part in path.strip("/").split("/"):
        if part.isdigit():
            return part
    return None
