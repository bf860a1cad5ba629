"""`PageCalls`: `GraphClient`'s paging (graph-api.md §4): every page of an edge, checked.

Pages follow the edge's paging shape; a page Graph finds too heavy is asked again smaller (the
endpoint's size plan, kept for the run); a cursor that repeats stops the read instead of looping.
With `prefetch` the next page is asked for while the caller works on the current one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from instagram_graph import errors, shapes, sizing
from instagram_graph.paging import Shape, account_of, next_request
from instagram_graph.redaction import get_logger
from instagram_graph.slots import RequestSlots

log = get_logger("instagram_graph.client")


class PageCalls:
    """The paging half of `GraphClient` (which provides `request` and the attributes below)."""

    size_plans: dict[str, sizing.SizePlan]
    slots: RequestSlots
    _lock: threading.Lock
    request: Callable[..., Any]  # one logical call: `GraphClient.request`

    def pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        shape: Shape = Shape.CURSOR_URLS,
        account: str | None = None,
        until: float | None = None,
        insights: bool = False,
        prefetch: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every page of an edge, following the edge's paging shape.

        `prefetch`: the next page is asked for while the caller works on this one (for a
        caller that reads every page; one stopping early leaves one page read for nothing).
        """
        account = account or account_of(path)
        key = sizing.endpoint_key(label_path(path))
        pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-page") if prefetch else None
        )
        try:
            with self.slots.paging():  # a slot is kept for the pages while they are read
                yield from self._follow(path, dict(params or {}), shape, until, pool,
                                        lambda url, query: self._page(url, query, key, account, insights))  # fmt: skip
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _follow(
        self, path: str, query: dict[str, Any], shape: Shape, until: float | None,
        pool: ThreadPoolExecutor | None, fetch: Callable[[str, dict[str, Any]], _Page],
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """The paging loop of `pages`: checks each page, finds the next, never loops on a cursor."""
        url, asked = path, set[str]()
        ahead: Future[_Page] | None = None
        while True:
            page, query = ahead.result() if ahead is not None else fetch(url, query)
            if shape is not Shape.AFTER_ONLY:  # after-only edges repeat their cursor by design
                asked.add(_request_key(url, query))
            _check_page(page, path)
            following = next_request(shape, page, query, until=until)
            if following is not None:
                url, query = following[0] or url, following[1]
            repeats = following is not None and shape is not Shape.AFTER_ONLY and (
                _request_key(url, query) in asked)  # fmt: skip
            ahead = pool.submit(fetch, url, query) if pool and following and not repeats else None
            yield page
            if following is None:
                return
            if repeats:
                raise errors.BadResponseError(
                    "Graph's next page repeats a page already read (same cursor): stopping "
                    "instead of looping; re-run later, and report it if it persists",
                    request=f"GET {label_path(path)}",
                )

    def _page(
        self, url: str, query: dict[str, Any], key: str, account: str | None, insights: bool
    ) -> _Page:
        """One page with the endpoint's size plan, shrunk while Graph asks for less data."""
        while True:
            plan = self.size_plans.get(key, sizing.SizePlan())
            query = plan.apply(query)
            smaller = plan.smaller(query)
            try:
                page = self.request("GET", url, params=query, account=account, insights=insights,
                                    shrinkable=smaller is not None, urgent=True)  # fmt: skip
            except errors.TooMuchDataError as exc:
                if smaller is None:
                    raise
                self._shrink(key, smaller, exc)
                continue
            return page, query

    def _shrink(self, key: str, smaller: sizing.SizePlan, exc: errors.TooMuchDataError) -> None:
        """Remember the smaller plan for the endpoint; one info line per endpoint."""
        with self._lock:
            first = key not in self.size_plans
            self.size_plans[key] = smaller
        (log.info if first else log.debug)(
            "GET %s: Graph asked for less data (%s); asking %s for the rest of this run",
            key, exc.message[:80], smaller.describe(),
        )  # fmt: skip

    def items(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        required: tuple[str, ...] = (),
        schema: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every item of an edge, across pages; each must be an object carrying `required` fields.

        An item without one, or one that breaks `schema` (JSON Schema of an item), is a
        `BadResponseError` naming the endpoint and the field, so a caller never meets a bare
        `KeyError` or `AttributeError` on Graph's answer.
        """
        label = f"GET {label_path(path)}"
        for page in self.pages(path, params, **kwargs):
            yield from page_items(page, label, required=required, schema=schema)


def page_items(
    page: Mapping[str, Any], label: str, *, required: tuple[str, ...] = (),
    schema: Mapping[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    """One page's items, in order, checked: the page follows `schema`, each item carries `required`.

    What breaks them is a `BadResponseError` naming `label` and the field, raised when reached.
    """
    if schema is not None:
        shapes.check(page, shapes.edge(schema), request=label)
    for item in page.get("data", []):
        missing = [f for f in required if not isinstance(item, dict) or item.get(f) in (None, "")]
        if missing:
            raise errors.BadResponseError(
                f"an item of the answer has no `{missing[0]}` field", request=label
            )
        yield item


_Page = tuple[Any, dict[str, Any]]  # a page as answered, and the query that asked for it


def _check_page(page: Any, path: str) -> None:
    """A page is an object whose `data`, when present, is a list."""
    if not isinstance(page, dict):
        raise errors.BadResponseError("a page must be a JSON object", request=f"GET {path}")
    if "data" in page and not isinstance(page["data"], list):
        raise errors.BadResponseError("`data` of a page must be a list", request=f"GET {path}")


def _request_key(url: str, query: dict[str, Any]) -> str:
    """A page request as one comparable string (path and sorted parameters)."""
    return label_path(url) + "?" + "&".join(f"{k}={query[k]}" for k in sorted(query))


def label_path(path: str) -> str:
    """The path part only: never a query string, so never a token."""
    return "/" + (urlsplit(path).path if "://" in path else path.split("?")[0]).lstrip("/")
