"""Notifications to a real local HTTP receiver that fails on purpose, on an injected clock."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from instagram_notify import Notifier, NotifySettings
from instagram_notify.notifier import SIGNATURE_HEADER, TIMESTAMP_HEADER, NotifySettingsError
from instagram_notify.testing import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


def ids(receiver: Receiver) -> list[str]:
    return [e["id"] for e in receiver.envelopes()]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def notifier(receiver: Receiver, tmp_path: Path, clock: Clock, **settings: Any) -> Notifier:
    config = {"notification_urls": [receiver.url], "notification_secret": "shh",
              "notification_outbox": str(tmp_path / "notify" / "outbox.sqlite"), **settings}  # fmt: skip
    found = NotifySettings.from_config(config)
    assert found is not None
    return Notifier(found, clock=clock)


def test_an_event_is_signed_delivered_once_and_never_again(
    receiver: Receiver, tmp_path: Path
) -> None:
    clock = Clock()
    send = notifier(receiver, tmp_path, clock)
    assert send.announce("media_file.stored", "s3://b/k.jpg", {"key": "k.jpg", "size": 3})
    assert send.deliver_due() == {"delivered": 1}
    headers, body = receiver.got[0]
    envelope = json.loads(body)
    assert envelope["action"] == "media_file.stored" and envelope["text"] == {
        "key": "k.jpg",
        "size": 3,
    }
    assert envelope["timestamp"] == int(clock.now)
    stamp = headers[TIMESTAMP_HEADER]
    expected = hmac.new(b"shh", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    assert not send.announce("media_file.stored", "s3://b/k.jpg", {"key": "k.jpg", "size": 3})
    clock.now += 86400
    assert send.deliver_due() == {} and len(receiver.got) == 1  # a 2xx is never sent again
    assert (tmp_path / "notify" / "outbox.sqlite").stat().st_mode & 0o777 == 0o600


def test_a_receiver_down_twice_gets_the_event_at_the_third_attempt_with_the_same_id(
    receiver: Receiver, tmp_path: Path
) -> None:
    clock, first = Clock(), Clock().now
    send = notifier(receiver, tmp_path, clock)
    receiver.failures = 2
    send.announce("media.published", "17890001", {"media_id": "17890001"})
    assert send.deliver_due() == {"pending": 1}  # at once: 503
    clock.now = first + 299
    assert send.deliver_due() == {}  # not due before 5 minutes
    clock.now = first + 300
    assert send.deliver_due() == {"pending": 1}  # 5 minutes after the first: 503 again
    clock.now = first + 3599
    assert send.deliver_due() == {}
    later = notifier(receiver, tmp_path, clock)  # another process: the outbox kept the retry
    clock.now = first + 3600
    assert later.deliver_due() == {"delivered": 1}  # 1 hour after the first
    assert len(set(ids(receiver))) == 1 and len(ids(receiver)) == 3


def test_after_the_last_retry_a_delivery_is_undelivered(receiver: Receiver, tmp_path: Path) -> None:
    clock, first = Clock(), Clock().now
    send = notifier(
        receiver, tmp_path, clock, notification_retry_schedule_seconds=[300, 3600, 43200]
    )
    receiver.failures = 99
    send.announce("media.deleted", "17890002", {"media_id": "17890002"})
    for offset in (0, 300, 3600, 43200):
        clock.now = first + offset
        send.deliver_due()
    assert len(receiver.got) == 4 and send.outbox.counts() == {"undelivered": 1}
    clock.now += 10 * 86400
    assert send.deliver_due() == {} and len(receiver.got) == 4


def test_two_processes_on_one_outbox_do_not_send_a_delivery_twice(
    receiver: Receiver, tmp_path: Path
) -> None:
    clock = Clock()
    one, two = notifier(receiver, tmp_path, clock), notifier(receiver, tmp_path, clock)
    one.announce("media_file.stored", "a", {})
    leased = one.outbox.lease_due(clock())
    assert len(leased) == 1 and two.outbox.lease_due(clock()) == []


def test_the_command_sends_what_is_due_from_the_outbox(receiver: Receiver, tmp_path: Path) -> None:
    clock = Clock()
    clock.now = time.time() - 400  # a first attempt more than 5 minutes ago, in real time
    send = notifier(receiver, tmp_path, clock)
    receiver.failures = 1
    send.announce("media_file.converted", "b", {"rendition": "square"})
    assert send.deliver_due() == {"pending": 1}
    outbox = str(tmp_path / "notify" / "outbox.sqlite")
    done = subprocess.run([sys.executable, "-m", "instagram_notify.cli", "deliver", "--outbox", outbox,
                           "--secret", "shh"], capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(done.stdout) == {"delivered": 1} and len(receiver.got) == 2
    status = subprocess.run([sys.executable, "-m", "instagram_notify.cli", "status", "--outbox", outbox],
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(status.stdout) == {"delivered": 1}


def test_bad_settings_name_the_setting() -> None:
    assert NotifySettings.from_config({}) is None
    with pytest.raises(NotifySettingsError, match="notification_urls"):
        NotifySettings.from_config({"notification_urls": ["ftp://x"]})
    with pytest.raises(NotifySettingsError, match="notification_retry_schedule_seconds"):
        NotifySettings.from_config(
            {"notification_urls": "http://x", "notification_retry_schedule_seconds": "soon"}
        )
