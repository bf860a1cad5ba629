"""The run's notifications (off unless `notification_urls` is set).

Setting errors come in the tap's own form: one line naming the setting and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instagram_graph.errors import SettingsError
from instagram_notify import Notifications, NotifySettingsError

__all__ = ["Notifications", "notifications_of"]


def notifications_of(config: Mapping[str, Any]) -> Notifications | None:
    """The run's notifications, or None; a bad setting is a `SettingsError`."""
    try:
        return Notifications.from_config(config)
    except NotifySettingsError as exc:
        raise SettingsError(exc.setting, exc.problem, exc.fix) from None
