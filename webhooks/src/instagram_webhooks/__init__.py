"""Instagram webhooks in: a receiver that stores every change durably, and the store the tap reads."""

from instagram_webhooks.store import Event, Store, open_store

__all__ = ["Event", "Store", "open_store"]
