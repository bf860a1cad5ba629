"""The base stream: one partition per IG account; reads go through the run (`run.Run`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context

from instagram_graph import BatchOperation, BatchResult
from instagram_graph.errors import GraphError, PermissionDeniedError, SkippableError
from instagram_graph.scopes import SCOPES
from tap_instagram.fetch import AccountData
from tap_instagram.run import DAY, Run, run_of

__all__ = ["DAY", "InsightStream", "InstagramStream"]


class InstagramStream(Stream):
    """A stream over every configured IG account (state is kept per account).

    Subclasses implement `read_records`. A partition the token cannot read (a missing
    permission, an account or edge that is gone) is skipped with one warning; the other streams
    and accounts still sync (graph-api.md §11).
    """

    scope = "basic"  # the kind of permission this stream's reads need (see scopes.SCOPES)
    # Records are built to their schema here (strings for dates, numbers as Graph gives them), so
    # the SDK's per-value conformance pass would change nothing and cost a third of its time per
    # record (test_records_already_conform checks every stream's records against it).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The stream's records for one account."""
        raise NotImplementedError

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """`read_records`, with a refused or vanished partition skipped and reported.

        A partition the token was never granted (per `debug_token`) is skipped without a call.
        """
        if not context:  # no account to read (an empty share): the SDK asks once without one
            return
        account = str(context.get("account_id"))
        scope = SCOPES[self.scope][self.run.settings_for(account).login]
        try:
            failed = self.run.connections.failure(account)
            if (
                failed is not None
            ):  # its credential died, or the account failed in an earlier stream
                raise failed
            denied = self.run.denied(self.scope, account)
            if denied is not None:
                raise denied
            for record in self.read_records(context):
                self.run.progress.record(self.name, account)
                yield record
        except (PermissionDeniedError, SkippableError) as exc:
            self.run.skips.stream(self.name, account, exc, scope=scope)
        except GraphError as exc:
            # One account or credential that fails costs its own streams while others go on.
            if exc is not self.run.connections.failure(
                account
            ) and not self.run.connections.isolate(account, exc):
                raise
            self.run.skips.stream(self.name, account, exc, scope=scope)

    @property
    def run(self) -> Run:
        """The run's reads, shared by every stream."""
        return run_of(self._tap)

    @property
    def partitions(self) -> list[dict[str, Any]] | None:
        """One partition per account."""
        return [{"account_id": account.id} for account in self.run.accounts]

    def data(self, context: Context | None) -> AccountData:
        """The cached reads of the partition's account."""
        return self.run.account_data(account_of(context))

    def now(self, context: Context | None) -> float:
        """Graph's time (learned from answers)."""
        return self.run.now(account_of(context))

    def start_seconds(self, context: Context | None, *, back_days: float = 0) -> float | None:
        """Where an incremental read starts: bookmark minus `back_days`, else `start_date`."""
        return self.run.start_seconds(self.name, account_of(context), back_days=back_days)

    def has_bookmark(self, context: Context | None) -> bool:
        """True when a previous run left a bookmark for this partition (start_date does not count)."""
        return (
            bool(self.replication_key)
            and self.run.bookmark(self.name, account_of(context)) is not None
        )

    def end_seconds(self) -> float | None:
        """`end_date` (exclusive) as Unix seconds."""
        return self.run.end_seconds()


class InsightStream(InstagramStream):
    """An insights stream: contributes batch operations to the account's one insights plan."""

    scope = "insights"
    lazy_operations = False  # True where the operations grow with the media (drawn last)

    def build_operations(self, data: AccountData) -> Iterable[BatchOperation]:
        """The operations this stream needs for `data`'s account."""
        raise NotImplementedError

    def insight_results(self, context: Context | None) -> Iterator[BatchResult]:
        """Results of this stream's operations, sent with the other insight streams' as asked."""
        return self.run.insight_plan(account_of(context), self).results(self.name)


def account_of(context: Context | None) -> str:
    """The partition's account id."""
    assert context is not None
    return str(context["account_id"])
