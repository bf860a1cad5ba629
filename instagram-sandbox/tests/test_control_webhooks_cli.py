"""Control API, webhook sender, command line and concurrent clients."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from instagram_sandbox.server import running_sandbox
from instagram_sandbox.testing import Demo, served_demo


def test_stats_by_path_status_and_reset(demo: Demo) -> None:
    demo.control.reset_stats()
    demo.get(f"/{demo.acme}/media")
    demo.get("/123456789")
    stats = demo.control.stats()
    assert stats["requests_total"] == 2
    assert stats["requests_by_path"] == {"GET /{ig-user-id}/media": 1, "GET /{unknown-id}": 1}
    assert stats["requests_by_status"] == {"200": 1, "400": 1}
    demo.control.reset_stats()
    assert demo.control.stats()["requests_total"] == 0


def test_reset_reloads_the_scenario_and_clock(demo: Demo) -> None:
    start = demo.control.now()
    demo.control.add_media(account_id=demo.acme, count=3, comments_per_media=2)
    demo.control.advance(3600)
    assert len(demo.ok(demo.get(f"/{demo.acme}/media", limit=100))["data"]) == 63
    demo.control.reset()
    assert demo.control.now() == start
    assert len(demo.ok(demo.get(f"/{demo.acme}/media", limit=100))["data"]) == 60
    bad = requests.post(f"{demo.base}/__sandbox/quota", json={"account_id": "nope"}, timeout=5)
    assert bad.status_code == 400 and "account_id" in bad.json()["error"]


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[tuple[bytes, dict[str, str]]] = []
    fail = 0

    def do_GET(self) -> None:
        q = parse_qs(urlsplit(self.path).query)
        ok = q.get("hub.verify_token") == ["s3cret"]
        self.send_response(200 if ok else 403)
        self.end_headers()
        self.wfile.write(q["hub.challenge"][0].encode() if ok else b"")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Receiver.fail:
            _Receiver.fail -= 1
            self.send_response(500)
        else:
            _Receiver.bodies.append((body, dict(self.headers)))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_webhooks_handshake_signed_batches_retries_and_replays(demo: Demo) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    try:
        assert (
            demo.control.webhooks("POST", "", {"callback_url": url, "verify_token": "wrong"})[
                "verified"
            ]
            is False
        )
        assert (
            demo.control.webhooks("POST", "", {"callback_url": url, "verify_token": "s3cret"})[
                "verified"
            ]
            is True
        )
        demo.ok(
            demo.post(f"/{demo.acme}/subscribed_apps", subscribed_fields="comments,story_insights")
        )
        media = demo.ok(demo.get(f"/{demo.acme}/media", limit=1))["data"][0]["id"]
        demo.ok(demo.post(f"/{media}/comments", message="one"))
        demo.control.add_media(media_id=media, comments=2)
        _Receiver.fail = 2
        assert (
            demo.control.webhooks("POST", "/flush")["pending"] == 1
        )  # failed twice (immediate retry)
        assert demo.control.webhooks("POST", "/flush")["sent"] == 1  # retried on the next round
        body, headers = _Receiver.bodies[-1]
        secret = demo.apps["facebook"]["app_secret"].encode()
        assert (
            headers["X-Hub-Signature-256"]
            == "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        )
        payload = json.loads(body)
        fields = [c["field"] for e in payload["entry"] for c in e["changes"]]
        assert payload["object"] == "instagram"
        assert (
            fields.count("comments") == 3 and fields.count("story_insights") == 2
        )  # two stories already expired
        # one entry per time: each expired story's insights carry the time it expired
        assert len({(e["id"], e["time"]) for e in payload["entry"]}) == len(payload["entry"]) >= 3
        assert demo.control.webhooks("POST", "/replay", {"times": 2})["replayed"] == 2
        assert [b for b, _ in _Receiver.bodies[-3:]] == [body, body, body]
        demo.control.advance(86400)
        demo.control.webhooks("POST", "/flush")
        story = [c for e in json.loads(_Receiver.bodies[-1][0])["entry"] for c in e["changes"]]
        assert {c["field"] for c in story} == {"story_insights"} and len(story) == 3
    finally:
        receiver.shutdown()


def test_cli_serves_demo_and_prints_tokens() -> None:
    with served_demo() as served:
        answer = requests.get(
            f"{served.base_url}/v25.0/me/accounts",
            headers={"Authorization": f"Bearer {served.access_token}"},
            timeout=10,
        )
        assert len(answer.json()["data"]) == 3


def test_concurrent_clients_and_latency() -> None:
    with running_sandbox("demo", 1, latency_ms=200) as server:
        row = server.client().tokens()["accounts"][0]
        url = f"{server.base_url}/v25.0/{row['account_id']}/media"
        results: list[int] = []

        def worker() -> None:
            results.append(
                requests.get(
                    url, headers={"Authorization": f"Bearer {row['access_token']}"}, timeout=10
                ).status_code
            )

        threads = [threading.Thread(target=worker) for _ in range(8)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 8
        assert time.monotonic() - started >= 0.2  # every answer waited the configured latency
