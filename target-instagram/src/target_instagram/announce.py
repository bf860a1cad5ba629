"""Events of the target's writes: `media.published` and `media.deleted` (off without receivers).

An event is announced when its operation is recorded applied, once per operation: its subject is
the operation (`stream/op_id`), so a run that takes up an operation again announces the same
event, which the outbox keeps once. Deliveries go out at the end of the run (and retries on later
runs or from `instagram-notify deliver`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from instagram_graph.errors import SettingsError
from instagram_graph.redaction import get_logger
from instagram_notify import Notifications, NotifySettingsError
from target_instagram.operations import Job

log = get_logger(__name__)

ACTIONS = {"publish_media": "media.published", "publish_container": "media.published",
           "delete_media": "media.deleted"}  # fmt: skip


def notifications_of(config: Mapping[str, Any]) -> Notifications | None:
    """The run's notifications, or None; a bad setting is a `SettingsError`."""
    try:
        return Notifications.from_config(config)
    except NotifySettingsError as exc:
        raise SettingsError(exc.setting, exc.problem, exc.fix) from None


class Announcer:
    """Turns applied publish and delete operations into events."""

    def __init__(self, notifications: Notifications, account_of: Callable[[Job], str]) -> None:
        """Announce into `notifications`; `account_of` names a job's account."""
        self.notifications = notifications
        self.account_of = account_of

    def applied(self, job: Job, instagram_id: str | None) -> None:
        """Announce the event of an applied operation, if its kind has one."""
        entry = job.entry
        action = ACTIONS.get(entry.kind)
        if action is None:
            return
        p = entry.payload
        text: dict[str, Any] = {"op_id": entry.op_id, "stream": entry.stream,
                                "account_id": self.account_of(job), "media_id": instagram_id}  # fmt: skip
        if action == "media.published":
            text.update(media_type=p.get("media_type"), caption=p.get("caption"),
                        container_id=entry.progress.get("container_id"))  # fmt: skip
        else:
            text["media_id"] = p.get("media_id") or instagram_id
        try:
            self.notifications.announce(action, f"{entry.stream}/{entry.op_id}", text)
        except (OSError, sqlite3.Error) as exc:  # the write is done; only its event is lost
            log.warning("%s: %s event not kept (%s)", job.label, action, exc)

    def deliver(self) -> None:
        """Send what is due now; an unwritable outbox waits for the next run."""
        try:
            self.notifications.deliver()
        except (OSError, sqlite3.Error) as exc:
            log.warning("notifications not delivered now (%s); the next run sends them", exc)
