"""GraphClient against the sandbox over HTTP: each error class, retries, writes, auth transport."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import responses

from instagram_graph import errors
from instagram_graph.auth import GraphAuthenticator
from instagram_graph.client import GraphClient
from instagram_graph.settings import GraphSettings
from instagram_sandbox.testing import Demo

MakeClient = Callable[..., GraphClient]


def first_media(client: GraphClient, demo: Demo) -> str:
    return str(client.get(f"{demo.acme}/media", fields="id", limit=1)["data"][0]["id"])


def test_reads_a_node(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    assert client.get(demo.acme, fields="username,followers_count") == {
        "username": "acmecoffee", "followers_count": 12840, "id": demo.acme,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "params", "error_class"),
    [
        ("server_error", {}, errors.TransientError),
        ("server_error", {"code": 2}, errors.TransientError),
        ("reduce_data", {}, errors.TooMuchDataError),
        ("throttle", {"code": 80002}, errors.RateLimitedError),
        ("throttle", {"code": 4, "status": 403}, errors.RateLimitedError),
        ("http_429", {}, errors.RateLimitedError),
        ("non_json", {}, errors.BadResponseError),
        ("truncated", {}, errors.NetworkError),
        ("drop", {}, errors.NetworkError),
        ("deleted_object", {"object_id": "1"}, errors.NotFoundError),
        ("expired_token", {}, errors.AuthError),
    ],
)
def test_each_fault_maps_to_its_error_class(
    demo: Demo, make_client: MakeClient, kind: str, params: dict[str, object], error_class: type
) -> None:
    demo.control.add_fault(kind=kind, path=f"/{demo.acme}", count=10, params=params)
    client = make_client(maximum_retries=0)
    with pytest.raises(errors.GraphError) as caught:
        client.get(demo.acme, fields="id")
    assert type(caught.value) is error_class
    assert f"GET /{demo.acme}" in str(caught.value)


def test_retriable_faults_are_retried_until_success(demo: Demo, make_client: MakeClient) -> None:
    for kind in ("server_error", "reduce_data", "non_json", "truncated", "drop", "http_429"):
        demo.control.add_fault(kind=kind, path=f"/{demo.acme}", count=2)
        client = make_client(maximum_retries=3)
        assert client.get(demo.acme, fields="username")["username"] == "acmecoffee"
        assert client.calls == 3, kind
        demo.control.clear_faults()


def test_reduce_data_on_a_page_is_not_asked_again_unchanged(
    demo: Demo, make_client: MakeClient
) -> None:
    demo.control.add_fault(kind="reduce_data", path="/{ig-user-id}/media", count=1)
    client = make_client(maximum_retries=3)
    list(client.pages(f"{demo.acme}/media", {"fields": "id", "limit": 100}))
    assert client.calls == 3  # the refused page of 100, then 60 media in two pages of 50
    assert client.size_plans["/{id}/media"].limit == 50


def test_prefetch_asks_for_the_next_page_while_the_caller_works(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client()
    path, params = f"{demo.acme}/media", {"fields": "id", "limit": 10}
    plain = [page["data"] for page in client.pages(path, params)]
    calls = client.calls
    pages = client.pages(path, params, prefetch=True)
    first = next(pages)
    deadline = time.monotonic() + 10
    while client.calls < calls + 2 and time.monotonic() < deadline:  # page 2, asked meanwhile
        time.sleep(0.01)
    assert client.calls == calls + 2
    assert [first["data"], *(page["data"] for page in pages)] == plain
    assert client.calls == 2 * calls  # no page asked twice, none past the last


def test_a_prefetched_page_that_fails_raises_where_it_is_read(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client(maximum_retries=0)
    demo.control.add_fault(kind="server_error", path="/{ig-user-id}/media", nth=2, count=1)
    pages = client.pages(f"{demo.acme}/media", {"fields": "id", "limit": 10}, prefetch=True)
    assert next(pages)["data"]
    with pytest.raises(errors.TransientError):
        next(pages)


def test_retries_give_up_after_maximum_retries(demo: Demo, make_client: MakeClient) -> None:
    demo.control.add_fault(kind="server_error", path=f"/{demo.acme}", count=10)
    client = make_client(maximum_retries=2)
    with pytest.raises(errors.TransientError):
        client.get(demo.acme)
    assert client.calls == 3


def test_timeouts_are_retried_for_reads(demo: Demo, make_client: MakeClient) -> None:
    demo.control.add_fault(kind="hang", path=f"/{demo.acme}", params={"seconds": 3})
    client = make_client(response_timeout_millis=500)
    assert client.get(demo.acme, fields="id")["id"] == demo.acme
    assert client.calls == 2


def test_non_retriable_errors_are_not_retried(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.get(demo.acme, fields="no_such_field")
    assert caught.value.code == 100 and "nonexisting field" in caught.value.message
    assert client.calls == 1


def test_permission_error_names_the_permission(demo: Demo, make_client: MakeClient) -> None:
    token = demo.control.issue_token(demo.acme, scopes=["instagram_basic", "pages_show_list"])
    client = make_client(access_token=token)
    with pytest.raises(errors.PermissionDeniedError) as caught:
        client.get(f"{demo.acme}/insights", metric="reach", period="day")
    assert caught.value.code == 10 and caught.value.http_status == 403
    assert caught.value.missing_permission is None  # this message names none (see test_error_codes)
    assert client.calls == 1


def test_insights_shortfalls_are_skippable(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    stories = client.get(f"{demo.acme}/stories", fields="id")["data"]
    shortfalls = []
    for story in stories:
        try:
            client.request(
                "GET", f"{story['id']}/insights", params={"metric": "reach"}, insights=True
            )
        except errors.InsufficientDataError as exc:
            shortfalls.append(exc)
    assert len(shortfalls) == 1 and shortfalls[0].code == 10
    oldest = list(client.items(f"{demo.acme}/media", {"fields": "id", "limit": 100}))[-1]["id"]
    with pytest.raises(errors.InsufficientDataError) as caught:
        client.request("GET", f"{oldest}/insights", params={"metric": "reach"}, insights=True)
    assert caught.value.subcode == 2108006


# ---- writes ---------------------------------------------------------------------------------


def comment_writes(demo: Demo) -> list[dict[str, object]]:
    return [w for w in demo.control.writes() if w["kind"] == "comment.create"]


def test_write_retried_after_an_error_answer(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    media = first_media(client, demo)
    demo.control.add_fault(kind="server_error", method="POST", path=f"/{media}/comments")
    answer = client.post(f"{media}/comments", message="Lovely!")
    assert answer["id"] and client.calls == 3  # first_media, the 500, the retry
    assert len(comment_writes(demo)) == 1


@pytest.mark.parametrize("kind", ["drop", "truncated"])
def test_write_not_retried_once_its_outcome_is_unknown(
    demo: Demo, make_client: MakeClient, kind: str
) -> None:
    client = make_client()
    media = first_media(client, demo)
    demo.control.add_fault(kind=kind, method="POST", path=f"/{media}/comments")
    with pytest.raises(errors.NetworkError) as caught:
        client.post(f"{media}/comments", message="Lovely!")
    assert caught.value.sent is True
    assert client.calls == 2  # no second POST


def test_write_not_retried_after_a_timeout(demo: Demo, make_client: MakeClient) -> None:
    client = make_client(response_timeout_millis=500)
    media = first_media(client, demo)
    demo.control.add_fault(
        kind="hang", method="POST", path=f"/{media}/comments", params={"seconds": 2}
    )
    with pytest.raises(errors.NetworkError, match="timed out"):
        client.post(f"{media}/comments", message="Lovely!")
    assert client.calls == 2


# ---- transport ------------------------------------------------------------------------------


@responses.activate
def test_token_goes_in_the_header_and_extra_params_in_the_query() -> None:
    responses.get("https://graph.facebook.com/v27.0/me", json={"id": "1"})
    settings = GraphSettings.from_config({
        "access_token": "EAAsecretsecretsecretsecret", "extra_params": [{"key": "locale", "value": "en_US"}],
        "user_agent": "acme-elt/2",
    })  # fmt: skip
    GraphClient(settings, authenticator=GraphAuthenticator(settings)).get("me", fields="id")
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Bearer EAAsecretsecretsecretsecret"
    assert sent.headers["User-Agent"] == "acme-elt/2"
    assert "access_token" not in sent.url and "EAAsecret" not in sent.url
    assert "locale=en_US" in sent.url and "fields=id" in sent.url


@responses.activate
def test_api_version_and_instagram_host() -> None:
    responses.get("https://graph.instagram.com/v23.0/me", json={"id": "1"})
    settings = GraphSettings.from_config(
        {"access_token": "IGAAxxxxxxxxxxxxxxxxxxxxxxxx", "login": "instagram", "api_version": "23"}
    )
    GraphClient(settings, authenticator=GraphAuthenticator(settings)).get("me")
    assert responses.calls[0].request.url.startswith("https://graph.instagram.com/v23.0/me")


@responses.activate
def test_proxy_setting_reaches_the_session() -> None:
    settings = GraphSettings.from_config(
        {"access_token": "EAAxxxxxxxxxxxxxxxxxxxxxxxxxx", "proxy": "http://proxy.local:3128"}
    )
    client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
    assert client.session.proxies == {
        "http": "http://proxy.local:3128",
        "https": "http://proxy.local:3128",
    }


def test_paging_urls_to_another_host_are_refused(make_client: MakeClient) -> None:
    with pytest.raises(errors.BadResponseError, match="another host"):
        make_client().url("https://evil.example/v25.0/1/media?after=x")


@responses.activate
def test_a_next_link_that_repeats_its_cursor_ends_with_a_clear_error_not_a_loop() -> None:
    page = {"data": [{"id": "1"}], "paging": {"cursors": {"after": "QQ"},
            "next": "https://graph.facebook.com/v27.0/17841400000000001/media?after=QQ&limit=1"}}  # fmt: skip
    responses.get("https://graph.facebook.com/v27.0/17841400000000001/media", json=page)
    settings = GraphSettings.from_config({"access_token": "EAAxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
    pages = client.pages("17841400000000001/media", {"limit": 1})
    assert next(pages)["data"] == [{"id": "1"}]
    assert next(pages)["data"] == [{"id": "1"}]  # the repeated page is read once, then the stop
    with pytest.raises(errors.BadResponseError, match="repeats a page already read"):
        next(pages)
    assert len(responses.calls) == 2


@responses.activate
def test_an_item_without_its_id_is_a_graph_error_naming_endpoint_and_field() -> None:
    page = {"data": [{"id": "1"}, {"caption": "no id"}]}
    responses.get("https://graph.facebook.com/v27.0/17841400000000001/media", json=page)
    settings = GraphSettings.from_config({"access_token": "EAAxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
    items = client.items("17841400000000001/media", required=("id",))
    assert next(items) == {"id": "1"}
    with pytest.raises(errors.BadResponseError, match=r"GET /17841400000000001/media: .*`id`"):
        next(items)


def test_a_dripping_answer_is_bounded_by_the_response_timeout(
    demo: Demo, make_client: MakeClient
) -> None:
    demo.control.add_fault(kind="drip", path=f"/{demo.acme}", params={"interval": 0.05})
    client = make_client(maximum_retries=0, connect_timeout_millis=200, response_timeout_millis=500)
    with pytest.raises(errors.NetworkError, match="timed out") as caught:
        client.get(demo.acme, fields="id")  # the whole answer would take 11 s
    assert caught.value.sent
    assert client.get(demo.acme, fields="id")["id"] == demo.acme  # the fault fired once


def test_a_slow_but_timely_answer_is_read_whole(demo: Demo, make_client: MakeClient) -> None:
    demo.control.add_fault(kind="drip", path=f"/{demo.acme}", params={"interval": 0.001})
    client = make_client(maximum_retries=0, response_timeout_millis=5000)
    assert client.get(demo.acme, fields="id")["data"] == []  # the dripped body, parsed


@pytest.mark.parametrize("retries", [0, 2, 4])
def test_retries_stop_at_maximum_retries_with_the_last_error(
    demo: Demo, make_client: MakeClient, retries: int
) -> None:
    demo.control.add_fault(kind="server_error", path=f"/{demo.acme}", count=50)
    client = make_client(maximum_retries=retries)
    with pytest.raises(errors.TransientError) as caught:
        client.get(demo.acme, fields="username")
    assert client.calls == retries + 1
    assert f"GET /{demo.acme}" in str(caught.value)


# ---- decoding, bounds, closing -----------------------------------------------------------------


@responses.activate
def test_an_answer_is_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from instagram_graph import bodies, error_codes

    decoded: list[object] = []

    def counting(raw: bytes | str) -> object:
        decoded.append(raw)
        return bodies.decode_json(raw)

    monkeypatch.setattr(error_codes, "decode_json", counting)
    responses.get("https://graph.facebook.com/v27.0/me", json={"id": "1", "name": "café"})
    settings = GraphSettings.from_config({"access_token": "EAAxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    assert GraphClient(settings, authenticator=GraphAuthenticator(settings)).get("me") == {
        "id": "1", "name": "café",
    }  # fmt: skip
    assert len(decoded) == 1


def test_json_that_msgspec_refuses_is_read_the_standard_way() -> None:
    from instagram_graph.bodies import decode_json

    assert decode_json(b'{"big": 1e400, "n": 123456789012345678901234567890}') == {
        "big": float("inf"), "n": 123456789012345678901234567890,
    }  # fmt: skip
    with pytest.raises(ValueError, match="Expecting value"):
        decode_json(b"<html>oops</html>")


def test_requests_in_flight_stay_within_the_setting_from_any_number_of_threads(
    demo: Demo, make_client: MakeClient
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    demo.control.configure(latency_ms=40)
    client = make_client(max_concurrent_requests=2)
    demo.control.reset_stats()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.get(demo.acme, fields="id"), range(16)))
    stats = demo.control.stats()
    assert stats["requests_total"] == 16 and stats["in_flight_max"] == 2


def test_a_closed_client_sends_nothing(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    client.close()
    demo.control.reset_stats()
    with pytest.raises(errors.ClientClosedError):
        client.get(demo.acme, fields="id")
    assert demo.control.stats()["requests_total"] == 0
