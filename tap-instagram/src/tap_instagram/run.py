"""One tap run's reads: the accounts, each account's data and insights plan, bookmarks, windows.

Streams ask the run, never each other: where an account's media window starts (from the `media`
bookmark), which streams are selected, what the token may read. Bookmarks are read from the Singer
state the tap was started with, in the state's own format.

An account's media listing and insights are read in the background, into spools on disk, as soon
as a stream first needs them; `max_concurrent_accounts` accounts are read ahead at a time, each
reading its media and its insights at once (Graph requests stay within `max_concurrent_requests`).
The streams, which the SDK syncs one after another, read those spools as they fill.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from instagram_graph import GraphClient, GraphSettings, IGAccount, Login
from instagram_graph.batch import MAX_BATCH
from instagram_graph.errors import ClientClosedError, PermissionDeniedError
from tap_instagram.connections import Connections
from tap_instagram.discovery import Discovery
from tap_instagram.fetch import AccountData
from tap_instagram.media_files import MediaFiles
from tap_instagram.plan import InsightPlan
from tap_instagram.progress import Progress
from tap_instagram.skips import Skips
from tap_instagram.spool import Spool
from tap_instagram.webhook_store import WebhookSource

DAY = 86400
PAGE_SIZE = 100  # items per page of media, stories and tags (the `page_size` default)
MEDIA_WINDOW_DAYS = 30  # the `media_insights_window_days` default
LOOKBACK_DAYS = 2  # the `insights_lookback_days` default
CONCURRENT_ACCOUNTS = 4  # the `max_concurrent_accounts` default
COMMENTS_MARGIN_DAYS = 15 / 1440  # comments are final when made; 15 minutes cover a run in progress
# The streams that read the media listing (media insights are planned from it).
MEDIA_STREAMS = ("media", "media_children", "comments", "media_insights", "media_files")


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
    scope: str  # the kind of permission its reads need

    @property
    def selected(self) -> bool:
        """Whether the catalog selects the stream."""

    def build_operations(self, data: AccountData) -> Iterable[Any]:
        """The stream's operations for one account."""


