"""One tap run's reads: the accounts, each account's data and insights plan, bookmarks, windows.

Streams ask the run, never each other: where an account's media window starts (from the `media`
bookmark), which streams are selected, what the token may read. Bookmarks are read from the Singer
state the tap was started with, in the state's own format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from instagram_graph import GraphClient, GraphSettings, IGAccount, Login, resolve_accounts
from instagram_graph.batch import MAX_BATCH
from instagram_graph.errors import PermissionDeniedError
from instagram_graph.scopes import Grants
from tap_instagram.discovery import Discovery
from tap_instagram.fetch import AccountData
from tap_instagram.plan import InsightPlan
from tap_instagram.progress import Progress
from tap_instagram.skips import Skips

DAY = 86400
PAGE_SIZE = 100  # items per page of media, stories and tags (the `page_size` default)
MEDIA_WINDOW_DAYS = 30  # the `media_insights_window_days` default
LOOKBACK_DAYS = 2  # the `insights_lookback_days` default
COMMENTS_MARGIN_DAYS = 15 / 1440  # comments are final when made; 15 minutes cover a run in progress


class StreamView(Protocol):
    """What the run needs to know of a stream."""

    name: str

    @property
    def selected(self) -> bool:
        """Whether the catalog selects the stream."""


@runtime_checkable
class PlansInsights(Protocol):
    """A stream whose reads are insights operations in the account's shared batches."""

    name: str

    @property
    def selected(self) -> bool:
        """Whether the catalog selects the stream."""

    def build_operations(self, data: AccountData) -> Iterable[Any]:
        """The stream's operations for one account."""


