"""The receiver over real HTTP: handshake, signatures, limits, dedupe, and the sandbox's sender."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from instagram_graph import GraphClient, GraphSettings
from instagram_sandbox.testing import Demo
from instagram_webhooks import subscriptions
from instagram_webhooks.receiver import Receiver
from instagram_webhooks.store import SqliteStore, changes_of, open_store

from .conftest import VERIFY


def _signed(secret: str, body: bytes) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}  # fmt: skip


def _payload(n: int = 1) -> bytes:
    changes = [
        {"field": "comments", "value": {"id": f"1780000000000{i:04d}", "text": "hi"}}
        for i in range(n)
    ]
    return json.dumps(
        {"object": "instagram", "entry": [{"id": "17841", "time": 1, "changes": changes}]}
    ).encode()


def test_handshake_echoes_the_challenge_only_for_the_right_token(
    receiver: tuple[Receiver, str],
) -> None:
    _kept, url = receiver
    ok = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "8675309"},
        timeout=5,
    )
    assert ok.status_code == 200 and ok.text == "8675309"
    wrong = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
        timeout=5,
    )
    assert wrong.status_code == 403 and "1" not in wrong.text


def test_unsigned_badly_signed_oversize_and_non_json_bodies_are_refused_and_nothing_is_stored(
    receiver: tuple[Receiver, str], secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    kept, url = receiver
    body = _payload()
    assert requests.post(url, data=body, timeout=5).status_code == 403
    assert (
        requests.post(url, data=body, headers=_signed("wrong-secret", body), timeout=5).status_code
        == 403
    )
    tampered = body.replace(b"hi", b"yo")
    assert (
        requests.post(url, data=tampered, headers=_signed(secret, body), timeout=5).status_code
        == 403
    )
    kept.max_body_bytes = 100
    assert (
        requests.post(url, data=body, headers=_signed(secret, body), timeout=5).status_code == 413
    )
    kept.max_body_bytes = 1 << 20
    garbage = b"<html>not json</html>"
    assert (
        requests.post(url, data=garbage, headers=_signed(secret, garbage), timeout=5).status_code
        == 400
    )
    assert kept.store.count() == 0
    health = requests.get(f"{url}/healthz", timeout=5).json()
    assert (
        health["received"] == 5 and health["stored"] == 0 and sum(health["rejected"].values()) == 5
    )
    assert "hi" not in caplog.text and "not json" not in caplog.text  # reasons logged, never bodies


def test_a_signed_delivery_is_stored_once_however_often_it_is_replayed(
    receiver: tuple[Receiver, str], secret: str
) -> None:
    kept, url = receiver
    body = _payload(3)
    for _ in range(3):
        assert (
            requests.post(url, data=body, headers=_signed(secret, body), timeout=5).status_code
            == 200
        )
    assert kept.store.count() == 3
    health = requests.get(f"{url}/healthz", timeout=5).json()
    assert health["stored"] == 3 and health["duplicates"] == 6


def test_a_failing_store_answers_503_so_meta_delivers_again(
    receiver: tuple[Receiver, str], secret: str
) -> None:
    kept, url = receiver

    def broken(changes: object) -> int:
        raise OSError("disk full")

    real, kept.store.add = kept.store.add, broken  # type: ignore[method-assign]
    body = _payload()
    assert (
        requests.post(url, data=body, headers=_signed(secret, body), timeout=5).status_code == 503
    )
    kept.store.add = real  # type: ignore[method-assign]
    assert (
        requests.post(url, data=body, headers=_signed(secret, body), timeout=5).status_code == 200
    )
    assert kept.store.count() == 1


def _fb_client(demo: Demo) -> GraphClient:
    return GraphClient(GraphSettings.from_config({"access_token": demo.fb_token, "api_url": demo.base,
                                                  "ig_user_ids": [demo.acme]}))  # fmt: skip


def test_subscribe_runs_metas_handshake_and_1000_changes_replayed_are_stored_once(
    demo: Demo, receiver: tuple[Receiver, str], secret: str
) -> None:
    kept, url = receiver
    app = subscriptions.App(str(demo.apps["facebook"]["app_id"]), secret)
    lines = subscriptions.subscribe(_fb_client(demo), app, url, VERIFY)
    assert lines[0].startswith(
        f"app {app.app_id}: subscribed to comments, mentions, story_insights"
    )
    status = subscriptions.status(_fb_client(demo), app)
    assert f"account {demo.acme}: comments, mentions, story_insights" in status
    media = demo.ok(demo.get(f"/{demo.acme}/media", fields="id", limit=1))["data"][0]["id"]
    demo.control.add_media(media_id=media, comments=1000)
    # 1,000 comments, and the final insights of the demo's two expired stories: two deliveries
    assert demo.control.webhooks("POST", "/flush")["sent"] == 2
    assert demo.control.webhooks("POST", "/replay", {"times": 3})["replayed"] == 3
    comments = list(kept.store.events(fields=("comments",)))
    assert len(comments) == 1000 and len({e.object_id for e in comments}) == 1000
    assert kept.store.count() == 1002
    assert len(list(kept.store.events(fields=("story_insights",)))) == 2
    seqs = [e.seq for e in kept.store.events()]
    assert seqs == sorted(seqs) and len(set(seqs)) == 1002
    assert {e.account_id for e in comments} == {demo.acme}
    wrong = subscriptions.App(app.app_id, "not-the-secret")
    with pytest.raises(Exception, match="subscriptions"):
        subscriptions.subscribe(_fb_client(demo), wrong, url, VERIFY)
    assert subscriptions.unsubscribe(_fb_client(demo), app)[-1] == f"app {app.app_id}: unsubscribed"


def test_subscribe_fails_when_the_callback_refuses_the_handshake(
    demo: Demo, receiver: tuple[Receiver, str], secret: str
) -> None:
    _kept, url = receiver
    app = subscriptions.App(str(demo.apps["facebook"]["app_id"]), secret)
    with pytest.raises(Exception, match="callback verification failed"):
        subscriptions.subscribe(_fb_client(demo), app, url, "a-different-verify-token")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(store: Path, secret: str, port: int) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "instagram_webhooks.cli",
        "serve",
        "--port",
        str(port),
        "--store",
        str(store),
    ]
    env = {**os.environ, "INSTAGRAM_APP_SECRET": secret, "INSTAGRAM_WEBHOOK_VERIFY_TOKEN": VERIFY}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert f"listening on http://127.0.0.1:{port}" in line, line
    return proc


def test_a_receiver_killed_mid_delivery_loses_nothing_the_sandbox_retries(
    demo: Demo, secret: str, tmp_path: Path
) -> None:
    store_path, port = tmp_path / "events.sqlite", _free_port()
    proc = _serve(store_path, secret, port)
    url = f"http://127.0.0.1:{port}"
    demo.ok(demo.post(f"/{demo.acme}/subscribed_apps", subscribed_fields="comments"))
    assert demo.control.webhooks("POST", "", {"callback_url": url, "verify_token": VERIFY})[
        "verified"
    ]
    media = demo.ok(demo.get(f"/{demo.acme}/media", fields="id", limit=1))["data"][0]["id"]
    demo.control.add_media(media_id=media, comments=10_000)  # ten deliveries of 1,000
    reader = SqliteStore(store_path)

    def kill_after_the_first_delivery() -> None:
        while reader.count() < 1000:
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)

    killer = threading.Thread(target=kill_after_the_first_delivery)
    killer.start()
    first = demo.control.webhooks("POST", "/flush")
    killer.join(30)
    proc.wait(10)
    assert first["pending"] >= 1, first  # the deliveries after the kill failed: Meta keeps them
    proc = _serve(store_path, secret, port)  # back on the same URL
    try:
        second = demo.control.webhooks("POST", "/flush")
        assert second["pending"] == 0 and second["dropped"] == 0, second
        assert reader.count() == 10_000
        assert len({e.object_id for e in reader.events()}) == 10_000
    finally:
        proc.terminate()
        proc.wait(10)
        reader.close()


def test_store_urls_and_object_ids(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/x.sqlite")
    assert isinstance(store, SqliteStore) and store.path == tmp_path / "x.sqlite"
    with pytest.raises(ValueError, match="use a file path"):
        open_store("mysql://nope")
    payload = {"object": "instagram", "entry": [{"id": "1", "time": 5, "changes": [
        {"field": "mentions", "value": {"media_id": "9", "comment_id": "8"}},
        {"field": "mentions", "value": {"media_id": "9"}},
        {"field": "story_insights", "value": {"media_id": "7", "reach": 4}},
        {"field": "comments", "value": {"id": "6", "media": {"id": "9"}}}]}]}  # fmt: skip
    assert [c.object_id for c in changes_of(payload)] == ["8", "9", "7", "6"]
    store.close()