class Run:
    """Everything one run reads, read once and shared by the streams."""

    def __init__(
        self, settings: list[tuple[str, GraphSettings]], config: Mapping[str, Any], *,
        metrics: Mapping[Login, dict[str, tuple[str, ...]]],
        streams: Callable[[], Mapping[str, StreamView]], state: Callable[[], Mapping[str, Any]],
        files: MediaFiles | None = None,
    ) -> None:  # fmt: skip
        """Nothing is read until a stream asks. `files`: media files to copy (None: not asked)."""
        self.config, self._metrics, self.files = config, metrics, files
        self.skips = Skips()
        self.webhooks = WebhookSource(config)
        self.progress = Progress(self.request_counts)
        share = (int(config.get("partition_index") or 0), int(config.get("partition_count") or 1))
        self.connections = Connections(settings, self.progress.tick, share=share)
        self._streams, self._state = streams, state
        self._data: dict[str, AccountData] = {}
        self._plans: dict[str, InsightPlan] = {}
        self.page_size = int(config.get("page_size") or PAGE_SIZE)
        self.window_days = float(config.get("media_insights_window_days", MEDIA_WINDOW_DAYS))
        self.concurrent_accounts = int(config.get("max_concurrent_accounts") or CONCURRENT_ACCOUNTS)
        # One reader an account at a time (its insights plan reads beside it, see _read_account).
        self._readers = ThreadPoolExecutor(max_workers=self.concurrent_accounts,
                                           thread_name_prefix="account-read")  # fmt: skip
        self._media_since: dict[str, float | None] = {}
        self._starting = threading.RLock()

    def client_for(self, account_id: str) -> GraphClient:
        """The Graph client of the credential that reads `account_id`."""
        return self.connections.of(account_id).client

    def settings_for(self, account_id: str) -> GraphSettings:
        """The settings of the credential that reads `account_id`."""
        return self.connections.of(account_id).settings

    def metrics_for(self, account_id: str) -> dict[str, tuple[str, ...]]:
        """The metrics asked for, per insight family, for this account's login."""
        return self._metrics[self.settings_for(account_id).login]

    @cached_property
    def discovery(self) -> Discovery:
        """Hashtags and Business Discovery profiles (opt-in)."""
        return Discovery(self.client_for, self.config, self.skips)

    def request_counts(self) -> tuple[int, int]:
        """HTTP requests so far (token endpoints included) and Graph calls (a batch of n is n)."""
        return self.connections.counts()

    @property
    def accounts(self) -> list[IGAccount]:
        """The IG accounts this run reads (of every credential that could list its accounts)."""
        return self.connections.accounts

    def selected(self, stream: str) -> bool:
        """Whether the catalog selects `stream` (what is not selected is not read)."""
        found = self._streams().get(stream)
        return found is not None and found.selected

    def account_data(self, account_id: str) -> AccountData:
        """Data of one account (nothing is read until asked for, or started by `start_reads`)."""
        if account_id not in self._data:
            self._data[account_id] = AccountData(
                self.client_for(account_id), account_id, self.skips, page_size=self.page_size,
                comments_denied=self.denied("comments", account_id),
                comments=self.selected("comments"), children=self.selected("media_children")
                or (self.files is not None and "children" in self.files.kinds
                    and self.selected("media_files")),
                comments_since=self.comments_since(account_id),
            )  # fmt: skip
        return self._data[account_id]

    def start_reads(self, account_id: str) -> None:
        """Start the background reads of this account and of the next accounts, up to the bound.

        An account's reads are its media listing (when a stream that needs it is selected) and its
        insights plan; both write spools that the streams read as they fill.
        """
        order = [a.id for a in self.accounts]
        at = order.index(account_id) if account_id in order else 0
        with self._starting:  # never start an account twice, whichever thread asks
            for ahead in [account_id, *order[at + 1 : at + self.concurrent_accounts]]:
                if ahead not in self._plans:
                    self._start(ahead)

    def media(self, account_id: str) -> Spool:
        """The account's media of this run's window, newest first, read in the background."""
        self.start_reads(account_id)
        data = self.account_data(account_id)
        read = data.start_media(self.media_since(account_id))
        if read is not None:  # no stream that reads media is selected: asked directly
            self._readers.submit(read)
        return data.media()

    def _start(self, account_id: str) -> None:
        data = self.account_data(account_id)
        if self.connections.failure(account_id) is not None:
            self._plans[account_id] = self._plan(data, [])  # nothing to read: its streams skip
            return
        media = None
        if any(self.selected(name) for name in MEDIA_STREAMS):
            media = data.start_media(self.media_since(account_id))
        # A stream the token was never granted for this account costs no call (its stream skips).
        sources = [s for s in self._streams().values() if isinstance(s, PlansInsights)
                   and s.selected and self.denied(s.scope, account_id) is None]  # fmt: skip
        self._plans[account_id] = plan = self._plan(data, sources)
        self._readers.submit(_read_account, media, plan.read, self._small_reads(data))

    def _small_reads(self, data: AccountData) -> list[Callable[[], object]]:
        """The account's one-request reads its selected streams will ask for, read ahead."""
        account = data.account_id
        wanted = {
            "account_snapshots": data.profile,
            "stories": data.stories,
            "tags": lambda: data.tags(self.tags_since(account)),
            "content_publishing_limit": data.publishing_limit,
        }
        scopes = {"tags": "comments", "content_publishing_limit": "publish"}
        return [read for name, read in wanted.items() if self.selected(name)
                and self.denied(scopes.get(name, "basic"), account) is None]  # fmt: skip

    def tags_since(self, account_id: str) -> float | None:
        """Where the tags stream stops paging: its bookmark (None on a first sync: every page)."""
        if self.bookmark("tags", account_id) is None:
            return None
        return self.start_seconds("tags", account_id)

    def _plan(self, data: AccountData, sources: list[PlansInsights]) -> InsightPlan:
        """An insights plan over `sources`; streams whose operations grow with the media last.

        The account-level streams' few calls are then planned first, and ride along.
        """
        sources = sorted(sources, key=lambda s: bool(getattr(s, "lazy_operations", False)))
        builders = {s.name: _builder(s, data) for s in sources}
        per_fetch = MAX_BATCH * data.client.settings.max_concurrent_requests
        return InsightPlan(data.client, data.account_id, builders, per_fetch=per_fetch)

    def close(self) -> None:
        """Stop the background reads: their next request fails at once, no spool waits any more.

        The spools' files go with the process (they are unlinked from the start).
        """
        self.connections.close()
        self.webhooks.close()
        self._readers.shutdown(wait=False, cancel_futures=True)
        stopped = ClientClosedError("the run stopped before this account was read")
        for plan in self._plans.values():
            plan.stop(stopped)
        for data in self._data.values():
            data.stop(stopped)

    def denied(self, kind: str, account_id: str) -> PermissionDeniedError | None:
        """The refusal a read of `kind` for this account would get, known up front, else None."""
        conn = self.connections.of(account_id)
        if kind == "basic" or conn.grants is None:
            return None
        page = next((a.page_id for a in self.accounts if a.id == account_id), None)
        scope = conn.grants.missing(kind, conn.settings.login, [account_id, page])
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
        client = self.client_for(account_id)
        if not client.clock.observed:
            self.account_data(account_id).profile()
        return client.clock.now()

    def media_since(self, account_id: str) -> float | None:
        """Where this run's media read starts: the `media` bookmark, at the latest the window's.

        Media younger than the refresh window are re-read for their insights and comments (never
        from before start_date).
        """
        if account_id not in self._media_since:
            start = self.start_seconds("media", account_id)
            if start is not None and self.bookmark("media", account_id) is not None:
                start = min(start, self.now(account_id) - self.window_days * DAY)
                start_date = self.config.get("start_date")  # never before the user's start
                start = max(start, seconds(start_date)) if start_date else start
            self._media_since[account_id] = start
        return self._media_since[account_id]

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
        """The account's one insights plan over every selected insight stream.

        A stream that is not selected (asked directly) gets a plan of its own, read on the spot.
        """
        if not asking.selected:
            plan = self._plan(self.account_data(account_id), [asking])
            plan.read()
            return plan
        self.start_reads(account_id)
        return self._plans[account_id]


def _read_account(
    media: Callable[[], None] | None, insights: Callable[[], None],
    small: list[Callable[[], object]],
) -> None:  # fmt: skip
    """One account's reads: its media listing here, its insights plan and small reads beside it.

    The plan waits for the media it plans from; each failure ends where its streams read it (the
    spools, or the small read's answer, kept for the stream that asks).
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="account-beside") as beside:
        planned = beside.submit(insights)
        beside.submit(_each, small)
        try:
            if media is not None:
                media()
        finally:
            planned.result()


def _each(reads: list[Callable[[], object]]) -> None:
    """Each read in turn; a failure is kept by the read itself for its stream (`Once`)."""
    for read in reads:
        with contextlib.suppress(Exception):
            read()


def _builder(stream: PlansInsights, data: AccountData) -> Callable[[], Iterable[Any]]:
    return lambda: stream.build_operations(data)


def seconds(value: object) -> float:
    """A date or date-time (naive means UTC) as Unix seconds."""
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def run_of(tap: object) -> Run:
    """The tap's run (its `run` attribute), typed for the streams."""
    run = getattr(tap, "run")  # noqa: B009 - the tap's attribute, typed here
    assert isinstance(run, Run)
    return run
