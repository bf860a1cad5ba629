"""tap-instagram: settings and the stream list; everything else lives in the streams and the client."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import CapabilitiesEnum, TapCapabilities

from instagram_graph import (
    SETTINGS_SCHEMA,
    GraphClient,
    GraphSettings,
    IGAccount,
    Login,
    resolve_accounts,
)
from instagram_graph.errors import GraphError, PermissionDeniedError, SkippableError
from instagram_graph.redaction import install as install_redaction
from instagram_graph.scopes import Grants
from tap_instagram.checks import check_config
from tap_instagram.fetch import AccountData
from tap_instagram.metrics import FAMILIES, resolve_metrics
from tap_instagram.progress import Progress, quiet_sdk_logs
from tap_instagram.skips import Skips
from tap_instagram.streams import (
    account_streams,
    comment_streams,
    discovery_streams,
    insight_streams,
    media_streams,
    story_streams,
)

TAP_SETTINGS = th.PropertiesList(
    th.Property("start_date", th.DateTimeType, description="Read data from this instant on (first sync). Default: 30 days of insights, all media."),
    th.Property("end_date", th.DateType, description="Read data before this date (exclusive)."),
    th.Property("insights_lookback_days", th.IntegerType, default=2,
                description="Account insights are re-read this many days before the bookmark (Meta's figures settle for up to 48 h)."),
    th.Property("media_insights_window_days", th.IntegerType, default=30,
                description="Media younger than this are re-read each run: their lifetime insights (as dated snapshots) and comments."),
    th.Property("preset_metric", th.ObjectType(*(th.Property(f, th.StringType, allowed_values=list(FAMILIES[f].presets)) for f in FAMILIES)),
                description="Preset per insight family (default `all`): " + "; ".join(f"{f}: {', '.join(FAMILIES[f].presets)}" for f in FAMILIES)),
    th.Property("metrics", th.ObjectType(*(th.Property(f, th.ArrayType(th.StringType)) for f in FAMILIES)),
                description="Explicit metric list per insight family; overrides preset_metric. Retired or wrong-family metrics are rejected at start-up."),
    th.Property("hashtags", th.ArrayType(th.StringType), description="Opt-in: hashtags to read (each new tag uses 1 of 30 per 7 days)."),
    th.Property("business_discovery_usernames", th.ArrayType(th.StringType), description="Opt-in: public business/creator usernames to read (Facebook Login only)."),
    th.Property("page_size", th.IntegerType, default=100, description="Items per page for media and tags."),
    th.Property("fail_on_skipped_streams", th.BooleanType, default=False,
                description="Exit non-zero when a stream was skipped for an account (a missing permission, a vanished object). By default such streams are skipped with a warning and the run succeeds."),
    th.Property("verbose_sdk_logs", th.BooleanType, default=False,
                description="Also log the SDK's per-batch METRIC lines and its 'Stream is assumed to be unsorted' warnings (off: progress lines every 10 s and a run summary instead)."),
)  # fmt: skip


# The order streams sync in. Accounts come first (they teach the client the server's clock).
# `media` comes after the streams whose media window its bookmark decides (children, comments,
# media insights): its bookmark is emitted only once they are done, so resuming from any STATE
# never skips their records.
STREAM_CLASSES: list[type[Stream]] = [
    account_streams.AccountsStream, account_streams.AccountSnapshotsStream,
    media_streams.MediaChildrenStream, comment_streams.CommentsStream,
    media_streams.MediaInsightsStream, media_streams.MediaStream,
    story_streams.StoriesStream, story_streams.StoryInsightsStream,
    insight_streams.AccountInsightsStream, insight_streams.AccountInsightsTotalsStream,
    insight_streams.AudienceDemographicsStream, insight_streams.OnlineFollowersStream,
    discovery_streams.TagsStream, discovery_streams.HashtagsStream, discovery_streams.HashtagMediaStream,
    discovery_streams.BusinessDiscoveryStream, discovery_streams.BusinessDiscoveryMediaStream,
    account_streams.ContentPublishingLimitStream,
]  # fmt: skip


class TapInstagram(Tap):
    """Singer tap for the Instagram Graph API."""

    name = "tap-instagram"
    package_name = (
        "instagram-connector-tap-instagram"  # the distribution, for --about and --version
    )
    capabilities: ClassVar[list[CapabilitiesEnum]] = [*Tap.capabilities, TapCapabilities.TEST]
    config_jsonschema = th.PropertiesList(
        *SETTINGS_SCHEMA.wrapped.values(), *TAP_SETTINGS.wrapped.values()
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Check settings and metrics before any stream runs."""
        install_redaction()
        super().__init__(*args, **kwargs)
        self.settings = GraphSettings.from_config(self.config)
        self.metrics = resolve_metrics(self.config, self.settings.api_version, self.settings.login)
        self.skips = Skips()
        self._data: dict[str, AccountData] = {}
        self._hashtags: dict[str, list[dict[str, str]]] = {}
        self._discovered: dict[str, dict[str, dict[str, Any] | None]] = {}
        check_config(self.config, self.settings, self.config_jsonschema["properties"], self.logger)
        quiet_sdk_logs(bool(self.config.get("verbose_sdk_logs")))
        self.progress = Progress(self.request_counts)

    @cached_property
    def graph(self) -> GraphClient:
        """The one Graph client of this run; every answer may log progress."""
        client = GraphClient(self.settings)
        client.observers.append(self.progress.tick)
        return client

    def request_counts(self) -> tuple[int, int]:
        """HTTP requests so far (token endpoints included) and Graph calls (a batch of n is n)."""
        token_calls = self.graph.auth.exchanger.calls
        return self.graph.calls + token_calls, self.graph.graph_calls + token_calls

    @cached_property
    def accounts(self) -> list[IGAccount]:
        """The IG accounts this run reads."""
        return resolve_accounts(self.graph)

    def account_data(self, account_id: str) -> AccountData:
        """Cached reads of one account."""
        if account_id not in self._data:
            self._data[account_id] = AccountData(
                self.graph,
                account_id,
                self.skips,
                page_size=int(self.config.get("page_size") or 100),
                comments_denied=self.denied("comments", account_id),
                comments=self.selected("comments"),
                children=self.selected("media_children"),
            )
        return self._data[account_id]

    def selected(self, stream: str) -> bool:
        """Whether the catalog selects `stream` (what is not selected is not read)."""
        found = self.streams.get(stream)
        return found is not None and found.selected

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
            request=f"{account_id}",
            advice=f"re-authorise with the {scope} scope",
        )

    def hashtag_ids(self, account_id: str) -> list[dict[str, str]]:
        """The configured hashtags' ids (searched once per run)."""
        if account_id not in self._hashtags:
            found: list[dict[str, str]] = []
            for name in self.config.get("hashtags") or []:
                try:
                    answer = self.graph.get(
                        "ig_hashtag_search",
                        user_id=account_id,
                        q=name.lstrip("#"),
                        account=account_id,
                    )
                except SkippableError as exc:
                    self.skips.add(f"hashtag {name!r} not found", exc)
                    continue
                found.extend(  # Graph's own spelling of the name when it gives one (§11)
                    {"id": str(item["id"]), "name": str(item.get("name") or name.lstrip("#"))}
                    for item in answer.get("data", [])
                    if isinstance(item, dict) and item.get("id")
                )
            self._hashtags[account_id] = found
        return self._hashtags[account_id]

    def discovered(self, account_id: str) -> dict[str, dict[str, Any] | None]:
        """Business Discovery profiles with their first media page (read once per run)."""
        if account_id not in self._discovered:
            out: dict[str, dict[str, Any] | None] = {}
            for username in self.config.get("business_discovery_usernames") or []:
                try:
                    answer = self.graph.get(account_id, fields="business_discovery.username(" + username + "){"
                                            + discovery_streams.DISCOVERY_FIELDS + ",media.limit(50){"
                                            + discovery_streams.DISCOVERY_MEDIA_FIELDS + "}}", account=account_id)  # fmt: skip
                    out[username] = answer.get("business_discovery")
                except SkippableError as exc:
                    self.skips.add(f"business discovery of {username!r}", exc)
                    out[username] = None
            self._discovered[account_id] = out
        return self._discovered[account_id]

    def discovered_media(
        self, account_id: str, username: str, profile: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """All media of a discovered profile: further pages via `.after(cursor)` (cursors only)."""
        edge = profile.get("media") or {}
        items = list(edge.get("data", []))
        after = (edge.get("paging") or {}).get("cursors", {}).get("after")
        while after and edge.get("data"):
            answer = self.graph.get(
                account_id,
                fields=discovery_streams.discovery_expression(username, after),
                account=account_id,
            )
            edge = (answer.get("business_discovery") or {}).get("media") or {}
            items.extend(edge.get("data", []))
            nxt = (edge.get("paging") or {}).get("cursors", {}).get("after")
            after = nxt if nxt != after else None
        return items

    # The SDK marks sync_all final for typing but offers no after-sync hook; the summary and the
    # exit code must follow every stream, so this extends it (calling the SDK's own first).
    def sync_all(self) -> None:  # type: ignore[misc]
        """Sync every selected stream, then summarise what was skipped (and fail if asked to).

        An error that stops the run (a dead token, say) ends it with one line naming the cause
        and the fix, and exit code 1, never a traceback.
        """
        try:
            super().sync_all()
        except GraphError as exc:
            self.logger.info("%s", self.progress.summary())
            self.logger.error("the sync stopped: %s", exc.describe())
            raise SystemExit(1) from None
        self.logger.info("%s", self.progress.summary())
        lines = self.skips.summary_lines()
        if lines:
            self.logger.warning("run summary: skipped\n  %s", "\n  ".join(lines))
        if self.skips.streams and self.config.get("fail_on_skipped_streams"):
            self.logger.error(
                "%d stream(s) were skipped and fail_on_skipped_streams is set: exiting with 1",
                len(self.skips.streams),
            )
            raise SystemExit(1)

    # Final for typing in the SDK, which has no hook after the connection test: extended as above.
    def run_connection_test(self) -> bool:  # type: ignore[misc]
        """`--test`: one record per stream, then which streams the token serves, per account."""
        ok = super().run_connection_test()
        for line in self.servable_lines():
            self.logger.info("connection test: %s", line)
        return ok

    def servable_lines(self) -> list[str]:
        """Per account: the streams read, and those skipped with their reason."""
        skipped: dict[str, dict[str, str]] = {}
        for skip in self.skips.streams:
            skipped.setdefault(skip.account, {})[skip.stream] = skip.reason
        lines = []
        for account in self.accounts:
            cannot = skipped.get(account.id, {})
            can = [name for name in self.streams if name not in cannot]
            line = f"account {account.id}: the token serves {', '.join(can)}"
            if cannot:
                line += "; not served: " + ", ".join(f"{n} ({r})" for n, r in cannot.items())
            lines.append(line)
        return lines

    def discover_streams(self) -> list[Stream]:
        """Every stream (see `STREAM_CLASSES` for the order they sync in)."""
        return [cls(tap=self) for cls in STREAM_CLASSES]

    # Final for typing in the SDK, which sorts streams by name with no other hook: extended here.
    def load_streams(self) -> list[Stream]:  # type: ignore[misc]
        """The SDK orders streams by name; they sync in `STREAM_CLASSES` order instead."""
        rank = {getattr(cls, "name"): i for i, cls in enumerate(STREAM_CLASSES)}  # noqa: B009
        return sorted(super().load_streams(), key=lambda stream: rank.get(stream.name, len(rank)))


if __name__ == "__main__":
    TapInstagram.cli()
