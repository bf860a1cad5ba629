"""Tokens: appsecret_proof, the token store, every oauth_mode, refresh mid-read, the code flow."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from instagram_graph import errors
from instagram_graph.auth import (
    GraphAuthenticator,
    ServerClock,
    StoredToken,
    TokenExchanger,
    TokenStore,
    appsecret_proof,
    fingerprint,
)
from instagram_graph.client import GraphClient
from instagram_graph.settings import GraphSettings
from instagram_sandbox.testing import Demo

from .conftest import fast_config

MakeClient = Callable[..., GraphClient]
DAY = 86400


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ig_config(demo: Demo, **overrides: Any) -> dict[str, Any]:
    return fast_config(
        demo, access_token=demo.ig_token, login="instagram", api_url=demo.ig_base,
        client_id=demo.apps["instagram"]["app_id"], client_secret=demo.apps["instagram"]["app_secret"],
        **overrides,
    )  # fmt: skip


def fb_app(demo: Demo) -> dict[str, str]:
    return {
        "client_id": demo.apps["facebook"]["app_id"],
        "client_secret": demo.apps["facebook"]["app_secret"],
    }


# ---- appsecret_proof ------------------------------------------------------------------------


def test_proof_forms() -> None:
    classic = hmac.new(b"s3cret", b"tok", hashlib.sha256).hexdigest()
    timed = hmac.new(b"s3cret", b"tok|1700000000", hashlib.sha256).hexdigest()
    assert appsecret_proof("tok", "s3cret", None) == {"appsecret_proof": classic}
    assert appsecret_proof("tok", "s3cret", 1700000000) == {
        "appsecret_proof": timed,
        "appsecret_time": "1700000000",
    }


def test_require_app_secret_mode(demo: Demo, make_client: MakeClient) -> None:
    demo.control.configure(require_appsecret_proof=True)
    with pytest.raises(errors.InvalidRequestError, match="appsecret_proof"):
        make_client().get(demo.acme)
    with pytest.raises(errors.InvalidRequestError, match="Invalid appsecret_proof"):
        make_client(app_secret="wrong-secret-value").get(demo.acme)
    client = make_client(app_secret=demo.apps["facebook"]["app_secret"])
    assert client.get(demo.acme, fields="username")["username"] == "acmecoffee"
    media = list(client.items(f"{demo.acme}/media", {"fields": "id", "limit": 25}))
    assert len(media) == 60  # every page, each with a fresh proof


def test_proof_uses_server_time_learned_from_date_headers(
    demo: Demo, make_client: MakeClient
) -> None:
    demo.control.configure(require_appsecret_proof=True)
    demo.control.advance(3 * 3600)  # the sandbox clock now runs 3 h ahead of this machine
    client = make_client(app_secret=demo.apps["facebook"]["app_secret"])
    with pytest.raises(errors.InvalidRequestError):
        client.get(demo.acme)  # first call: skew unknown, proof time out of window
    assert client.get(demo.acme, fields="id")["id"] == demo.acme  # skew learned from Date


# ---- token store ----------------------------------------------------------------------------


def test_token_store_is_0600_and_replaced_atomically(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "sub" / "token.json")
    store.save(StoredToken("EAAfirstfirstfirstfirstfirst", "facebook", 1.0, 100.0))
    first_inode = store.path.stat().st_ino
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.save(StoredToken("EAAsecondsecondsecondsecond", "facebook", 2.0, None))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.path.stat().st_ino != first_inode  # a new file renamed over the old one
    loaded = store.load()
    assert loaded is not None and loaded.access_token == "EAAsecondsecondsecondsecond"
    assert [p.name for p in store.path.parent.iterdir()] == ["token.json"]


def test_failed_write_keeps_the_old_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore(tmp_path / "token.json")
    store.save(StoredToken("EAAfirstfirstfirstfirstfirst", "facebook", 1.0))

    def broken_dump(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        store.save(StoredToken("EAAsecondsecondsecondsecond", "facebook", 2.0))
    monkeypatch.undo()
    loaded = store.load()
    assert loaded is not None and loaded.access_token == "EAAfirstfirstfirstfirstfirst"
    assert [p.name for p in tmp_path.iterdir()] == ["token.json"]


def test_unreadable_token_store_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "token.json").write_text("{not json")
    with pytest.raises(errors.SettingsError, match="token_store"):
        TokenStore(tmp_path / "token.json").load()


def test_newer_stored_token_is_preferred_over_the_configured_one(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    configured = "EAAconfiguredconfiguredconfigured"
    TokenStore(path).save(
        StoredToken(
            "EAArefreshedrefreshedrefreshed",
            "facebook",
            time.time(),
            origin=fingerprint(configured),
        )
    )
    settings = GraphSettings.from_config({"access_token": configured, "token_store": str(path)})
    assert GraphAuthenticator(settings).access_token == "EAArefreshedrefreshedrefreshed"
    # the user pasted a brand-new token: it wins over the store
    settings = GraphSettings.from_config(
        {"access_token": "EAAbrandnewbrandnewbrandnew", "token_store": str(path)}
    )
    assert GraphAuthenticator(settings).access_token == "EAAbrandnewbrandnewbrandnew"
    # no configured token at all: the store is used
    settings = GraphSettings.from_config({"token_store": str(path)})
    assert GraphAuthenticator(settings).access_token == "EAArefreshedrefreshedrefreshed"


# ---- oauth_mode OFF -------------------------------------------------------------------------


def test_off_mode_fails_on_expiry_saying_how_to_get_a_token(
    demo: Demo, make_client: MakeClient
) -> None:
    demo.control.expire_tokens(token=demo.fb_token, reason="expired")
    client = make_client(**fb_app(demo))
    with pytest.raises(errors.AuthError) as caught:
        client.get(demo.acme)
    assert caught.value.code == 190 and caught.value.subcode == 463
    assert "instagram-auth" in str(caught.value) and "oauth_mode" in str(caught.value)
    assert demo.fb_token not in str(caught.value)
    assert client.auth.refreshes == 0 and client.calls == 1


# ---- oauth_mode REFRESH ---------------------------------------------------------------------


def test_refresh_on_463_in_the_middle_of_a_paged_read_loses_nothing(
    demo: Demo, make_client: MakeClient, tmp_path: Path
) -> None:
    store = tmp_path / "token.json"
    spare = demo.control.issue_token(demo.acme, kind="fb_user_long", age_seconds=2 * DAY)
    client = make_client(
        oauth_mode="REFRESH", token_store=str(store), refresh_token=spare, **fb_app(demo)
    )
    demo.control.add_fault(kind="expired_token", path="/{ig-user-id}/media", nth=2)
    ids = [m["id"] for m in client.items(f"{demo.acme}/media", {"fields": "id", "limit": 25})]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert client.auth.refreshes == 1
    stored = TokenStore(store).load()
    assert stored is not None and stored.access_token == client.auth.access_token
    assert stored.access_token not in (demo.fb_token, spare)
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    by_path = demo.control.stats()["requests_by_path"]
    assert by_path["GET /{ig-user-id}/media"] == 4  # 3 pages + the one answered 190/463
    assert by_path["POST /oauth/access_token"] == 1  # from the spare: the expired one is not tried


def test_an_expired_token_is_never_sent_to_be_refreshed(
    demo: Demo, make_client: MakeClient, tmp_path: Path
) -> None:
    client = make_client(oauth_mode="REFRESH", token_store=str(tmp_path / "t.json"), **fb_app(demo))
    demo.control.add_fault(kind="expired_token", path=f"/{demo.acme}", count=1)
    with pytest.raises(errors.AuthError) as caught:
        client.get(demo.acme)
    text = str(caught.value)
    assert caught.value.subcode == 463 and client.auth.refreshes == 0
    assert re.search(r"expired on \w+day, \d\d-\w{3}-\d\d", text), text
    assert "cannot be refreshed" in text and "instagram-auth url" in text
    assert "instagram-auth exchange CODE" in text and demo.fb_token not in text
    assert "POST /oauth/access_token" not in demo.control.stats()["requests_by_path"]
    assert demo.get(f"/{demo.acme}").status_code == 400  # the fault expired the token for good


def test_the_sandbox_refuses_to_refresh_or_exchange_an_expired_token(demo: Demo) -> None:
    demo.control.expire_tokens(token=demo.ig_token, reason="expired")
    refresh = demo.get("/refresh_access_token", grant_type="ig_refresh_token",
                       token=demo.ig_token, host="instagram")  # fmt: skip
    exchange = demo.get("/access_token", grant_type="ig_exchange_token", token=demo.ig_token,
                        client_secret=demo.apps["instagram"]["app_secret"], host="instagram")  # fmt: skip
    demo.control.expire_tokens(token=demo.fb_token, reason="expired")
    fb = demo.get("/oauth/access_token", grant_type="fb_exchange_token",
                  fb_exchange_token=demo.fb_token, **fb_app(demo))  # fmt: skip
    for answer in (refresh, exchange, fb):
        error = answer.json()["error"]
        assert (error["code"], error.get("error_subcode")) == (190, 463), error


def test_a_token_another_run_refreshed_is_picked_up_from_the_store(
    demo: Demo, make_client: MakeClient, tmp_path: Path
) -> None:
    store = tmp_path / "t.json"
    client = make_client(oauth_mode="REFRESH", token_store=str(store), **fb_app(demo))
    client.get(demo.acme)
    other = make_client(oauth_mode="REFRESH", token_store=str(store), **fb_app(demo))
    fresh = other.auth.refresh()  # a second run refreshes; the first still holds the old token
    demo.control.expire_tokens(token=demo.fb_token, reason="expired")
    assert client.get(demo.acme)["id"] == demo.acme
    assert client.auth.access_token == fresh.access_token and client.auth.refreshes == 0


def test_instagram_login_refresh_on_463(demo: Demo, tmp_path: Path) -> None:
    spare = demo.control.issue_token(demo.creator, kind="ig_long", age_seconds=2 * DAY)
    settings = GraphSettings.from_config(
        ig_config(
            demo, oauth_mode="REFRESH", token_store=str(tmp_path / "t.json"), refresh_token=spare
        )
    )
    client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
    demo.control.add_fault(kind="expired_token", path="/me", nth=1)
    assert client.get("me", fields="user_id")["user_id"] == demo.creator
    assert [w["kind"] for w in demo.control.writes()] == ["token.refresh"]
    assert client.auth.access_token != demo.ig_token


def test_expired_token_refreshed_from_refresh_token(demo: Demo, tmp_path: Path) -> None:
    spare = demo.control.issue_token(demo.creator, kind="ig_long", age_seconds=2 * DAY)
    demo.control.expire_tokens(token=demo.ig_token, reason="expired")
    settings = GraphSettings.from_config(
        ig_config(
            demo, oauth_mode="REFRESH", refresh_token=spare, token_store=str(tmp_path / "t.json")
        )
    )
    client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
    assert client.get("me", fields="user_id")["user_id"] == demo.creator
    assert client.auth.refreshes == 1


def test_refresh_that_cannot_work_raises_a_clear_auth_error(demo: Demo, tmp_path: Path) -> None:
    demo.control.expire_tokens(token=demo.ig_token, reason="expired")
    settings = GraphSettings.from_config(
        ig_config(demo, oauth_mode="REFRESH", token_store=str(tmp_path / "t.json"))
    )
    client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
    with pytest.raises(errors.AuthError) as caught:
        client.get("me")
    assert caught.value.subcode == 463
    assert demo.ig_token not in str(caught.value)


def test_app_removed_is_not_refreshed(demo: Demo, make_client: MakeClient, tmp_path: Path) -> None:
    demo.control.expire_tokens(token=demo.fb_token, reason="app_removed")
    client = make_client(oauth_mode="REFRESH", token_store=str(tmp_path / "t.json"), **fb_app(demo))
    with pytest.raises(errors.AuthError) as caught:
        client.get(demo.acme)
    assert caught.value.subcode == 458 and client.auth.refreshes == 0


def test_token_near_expiry_is_refreshed_before_use(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    now = time.time()
    TokenStore(path).save(StoredToken(demo.ig_token, "instagram", now - 50 * DAY, now + 3 * DAY,
                                      origin=fingerprint(demo.ig_token)))  # fmt: skip
    settings = GraphSettings.from_config(
        ig_config(demo, oauth_mode="REFRESH", token_store=str(path))
    )
    client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
    assert client.get("me", fields="user_id")["user_id"] == demo.creator
    assert client.auth.refreshes == 1
    stored = TokenStore(path).load()
    assert (
        stored is not None and stored.expires_at is not None and stored.expires_at > now + 59 * DAY
    )
    by_path = demo.control.stats()["requests_by_path"]
    assert by_path == {"GET /refresh_access_token": 1, "GET /me": 1}  # refreshed first, no 190 seen


@pytest.mark.parametrize(("hours_left", "refreshed"), [(7 * 24 - 1, True), (7 * 24 + 1, False)])
def test_the_refresh_margin_is_one_week(
    demo: Demo, tmp_path: Path, hours_left: int, refreshed: bool
) -> None:
    path = tmp_path / "t.json"
    now = demo.control.now()
    TokenStore(path).save(StoredToken(demo.ig_token, "instagram", now - 50 * DAY,
                                      now + hours_left * 3600, origin=fingerprint(demo.ig_token)))  # fmt: skip
    settings = GraphSettings.from_config(
        ig_config(demo, oauth_mode="REFRESH", token_store=str(path))
    )
    client = GraphClient(
        settings, authenticator=GraphAuthenticator(settings, clock=ServerClock(lambda: now))
    )
    client.get("me", fields="user_id")
    assert client.auth.refreshes == int(refreshed)
    assert ("GET /refresh_access_token" in demo.control.stats()["requests_by_path"]) is refreshed


def test_a_configured_token_of_unknown_expiry_is_looked_up_and_refreshed_in_time(
    demo: Demo, make_client: MakeClient, tmp_path: Path
) -> None:
    closing = demo.control.issue_token(demo.acme, kind="fb_user_long", age_seconds=57 * DAY,
                                       lifetime_seconds=60 * DAY)  # fmt: skip
    client = make_client(access_token=closing, oauth_mode="REFRESH",
                         token_store=str(tmp_path / "t.json"), **fb_app(demo))  # fmt: skip
    client.get(demo.acme)
    assert client.auth.refreshes == 1 and client.auth.access_token != closing
    assert demo.control.stats()["requests_by_path"] == {
        "GET /debug_token": 1,
        "POST /oauth/access_token": 1,
        "GET /{ig-user-id}": 1,
    }


def test_one_authenticator_shared_so_a_refresh_is_seen_by_all(demo: Demo, tmp_path: Path) -> None:
    spare = demo.control.issue_token(demo.acme, kind="fb_user_long")
    settings = GraphSettings.from_config(
        fast_config(
            demo,
            oauth_mode="REFRESH",
            token_store=str(tmp_path / "shared.json"),
            refresh_token=spare,
            **fb_app(demo),
        )
    )
    auth = GraphAuthenticator.shared(settings)
    assert GraphAuthenticator.shared(settings) is auth
    one, two = GraphClient(settings), GraphClient(settings)
    assert one.auth is two.auth is auth
    demo.control.add_fault(kind="expired_token", path=f"/{demo.acme}", count=1)
    one.get(demo.acme)
    two.get(demo.acme)
    assert auth.refreshes == 1
    assert two.auth.access_token == one.auth.access_token != demo.fb_token


def test_concurrent_190s_refresh_once(demo: Demo, tmp_path: Path) -> None:
    spare = demo.control.issue_token(demo.acme, kind="fb_user_long")
    settings = GraphSettings.from_config(
        fast_config(
            demo,
            oauth_mode="REFRESH",
            token_store=str(tmp_path / "c.json"),
            refresh_token=spare,
            **fb_app(demo),
        )
    )
    auth = GraphAuthenticator(settings)
    demo.control.add_fault(kind="expired_token", path=f"/{demo.acme}", count=1)
    failures: list[BaseException] = []

    def read() -> None:
        try:
            GraphClient(settings, authenticator=auth).get(demo.acme)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert auth.refreshes == 1  # every thread that met the expired token shares one refresh


# ---- oauth_mode GETANDREFRESH: the authorization-code flow ----------------------------------


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_code_flow_through_the_sandbox_authorization_page(
    demo: Demo, tmp_path: Path, login: str
) -> None:
    store = tmp_path / "token.json"
    app = demo.apps[login]
    settings = GraphSettings.from_config({
        "login": login, "api_url": demo.base if login == "facebook" else demo.ig_base,
        "oauth_mode": "GETANDREFRESH", "client_id": app["app_id"], "client_secret": app["app_secret"],
        "token_store": str(store), "redirect_uri": f"http://127.0.0.1:{free_port()}/callback",
    })  # fmt: skip
    opened: list[str] = []

    def browser(url: str) -> None:  # the user opens the URL and consents
        opened.append(url)
        threading.Thread(
            target=requests.get, args=(url,), kwargs={"timeout": 10}, daemon=True
        ).start()

    client = GraphClient(
        settings, authenticator=GraphAuthenticator(settings, on_authorization_url=browser)
    )
    me = client.get("me", fields="id,user_id" if login == "instagram" else "id,name")
    assert me["id"]
    assert len(opened) == 1 and "client_id=" + app["app_id"] in opened[0] and "state=" in opened[0]
    assert app["app_secret"] not in opened[0]
    stored = TokenStore(store).load()
    assert stored is not None and stored.access_token == client.auth.access_token
    assert (
        stored.expires_at is not None and stored.expires_at - time.time() > 50 * DAY
    )  # long-lived
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    # a second run finds the stored token and does not ask again
    again = GraphAuthenticator(settings, on_authorization_url=opened.append)
    assert again.access_token == stored.access_token and len(opened) == 1


def test_code_flow_refused_state_is_an_auth_error(demo: Demo, tmp_path: Path) -> None:
    port = free_port()
    settings = GraphSettings.from_config({
        "api_url": demo.base, "oauth_mode": "GETANDREFRESH", **fb_app(demo),
        "token_store": str(tmp_path / "t.json"), "redirect_uri": f"http://127.0.0.1:{port}/callback",
    })  # fmt: skip

    def forged(url: str) -> None:
        threading.Thread(
            target=requests.get, args=(f"http://127.0.0.1:{port}/callback?code=AQxyz&state=forged",),
            kwargs={"timeout": 10}, daemon=True,
        ).start()  # fmt: skip

    auth = GraphAuthenticator(settings, on_authorization_url=forged)
    with pytest.raises(errors.AuthError, match="refused"):
        auth.update_access_token()
    assert not (tmp_path / "t.json").exists()


# ---- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({}, "access_token"),
        ({"access_token": "x", "login": "myspace"}, "login"),
        ({"access_token": "x", "oauth_mode": "sometimes"}, "oauth_mode"),
        ({"access_token": "x", "oauth_mode": "REFRESH"}, "client_id"),
        ({"oauth_mode": "GETANDREFRESH", "client_id": "1", "client_secret": "s"}, "token_store"),
        ({"access_token": "x", "api_version": "latest"}, "api_version"),
        ({"access_token": "x", "api_url": "localhost"}, "api_url"),
        ({"access_token": "x", "maximum_retries": -1}, "maximum_retries"),
        ({"access_token": "x", "throttle_threshold": 150}, "throttle_threshold"),
        ({"access_token": "x", "extra_params": 5}, "extra_params"),
        (
            {"access_token": "x", "ig_user_ids": ["1"], "facebook_page_name": "p"},
            "facebook_page_name",
        ),
    ],
)
def test_bad_settings_name_the_setting_and_the_fix(config: dict[str, Any], setting: str) -> None:
    with pytest.raises(errors.SettingsError) as caught:
        GraphSettings.from_config(config)
    assert caught.value.setting == setting
    assert f"`{setting}`" in str(caught.value) and "Fix:" in str(caught.value)


def test_settings_defaults_match_treasure_data_but_the_connect_timeout() -> None:
    s = GraphSettings.from_config({"access_token": "x"})
    assert (s.maximum_retries, s.initial_retry_interval_millis, s.maximum_retries_interval_millis,
            s.response_timeout_millis, s.throttle_threshold,
            s.throttle_rate_per_second, s.throttle_wait_in_millis) == (3, 20000, 120000, 30000, 90, 5, 3600000)  # fmt: skip
    # 10 s, not 30 s: a host that never answers fails within unreachable_timeout_seconds (15).
    assert (s.connect_timeout_millis, s.unreachable_timeout_seconds) == (10000, 15)
    assert ":8765/" not in s.redirect_uri  # the sandbox's port: the code flow must not collide
    assert s.graph_url == "https://graph.facebook.com/v27.0"
    assert (
        GraphSettings.from_config({"access_token": "x", "api_version": "22"}).api_version == "v22.0"
    )


def test_token_files_never_hold_more_than_needed(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "t.json")
    store.save(StoredToken("EAAabcabcabcabcabcabcabcabc", "facebook", 1.0, origin=fingerprint("x")))
    assert set(json.loads(store.path.read_text())) == {
        "access_token",
        "login",
        "obtained_at",
        "expires_at",
        "origin",
        "scopes",
    }
    assert os.stat(store.path).st_size < 400


@responses.activate
def test_instagram_login_exchange_and_refresh_send_the_token_as_a_query_parameter() -> None:
    answer = {"access_token": "IGAAfreshfreshfresh", "token_type": "bearer", "expires_in": 5183944}
    responses.get("https://graph.instagram.com/access_token", json=answer)
    responses.get("https://graph.instagram.com/refresh_access_token", json=answer)
    settings = GraphSettings.from_config({"access_token": "IGAAoldoldold", "login": "instagram",
                                          "client_id": "1", "client_secret": "s3cret"})  # fmt: skip
    exchanger = TokenExchanger(settings)
    exchanger.long_lived("IGAAshortshort")
    exchanger.refresh("IGAAlonglong")
    exchange, refresh = (call.request for call in responses.calls)
    assert parse_qs(urlsplit(exchange.url).query) == {
        "grant_type": ["ig_exchange_token"],
        "client_secret": ["s3cret"],
        "access_token": ["IGAAshortshort"],
    }
    assert parse_qs(urlsplit(refresh.url).query) == {
        "grant_type": ["ig_refresh_token"],
        "access_token": ["IGAAlonglong"],
    }
    assert "Authorization" not in exchange.headers and "Authorization" not in refresh.headers


def test_the_readme_settings_table_gives_the_defaults() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)`(?: \(secret\))? \| ([^|]+) \|", text, re.M))
    s = GraphSettings.from_config({"access_token": "x"})
    for name in ("maximum_retries", "initial_retry_interval_millis", "maximum_retries_interval_millis",
                 "connect_timeout_millis", "response_timeout_millis", "unreachable_timeout_seconds",
                 "throttle_threshold", "throttle_rate_per_second", "throttle_wait_in_millis",
                 "max_throttle_wait_seconds"):  # fmt: skip
        assert float(rows[name].strip()) == float(getattr(s, name)), name
    assert rows["redirect_uri"].strip() == f"`{s.redirect_uri}`"
