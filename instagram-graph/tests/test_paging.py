"""The four paging shapes: pure next-request rules, then each one followed against the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from instagram_graph.client import GraphClient
from instagram_graph.paging import Shape, next_request, strip_next_url
from instagram_sandbox.testing import Demo

MakeClient = Callable[..., GraphClient]
DAY = 86400


def test_strip_next_url_drops_tokens_and_proofs() -> None:
    url, params = strip_next_url(
        "https://graph.facebook.com/v25.0/1/media?fields=id&access_token=EAAx&appsecret_proof=ab&after=QVFI"
    )
    assert url == "https://graph.facebook.com/v25.0/1/media"
    assert params == {"fields": "id", "after": "QVFI"}


def test_cursor_urls_follow_next_and_stop_without_it() -> None:
    page = {
        "data": [{"id": "1"}],
        "paging": {"cursors": {"after": "A"}, "next": "https://h/v25.0/1/media?after=A"},
    }
    assert next_request(Shape.CURSOR_URLS, page, {}) == ("https://h/v25.0/1/media", {"after": "A"})
    last = {"data": [{"id": "2"}], "paging": {"cursors": {"after": "B"}}}
    assert next_request(Shape.CURSOR_URLS, last, {}) is None
    assert next_request(Shape.CURSOR_URLS, {"data": []}, {}) is None


def test_cursors_only_build_after_and_stop_on_empty_or_repeated_cursor() -> None:
    page = {"data": [{"id": "1"}], "paging": {"cursors": {"before": "A", "after": "B"}}}
    assert next_request(Shape.CURSORS_ONLY, page, {"fields": "id"}) == (
        None,
        {"fields": "id", "after": "B"},
    )
    assert next_request(Shape.CURSORS_ONLY, page, {"after": "B"}) is None
    assert (
        next_request(Shape.CURSORS_ONLY, {"data": [], "paging": {"cursors": {"after": "C"}}}, {})
        is None
    )
    assert next_request(Shape.CURSORS_ONLY, {"data": [{"id": "1"}]}, {}) is None


def test_after_only_keeps_the_constant_cursor() -> None:
    page = {"data": [{"id": "1"}], "paging": {"cursors": {"after": "S"}}}
    assert next_request(Shape.AFTER_ONLY, page, {"after": "S"}) == (None, {"after": "S"})
    assert next_request(Shape.AFTER_ONLY, {"data": []}, {"after": "S"}) is None


def test_time_window_stops_at_the_bound() -> None:
    page = {
        "data": [{"values": []}],
        "paging": {"next": "https://h/v25.0/1/insights?metric=reach&since=200&until=300"},
    }
    assert next_request(Shape.TIME_WINDOW, page, {}, until=300) == (
        "https://h/v25.0/1/insights", {"metric": "reach", "since": "200", "until": "300"})  # fmt: skip
    assert next_request(Shape.TIME_WINDOW, page, {}, until=200) is None


# ---- against the sandbox --------------------------------------------------------------------


def record_urls(client: GraphClient) -> list[str]:
    urls: list[str] = []

    def hook(answer: requests.Response, *args: Any, **kwargs: Any) -> None:
        urls.append(str(answer.request.url))

    client.session.hooks["response"].append(hook)
    return urls


@pytest.mark.parametrize("echo", [False, True])
def test_cursor_urls_against_the_sandbox(demo: Demo, make_client: MakeClient, echo: bool) -> None:
    demo.control.configure(echo_header_token_in_next=echo)
    client = make_client()
    urls = record_urls(client)
    pages = list(client.pages(f"{demo.acme}/media", {"fields": "id,timestamp", "limit": 25}))
    ids = [m["id"] for p in pages for m in p["data"]]
    assert [len(p["data"]) for p in pages] == [25, 25, 10]
    assert len(set(ids)) == 60
    assert len(urls) == 3 and not any("access_token" in u or demo.fb_token in u for u in urls)


def test_cursors_only_against_the_sandbox(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    pages = list(
        client.pages(f"{demo.acme}/tags", {"fields": "id", "limit": 5}, shape=Shape.CURSORS_ONLY)
    )
    ids = [m["id"] for p in pages for m in p["data"]]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert len(pages) <= 3  # 5 + 3, plus at most one empty page where cursors remain


def test_after_only_against_the_sandbox(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    tag = client.get("ig_hashtag_search", user_id=demo.acme, q="coffee")["data"][0]["id"]
    items = list(client.items(f"{tag}/recent_media", {"user_id": demo.acme, "fields": "id", "limit": 50},
                              shape=Shape.AFTER_ONLY))  # fmt: skip
    assert len(items) > 50 and len({m["id"] for m in items}) == len(items)


def test_time_window_against_the_sandbox(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    now = demo.control.now()
    day_end = now - now % DAY
    pages = list(client.pages(
        f"{demo.acme}/insights", {"metric": "reach", "period": "day", "since": day_end - 10 * DAY,
                                  "until": day_end - 5 * DAY},
        shape=Shape.TIME_WINDOW, until=day_end,
    ))  # fmt: skip
    end_times = [v["end_time"] for p in pages for m in p["data"] for v in m["values"]]
    assert len(pages) == 2
    assert len(end_times) == 10 and len(set(end_times)) == 10
