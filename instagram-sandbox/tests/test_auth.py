"""Hosts, versions, token transport, expiry and revocation, appsecret_proof, token endpoints (§1, §2)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import requests

from instagram_sandbox.testing import Demo, graph_error


def test_version_header_and_routing(demo: Demo) -> None:
    assert demo.get("/me", version="v21.0").headers["facebook-api-version"] == "v21.0"
    assert demo.get("/me", version=None).headers["facebook-api-version"] == "v25.0"
    assert (
        demo.get("/me", version="v19.0").headers["facebook-api-version"] == "v21.0"
    )  # expired → oldest
    assert graph_error(demo.get("/me", version="v99.0"))["code"] == 2500


def test_instagram_host_by_prefix_and_by_host_header(demo: Demo) -> None:
    assert demo.ok(demo.get("/me", host="instagram", fields="user_id"))["user_id"] == demo.creator
    answer = requests.get(f"{demo.base}/v25.0/me", params={"fields": "user_id"},
                          headers={"Host": "graph.instagram.com", "Authorization": f"Bearer {demo.ig_token}"}, timeout=10)  # fmt: skip
    assert answer.json()["user_id"] == demo.creator
    # A Facebook token on the Instagram host (and the reverse) cannot be parsed there.
    assert graph_error(demo.get("/me", host="instagram", token=demo.fb_token))["code"] == 190
    assert graph_error(demo.get(f"/{demo.acme}", token=demo.ig_token))["code"] == 190


def test_token_in_query_form_bearer_and_oauth_header(demo: Demo) -> None:
    assert demo.get(f"/{demo.acme}", bearer=False).status_code == 200
    form = requests.post(f"{demo.base}/v25.0/{demo.acme}/subscribed_apps",
                         data={"access_token": demo.fb_token, "subscribed_fields": "comments"}, timeout=10)  # fmt: skip
    assert form.json() == {"success": True}
    oauth = requests.get(
        f"{demo.base}/v25.0/{demo.acme}",
        headers={"Authorization": f"OAuth {demo.fb_token}"},
        timeout=10,
    )
    assert oauth.status_code == 200


def test_missing_malformed_expired_and_revoked_tokens(demo: Demo) -> None:
    assert graph_error(demo.get(f"/{demo.acme}", token=""))["code"] == 104
    assert graph_error(demo.get("/me", token=""))["code"] == 2500
    bad = graph_error(demo.get("/me", token="EAAnotatoken"))
    assert (bad["code"], bad["message"]) == (
        190,
        "Invalid OAuth access token - Cannot parse access token",
    )
    demo.control.expire_tokens(token=demo.fb_token, reason="expired")
    expired = graph_error(demo.get("/me"))
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    assert expired["message"].startswith("Error validating access token: Session has expired on")
    demo.control.expire_tokens(token=demo.ig_token, reason="password_changed")
    assert graph_error(demo.get("/me", host="instagram"))["error_subcode"] == 460
    other = demo.control.issue_token(demo.creator)
    demo.control.expire_tokens(token=other, reason="app_removed")
    assert graph_error(demo.get("/me", host="instagram", token=other))["error_subcode"] == 458


def test_expiry_follows_the_sandbox_clock(demo: Demo) -> None:
    short = demo.control.issue_token(demo.acme, lifetime_seconds=3600)
    assert demo.get(f"/{demo.acme}", token=short).status_code == 200
    demo.control.advance(3601)
    assert graph_error(demo.get(f"/{demo.acme}", token=short))["error_subcode"] == 463


def test_appsecret_proof_required_mode_takes_both_forms(demo: Demo) -> None:
    demo.control.configure(require_appsecret_proof=True)
    missing = graph_error(demo.get(f"/{demo.acme}"))
    assert (missing["code"], missing["message"]) == (
        100,
        "API calls from the server require an appsecret_proof argument",
    )
    secret = demo.apps["facebook"]["app_secret"].encode()
    classic = hmac.new(secret, demo.fb_token.encode(), hashlib.sha256).hexdigest()
    assert demo.get(f"/{demo.acme}", appsecret_proof=classic).status_code == 200
    now = str(demo.control.now())
    timed = hmac.new(secret, f"{demo.fb_token}|{now}".encode(), hashlib.sha256).hexdigest()
    assert demo.get(f"/{demo.acme}", appsecret_proof=timed, appsecret_time=now).status_code == 200
    wrong = graph_error(demo.get(f"/{demo.acme}", appsecret_proof="00" * 32))
    assert (wrong["type"], wrong["message"]) == (
        "GraphMethodException",
        "Invalid appsecret_proof provided in the API argument",
    )
    stale = str(int(now) - 3600)
    old = hmac.new(secret, f"{demo.fb_token}|{stale}".encode(), hashlib.sha256).hexdigest()
    assert demo.get(f"/{demo.acme}", appsecret_proof=old, appsecret_time=stale).status_code == 400


def test_debug_token(demo: Demo) -> None:
    app = demo.apps["facebook"]
    data = demo.ok(
        demo.get(
            "/debug_token", token=f"{app['app_id']}|{app['app_secret']}", input_token=demo.fb_token
        )
    )["data"]
    assert (
        data["is_valid"] is True and data["type"] == "USER" and "instagram_basic" in data["scopes"]
    )
    assert demo.ok(demo.get("/debug_token", input_token="EAAbogus"))["data"]["is_valid"] is False


def test_facebook_code_flow_and_long_lived_exchange(demo: Demo) -> None:
    app = demo.apps["facebook"]
    redirect = "http://127.0.0.1:9999/callback"
    consent = requests.get(f"{demo.base}/www.facebook.com/v25.0/dialog/oauth",
                           params={"client_id": app["app_id"], "redirect_uri": redirect, "state": "xyz"},
                           allow_redirects=False, timeout=10)  # fmt: skip
    assert consent.status_code == 302
    query = parse_qs(urlsplit(consent.headers["location"]).query)
    assert query["state"] == ["xyz"]
    creds = {
        "client_id": app["app_id"],
        "client_secret": app["app_secret"],
        "redirect_uri": redirect,
    }
    short = demo.ok(demo.get("/oauth/access_token", token="", code=query["code"][0], **creds))
    assert short["access_token"].startswith("EAA") and short["expires_in"] <= 7200
    again = demo.get("/oauth/access_token", token="", code=query["code"][0], **creds)
    assert graph_error(again)["code"] == 100  # codes are single use
    long = demo.ok(demo.get("/oauth/access_token", token="", grant_type="fb_exchange_token",
                            fb_exchange_token=short["access_token"], **creds))  # fmt: skip
    assert long["expires_in"] == 5183944
    assert demo.get("/me/accounts", token=long["access_token"]).status_code == 200


def test_instagram_code_flow_exchange_and_refresh(demo: Demo) -> None:
    app = demo.apps["instagram"]
    redirect = "http://127.0.0.1:9999/ig"
    consent = requests.get(f"{demo.base}/www.instagram.com/oauth/authorize",
                           params={"client_id": app["app_id"], "redirect_uri": redirect, "response_type": "code"},
                           allow_redirects=False, timeout=10)  # fmt: skip
    location = consent.headers["location"]
    assert location.endswith("#_")
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = {"client_id": app["app_id"], "client_secret": app["app_secret"], "grant_type": "authorization_code",
            "redirect_uri": redirect, "code": code}  # fmt: skip
    exchanged = requests.post(
        f"{demo.base}/api.instagram.com/oauth/access_token",
        files={k: (None, v) for k, v in form.items()},
        timeout=10,
    )
    row = exchanged.json()["data"][0]
    assert row["user_id"] == demo.creator and row["access_token"].startswith("IGAA")
    reused = requests.post(
        f"{demo.base}/api.instagram.com/oauth/access_token", data=form, timeout=10
    )
    assert reused.status_code == 400
    assert reused.json() == {"error_type": "OAuthException", "code": 400,
                             "error_message": "Matching code was not found or was already used"}  # fmt: skip
    long = demo.ok(demo.get("/access_token", host="instagram", version=None, token=row["access_token"],
                            grant_type="ig_exchange_token", client_secret=app["app_secret"]))  # fmt: skip
    young = demo.get(
        "/refresh_access_token",
        host="instagram",
        version=None,
        token=long["access_token"],
        grant_type="ig_refresh_token",
    )
    assert "24 hours" in graph_error(young)["message"]
    demo.control.advance(86400)
    fresh = demo.ok(demo.get("/refresh_access_token", host="instagram", version=None, token=long["access_token"],
                             grant_type="ig_refresh_token"))  # fmt: skip
    assert fresh["expires_in"] == 5183944 and fresh["access_token"] != long["access_token"]
    assert (
        demo.get("/me", host="instagram", token=long["access_token"]).status_code == 200
    )  # old one still valid
    demo.control.advance(59 * 86400 + 1)
    assert (
        graph_error(demo.get("/me", host="instagram", token=long["access_token"]))["error_subcode"]
        == 463
    )
    assert demo.get("/me", host="instagram", token=fresh["access_token"]).status_code == 200
