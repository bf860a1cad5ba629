"""The webhook store the tap reads (`webhook_store`): opened once per run, read by seq.

The receiver (`instagram-webhooks serve`) writes it; the tap only reads. Only the first of
`partition_count` workers emits its streams, so several workers do not send each event twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from instagram_graph.redaction import get_logger, redact
from instagram_webhooks.store import Event, Store, open_store

log = get_logger(__name__)


class WebhookSource:
    """The store of one run, or none (not configured, another worker's share, or unreadable)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        """Nothing is opened until a stream reads."""
        self.url = str(config.get("webhook_store") or "")
        self.first_share = int(config.get("partition_index") or 0) == 0
        only = config.get("ig_user_ids") or []
        self.accounts = {str(a) for a in only} if only else None
        self._store: Store | None = None
        self._by_account: dict[str, dict[str, list[Event]]] = {}
        self.failure: str | None = None

    @property
    def enabled(self) -> bool:
        """Whether the webhook streams read anything in this run."""
        return bool(self.url) and self.first_share

    def events(self, after: int, fields: tuple[str, ...] = ()) -> Iterator[Event]:
        """Events after `after` (of the configured accounts only, when `ig_user_ids` is set)."""
        store = self._open()
        if store is None:
            return
        for event in store.events(after, fields):
            if self.accounts is None or event.account_id in self.accounts:
                yield event

    def of_account(self, field: str, account_id: str) -> list[Event]:
        """One account's events of a field; the store is read once per run for every account."""
        if field not in self._by_account:
            grouped: dict[str, list[Event]] = {}
            for event in self.events(0, (field,)):
                grouped.setdefault(event.account_id, []).append(event)
            self._by_account[field] = grouped
        return self._by_account[field].get(account_id, [])

    def _open(self) -> Store | None:
        if self._store is None and self.failure is None and self.enabled:
            try:
                self._store = open_store(self.url)
            except Exception as exc:  # a bad URL, a database that is down: the streams skip
                self.failure = (
                    f"webhook_store unreadable ({type(exc).__name__}: {redact(str(exc))[:200]})"
                )
                log.warning("%s; the webhook streams are skipped this run", self.failure)
        return self._store

    def close(self) -> None:
        """Close the store."""
        if self._store is not None:
            self._store.close()
            self._store = None
