"""Webhook sender: `hub.*` handshake, signed batched deliveries, retries and duplicates (§8)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import requests

from instagram_sandbox.state.backend import GraphBackend
from instagram_sandbox.state.webhook_changes import expire_stories

MAX_CHANGES_PER_DELIVERY = 1000
MAX_ATTEMPTS = 5


@dataclass
class _Delivery:
    payload: bytes
    attempts: int = 0
    statuses: list[int | str] = field(default_factory=list)


class WebhookSender:
    """Sends queued changes to one callback URL, signed with the Facebook app secret."""

    def __init__(self, backend: GraphBackend) -> None:
        """Nothing is sent until `configure` verified a callback."""
        self.backend = backend
        self.reset()

    def reset(self) -> None:
        """Forget the callback and every delivery."""
        self.callback_url: str | None = None
        self.verify_token = ""
        self.fields: list[str] = []
        self.pending: list[_Delivery] = []
        self.delivered: list[_Delivery] = []
        self.dropped: list[_Delivery] = []

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        """Verify the callback with the `hub.*` handshake; keep it only if it echoes the challenge."""
        url, verify_token = body.get("callback_url"), body.get("verify_token", "")
        if not url:
            raise ValueError("'callback_url' is required")
        challenge = str(secrets.randbelow(10**10))
        params = {
            "hub.mode": "subscribe",
            "hub.challenge": challenge,
            "hub.verify_token": verify_token,
        }
        answer = requests.get(url, params=params, timeout=10)
        verified = answer.status_code == 200 and answer.text.strip() == challenge
        if verified:
            self.callback_url, self.verify_token = url, verify_token
        return {"verified": verified, "status": answer.status_code}

    def subscription(self, method: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """`/{app-id}/subscriptions` of the Facebook app (app token checked by the caller)."""
        if method == "GET":
            data = [] if self.callback_url is None else [{
                "object": "instagram", "callback_url": self.callback_url, "active": True,
                "fields": [{"name": f, "version": "v25.0"} for f in self.fields]}]  # fmt: skip
            return 200, {"data": data}
        if method == "DELETE":
            self.callback_url, self.fields = None, []
            return 200, {"success": True}
        if params.get("object") != "instagram" or not params.get("callback_url"):
            return 400, {"error": {"message": "(#100) object=instagram and callback_url are required",
                                   "type": "OAuthException", "code": 100}}  # fmt: skip
        checked = self.configure({"callback_url": params["callback_url"],
                                  "verify_token": params.get("verify_token", "")})  # fmt: skip
        if not checked["verified"]:
            return 400, {"error": {"message": "(#2200) callback verification failed: the callback did "
                                   "not echo hub.challenge", "type": "OAuthException", "code": 2200}}  # fmt: skip
        self.fields = [f for f in params.get("fields", "").split(",") if f]
        return 200, {"success": True}

    def flush(self) -> dict[str, Any]:
        """Batch queued changes into deliveries, send them and retry failed ones once at once."""
        with self.backend.lock:
            expire_stories(self.backend)
            changes, self.backend.changes = self.backend.changes, []
        if self.callback_url is None:
            return {"sent": 0, "pending": len(changes), "error": "no verified callback"}
        for start in range(0, len(changes), MAX_CHANGES_PER_DELIVERY):
            self.pending.append(
                _Delivery(self._payload(changes[start : start + MAX_CHANGES_PER_DELIVERY]))
            )
        sent = 0
        still: list[_Delivery] = []
        for delivery in self.pending:
            ok = self._send(delivery) or self._send(
                delivery
            )  # failed deliveries retried immediately
            if ok:
                self.delivered.append(delivery)
                sent += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                self.dropped.append(delivery)
            else:
                still.append(delivery)
        self.pending = still
        return {"sent": sent, "pending": len(self.pending), "dropped": len(self.dropped)}

    def replay(self, times: int = 1) -> dict[str, Any]:
        """Send the last delivered payload again: receivers must dedupe (§8)."""
        if not self.delivered or self.callback_url is None:
            return {"replayed": 0}
        last = self.delivered[-1]
        replayed = sum(1 for _ in range(times) if self._send(_Delivery(last.payload)))
        return {"replayed": replayed}

    def describe(self) -> dict[str, Any]:
        """Deliveries so far, for tests."""
        return {
            "callback_url": self.callback_url,
            "delivered": [json.loads(d.payload) for d in self.delivered],
            "pending": len(self.pending),
            "dropped": len(self.dropped),
        }

    def _payload(self, changes: list[dict[str, Any]]) -> bytes:
        entries: dict[tuple[str, int], dict[str, Any]] = {}  # one entry per account and time
        for change in changes:
            entry = entries.setdefault(
                (change["account_id"], change["time"]),
                {"id": change["account_id"], "time": change["time"], "changes": []},
            )
            entry["changes"].append({"field": change["field"], "value": change["value"]})
        return json.dumps(
            {"object": "instagram", "entry": list(entries.values())}, separators=(",", ":")
        ).encode()

    def _send(self, delivery: _Delivery) -> bool:
        secret = self.backend.world.fb_app.secret.encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": "sha256="
            + hmac.new(secret, delivery.payload, hashlib.sha256).hexdigest(),
            "X-Hub-Signature": "sha1="
            + hmac.new(secret, delivery.payload, hashlib.sha1).hexdigest(),
        }
        delivery.attempts += 1
        assert self.callback_url is not None
        try:
            answer = requests.post(
                self.callback_url, data=delivery.payload, headers=headers, timeout=10
            )
        except requests.RequestException as exc:
            delivery.statuses.append(type(exc).__name__)
            return False
        delivery.statuses.append(answer.status_code)
        return answer.status_code == 200