class Run:
    """Everything one run reads, read once and shared by the streams."""

    def __init__(
        self, settings: GraphSettings, config: Mapping[str, Any], *,
        metrics: dict[str, tuple[str, ...]], streams: Callable[[], Mapping[str, StreamView]], state: Callable[[], Mapping[str, Any]],
    ) -> None:  # fmt: skip
        """Nothing is read until a stream asks."""
        self.settings, self.config, self.metrics = settings, config, metrics
        self.skips = Skips()
        self.progress = Progress(self.request_counts)
        self._streams, self._state = streams, state
        self._data: dict[str, AccountData] = {}
        self._plans: dict[str, InsightPlan] = {}
        self.page_size = int(config.get("page_size") or PAGE_SIZE)
        self.window_days = float(config.get("media_insights_window_days", MEDIA_WINDOW_DAYS))

    @cached_property
    def graph(self) -> GraphClient:
        """The one Graph client of this run; every answer may log progress."""
        client = GraphClient(self.settings)
        client.observers.append(self.progress.tick)
        return client

    @cached_property
    def discovery(self) -> Discovery:
        """Hashtags and Business Discovery profiles (opt-in)."""
        return Discovery(self.graph, self.config, self.skips)

    def request_counts(self) -> tuple[int, int]:
        """HTTP requests so far (token endpoints included) and Graph calls (a batch of n is n)."""
        token_calls = self.graph.auth.exchanger.calls
        return self.graph.calls + token_calls, self.graph.graph_calls + token_calls

    @cached_property
    def accounts(self) -> list[IGAccount]:
        """The IG accounts this run reads."""
        return resolve_accounts(self.graph)

    def selected(self, stream: str) -> bool:
        """Whether the catalog selects `stream` (what is not selected is not read)."""
        found = self._streams().get(stream)
        return found is not None and found.selected

    def account_data(self, account_id: str) -> AccountData:
        """Cached reads of one account."""
        if account_id not in self._data:
            self._data[account_id] = AccountData(
                self.graph, account_id, self.skips, page_size=self.page_size,
                comments_denied=self.denied("comments", account_id),
                comments=self.selected("comments"), children=self.selected("media_children"),
                comments_since=self.comments_since(account_id),
            )  # fmt: skip
        return self._data[account_id]

    @cached_property
    def grants(self) -> Grants | None:
        """The token's scopes per `debug_token`, asked once (None: unknown, learn per endpoint)."""
        if self.settings.login is not Login.FACEBOOK:
            return None
        return Grants.from_debug(self.graph.auth.token_info())

    def denied(self, kind: str, account_id: str) -> PermissionDeniedError | None:
        """The refusal a read of `kind` for this account would get, known up front, else None."""
        if kind == "basic" or self.grants is None:
            return None
        page = next((a.page_id for a in self.accounts if a.id == account_id), None)
        scope = self.grants.missing(kind, self.settings.login, [account_id, page])
        if scope is None:
            return None
        return PermissionDeniedError(
            f"the token was not granted {scope} for this account (per debug_token)",
            request=f"{account_id}", advice=f"re-authorise with the {scope} scope",
        )  # fmt: skip

    # ---- bookmarks and windows ------------------------------------------------------------------

    def bookmark(self, stream: str, account_id: str) -> Any:
        """The bookmark a previous run left for `stream` and this account, else None."""
        entry = (self._state().get("bookmarks") or {}).get(stream) or {}
        for partition in entry.get("partitions") or []:
            if partition.get("context") == {"account_id": account_id}:
                return partition.get("replication_key_value")
        return None

    def start_seconds(self, stream: str, account_id: str, *, back_days: float = 0) -> float | None:
        """Where an incremental read starts: the bookmark minus `back_days`, else start_date.

        The bookmark never counts before start_date; None means the stream's own default.
        """
        start_date = self.config.get("start_date")
        bookmark = self.bookmark(stream, account_id)
        if bookmark is None:
            return seconds(start_date) if start_date else None
        start = max(seconds(bookmark), seconds(start_date)) if start_date else seconds(bookmark)
        return start - back_days * DAY

    def now(self, account_id: str) -> float:
        """Graph's time (learned from answers; the profile read teaches it when nothing has yet)."""
        if not self.graph.clock.observed:
            self.account_data(account_id).profile()
        return self.graph.clock.now()

    def media_since(self, account_id: str) -> float | None:
        """Where this run's media read starts: the `media` bookmark, at the latest the window's.

        Media younger than the refresh window are re-read for their insights and comments.
        """
        data = self.account_data(account_id)
        if not data.media_since_known:
            start = self.start_seconds("media", account_id)
            if start is not None and self.bookmark("media", account_id) is not None:
                start = min(start, self.now(account_id) - self.window_days * DAY)
            data.media_since, data.media_since_known = start, True
        return data.media_since

    def comments_since(self, account_id: str) -> float | None:
        """How far back later comment pages are read: the comments bookmark, less a margin.

        None (every page) on a first sync, or when `refresh_all_comment_pages` is set.
        """
        if (
            self.config.get("refresh_all_comment_pages")
            or self.bookmark("comments", account_id) is None
        ):
            return None
        return self.start_seconds("comments", account_id, back_days=COMMENTS_MARGIN_DAYS)

    def end_seconds(self) -> float | None:
        """`end_date` (exclusive) as Unix seconds."""
        end = self.config.get("end_date")
        return seconds(end) if end else None

    # ---- insights -----------------------------------------------------------------------------

    def insight_plan(self, account_id: str, asking: PlansInsights) -> InsightPlan:
        """The account's one insights plan over every selected insight stream (and `asking`).

        Streams whose operations grow with the media (`lazy_operations`) are drawn last, so the
        account-level streams' few calls are planned first and their results wait, small.
        """
        if account_id not in self._plans:
            data = self.account_data(account_id)
            sources = [s for s in self._streams().values()
                       if isinstance(s, PlansInsights) and (s.selected or s is asking)]  # fmt: skip
            sources.sort(key=lambda s: bool(getattr(s, "lazy_operations", False)))
            builders = {s.name: _builder(s, data) for s in sources}
            per_fetch = MAX_BATCH * self.settings.max_concurrent_requests
            self._plans[account_id] = InsightPlan(self.graph, account_id, builders,
                                                  per_fetch=per_fetch)  # fmt: skip
        return self._plans[account_id]


def _builder(stream: PlansInsights, data: AccountData) -> Callable[[], Iterable[Any]]:
    return lambda: stream.build_operations(data)


def seconds(value: object) -> float:
    """A date or date-time (naive means UTC) as Unix seconds."""
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
