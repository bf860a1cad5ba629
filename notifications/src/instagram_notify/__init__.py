"""Notifications of the connector's events: a durable outbox, signed deliveries, retries."""

from instagram_notify.events import Event, event_id
from instagram_notify.notifier import (
    SETTINGS_JSON_SCHEMA,
    Notifications,
    Notifier,
    NotifySettings,
    NotifySettingsError,
)

__all__ = [
    "SETTINGS_JSON_SCHEMA",
    "Event",
    "Notifications",
    "Notifier",
    "NotifySettings",
    "NotifySettingsError",
    "event_id",
]
