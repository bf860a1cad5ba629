"""The base stream: one partition per IG account, data read through the tap's shared Graph client."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.types import Context

from instagram_graph import BatchOperation, GraphClient
from instagram_graph.errors import PermissionDeniedError, SkippableError
from instagram_graph.scopes import SCOPES
from tap_instagram.fetch import AccountData

if TYPE_CHECKING:
    from tap_instagram.tap import TapInstagram

DAY = 86400


class InstagramStream(Stream):
    """A stream over every configured IG account (state is kept per account).

    Subclasses implement `read_records`. A partition the token cannot read (a missing
    permission, an account or edge that is gone) is skipped with one warning; the other streams
    and accounts still sync (graph-api.md §11).
    """

    scope = "basic"  # the kind of permission this stream's reads need (see scopes.SCOPES)

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The stream's records for one account."""
        raise NotImplementedError

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """`read_records`, with a refused or vanished partition skipped and reported.

        A partition the token was never granted (per `debug_token`) is skipped without a call.
        """
        account = str((context or {}).get("account_id"))
        scope = SCOPES[self.scope][self.graph.settings.login]
        try:
            denied = self.tap.denied(self.scope, account)
            if denied is not None:
                raise denied
            for record in self.read_records(context):
                self.tap.progress.record(self.name, account)
                yield record
        except (PermissionDeniedError, SkippableError) as exc:
            self.tap.skips.stream(self.name, account, exc, scope=scope)

    @property
    def tap(self) -> TapInstagram:
        """The tap that owns this stream."""
        return self._tap  # type: ignore[return-value]

    @property
    def graph(self) -> GraphClient:
        """The shared Graph client."""
        return self.tap.graph

    @property
    def partitions(self) -> list[dict[str, Any]] | None:
        """One partition per account."""
        return [{"account_id": account.id} for account in self.tap.accounts]

    def data(self, context: Context | None) -> AccountData:
        """The cached reads of the partition's account."""
        assert context is not None
        return self.tap.account_data(str(context["account_id"]))

    def now(self, context: Context | None) -> float:
        """Graph's time (learned from answers; the profile read teaches it when nothing has yet)."""
        if not self.graph.clock.observed:
            self.data(context).profile()
        return self.graph.clock.now()

    def start_seconds(self, context: Context | None, *, back_days: float = 0) -> float | None:
        """Where an incremental read starts: bookmark minus `back_days`, else `start_date`."""
        self.prime_state(context)
        bookmark = (
            self.get_starting_replication_key_value(context) if self.has_bookmark(context) else None
        )
        if bookmark:
            return _seconds(bookmark) - back_days * DAY
        start_date = self.config.get("start_date")
        return _seconds(start_date) if start_date else None

    def prime_state(self, context: Context | None) -> None:
        """Load this partition's starting value, so other streams can ask before this one syncs.

        The SDK sets it only when the stream starts syncing; insight operations of every stream
        are planned together, earlier. Called before this stream emits anything, it is idempotent.
        """
        if self.replication_key and self.get_starting_replication_key_value(context) is None:
            self._write_starting_replication_value(context)

    def has_bookmark(self, context: Context | None) -> bool:
        """True when a previous run left a bookmark for this partition (start_date does not count)."""
        if not self.replication_key:
            return False
        return self.get_context_state(context).get("replication_key_value") is not None

    def end_seconds(self) -> float | None:
        """`end_date` (exclusive) as Unix seconds."""
        end = self.config.get("end_date")
        return datetime.fromisoformat(str(end)).replace(tzinfo=UTC).timestamp() if end else None


class InsightStream(InstagramStream):
    """An insights stream: contributes batch operations to the account's one insights batch."""

    scope = "insights"

    def build_operations(self, data: AccountData) -> list[BatchOperation]:
        """The operations this stream needs for `data`'s account."""
        raise NotImplementedError

    def insight_results(self, context: Context | None) -> Iterable[Any]:
        """Results of this stream from the account's insights batch (run on first use)."""
        data = self.data(context)
        if data.insights is None:
            builders = {
                stream.name: stream.build_operations
                for stream in self.tap.streams.values()
                if isinstance(stream, InsightStream) and stream.selected
            }
            builders.setdefault(self.name, self.build_operations)
            data.run_insights(builders)
        assert data.insights is not None
        return data.insights.get(self.name, [])


def _seconds(value: object) -> float:
    """A date or date-time (naive means UTC) as Unix seconds."""
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
