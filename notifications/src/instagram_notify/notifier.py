"""Announcing events to webhook receivers: the outbox, the signature, the sending.

A delivery is an HTTP POST of the event's envelope (JSON), signed like Filestack's webhooks: the
header `Instagram-Connector-Signature` holds `sha256=` and the hex HMAC-SHA256, keyed by
`notification_secret`, of `TIMESTAMP.BODY`, with `TIMESTAMP` (Unix seconds) in
`Instagram-Connector-Timestamp`. Success is HTTP 200, 201 or 204; anything else, or no answer, is
retried on the schedule. The clock is injected: retries due later are sent by a later call.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from instagram_notify.events import Event
from instagram_notify.outbox import Delivery, Outbox

log = logging.getLogger("instagram_notify")

SIGNATURE_HEADER = "Instagram-Connector-Signature"
TIMESTAMP_HEADER = "Instagram-Connector-Timestamp"
SUCCESS = (200, 201, 204)
SCHEDULE = (
    300.0,
    3600.0,
    43200.0,
)  # retries 5 minutes, 1 hour and 12 hours after the first attempt
OUTBOX = ".instagram-notify/outbox.sqlite"


class NotifySettingsError(ValueError):
    """A notification setting is wrong: which one, what is wrong, and the fix."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        """Name the setting, the problem and the fix."""
        self.setting, self.problem, self.fix = setting, problem, fix
        super().__init__(f"Setting `{setting}`: {problem}. Fix: {fix}")


@dataclass(frozen=True)
class NotifySettings:
    """Where events go and how: receivers, secret, outbox, retry schedule."""

    urls: tuple[str, ...]
    secret: str | None = field(default=None, repr=False)
    outbox: Path = Path(OUTBOX)
    schedule: tuple[float, ...] = SCHEDULE
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NotifySettings | None:
        """The settings of a tap or target config; None when no `notification_urls` are set."""
        urls = config.get("notification_urls") or []
        if isinstance(urls, str):
            urls = [u.strip() for u in urls.split(",") if u.strip()]
        if not urls:
            return None
        if not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls):
            raise NotifySettingsError("notification_urls", "each receiver must be an http(s) URL",
                                      "list URLs such as https://hooks.example.com/instagram")  # fmt: skip
        schedule = config.get("notification_retry_schedule_seconds") or list(SCHEDULE)
        if not isinstance(schedule, list) or not all(
            isinstance(s, int | float) and s >= 0 for s in schedule
        ):
            raise NotifySettingsError("notification_retry_schedule_seconds", f"{schedule!r} is not a "
                                      "list of seconds", "write the retries' offsets from the first "
                                      "attempt, e.g. [300, 3600, 43200]")  # fmt: skip
        return cls(tuple(urls), config.get("notification_secret") or None,
                   Path(config.get("notification_outbox") or OUTBOX), tuple(float(s) for s in schedule))  # fmt: skip


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of `TIMESTAMP.BODY`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Notifier:
    """Events into the outbox, due deliveries out to their receivers."""

    def __init__(
        self, settings: NotifySettings, *, clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
    ) -> None:  # fmt: skip
        """Open the outbox; `clock` decides what is due (inject one in tests)."""
        self.settings, self.clock = settings, clock
        self.outbox = Outbox(settings.outbox)
        self.session = session or requests.Session()

    def announce(self, action: str, subject: str, text: Mapping[str, Any]) -> bool:
        """Keep an event for every receiver (False when it was announced before)."""
        now = self.clock()
        event = Event(action, subject, int(now), dict(text))
        return self.outbox.add(event, self.settings.urls, now)

    def deliver_due(self) -> dict[str, int]:
        """Send every delivery due now, once each; how many ended in each state."""
        done: dict[str, int] = {}
        for delivery in self.outbox.lease_due(self.clock()):
            state = self._send(delivery)
            done[state] = done.get(state, 0) + 1
        return done

    def _send(self, delivery: Delivery) -> str:
        now = self.clock()
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(int(now))}
        if self.settings.secret:
            headers[SIGNATURE_HEADER] = signature(self.settings.secret, int(now), delivery.body)
        try:
            answer = self.session.post(delivery.url, data=delivery.body, headers=headers,
                                       timeout=self.settings.timeout)  # fmt: skip
            ok, status = answer.status_code in SUCCESS, str(answer.status_code)
        except requests.RequestException as exc:
            ok, status = False, type(exc).__name__
        state = self.outbox.settle(
            delivery, ok=ok, status=status, now=now, schedule=self.settings.schedule
        )
        if state == "undelivered":
            log.warning("notification %s to %s undelivered after %d attempts (last: %s)",
                        delivery.event_id, _host(delivery.url), delivery.attempts + 1, status)  # fmt: skip
        return state


class Notifications:
    """A run's notifications: events announced from any thread, what is due delivered when asked.

    The notifier (and its outbox file) is opened on first use: a run that announces nothing makes
    no file.
    """

    def __init__(self, settings: NotifySettings, *, clock: Callable[[], float] = time.time) -> None:
        """Nothing is opened yet."""
        self.settings, self.clock = settings, clock
        self._notifier: Notifier | None = None
        self._lock = threading.Lock()
        self.announced = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Notifications | None:
        """None when no `notification_urls` are set; a bad setting raises `NotifySettingsError`."""
        settings = NotifySettings.from_config(config)
        return cls(settings) if settings else None

    @property
    def notifier(self) -> Notifier:
        """The notifier (its outbox opened now)."""
        with self._lock:
            if self._notifier is None:
                self._notifier = Notifier(self.settings, clock=self.clock)
            return self._notifier

    def announce(self, action: str, subject: str, text: Mapping[str, Any]) -> None:
        """Keep an event (once, however often it is announced)."""
        if self.notifier.announce(action, subject, text):
            with self._lock:
                self.announced += 1

    def deliver(self) -> dict[str, int]:
        """Send what is due; log and return what happened."""
        done = self.notifier.deliver_due()
        if done:
            log.info(
                "notifications: %s", ", ".join(f"{n} {state}" for state, n in sorted(done.items()))
            )
        return done


def _host(url: str) -> str:
    """A receiver URL without its path and query (which may hold a key)."""
    return url.split("/", 3)[2] if "://" in url else url


# The settings as JSON Schema properties, for a Singer plugin's config schema.
SETTINGS_JSON_SCHEMA: dict[str, dict[str, Any]] = {
    "notification_urls": {"type": ["array", "null"], "items": {"type": "string"},
                          "description": "Webhook receivers of the events (media files stored and converted, posts published and deleted): Filestack's envelope {id, action, timestamp, text}, signed."},
    "notification_secret": {"type": ["string", "null"], "secret": True, "writeOnly": True,
                            "description": "Key of the HMAC-SHA256 signature (header Instagram-Connector-Signature, over TIMESTAMP.BODY)."},
    "notification_outbox": {"type": ["string", "null"], "default": OUTBOX,
                            "description": "The SQLite outbox that keeps events until delivered (retries due later go with a later run, or `instagram-notify deliver`)."},
    "notification_retry_schedule_seconds": {"type": ["array", "null"], "items": {"type": "number"},
                                            "default": list(SCHEDULE),
                                            "description": "Retries of a failed delivery, in seconds after the first attempt; then it is recorded as undelivered."},
}  # fmt: skip
