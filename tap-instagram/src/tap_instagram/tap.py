"""tap-instagram: settings and the stream list; the reads live in `run`, the records in the streams."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import CapabilitiesEnum, TapCapabilities

from instagram_graph import SETTINGS_SCHEMA
from instagram_graph.errors import GraphError
from instagram_graph.redaction import install as install_redaction
from instagram_notify import SETTINGS_JSON_SCHEMA as NOTIFY_SETTINGS
from tap_instagram.arenas import limit_arenas
from tap_instagram.checks import check_config
from tap_instagram.connections import CREDENTIAL_KEYS, credential_settings
from tap_instagram.media_files import KINDS as FILE_KINDS
from tap_instagram.media_files import MAX_BYTES, MediaFiles
from tap_instagram.messages import SingerOutput
from tap_instagram.metrics import FAMILIES, resolve_metrics
from tap_instagram.notifications import notifications_of
from tap_instagram.progress import Progress, quiet_sdk_logs
from tap_instagram.run import CONCURRENT_ACCOUNTS, LOOKBACK_DAYS, MEDIA_WINDOW_DAYS, PAGE_SIZE, Run
from tap_instagram.skips import Skips
from tap_instagram.streams import (
    account_streams,
    comment_streams,
    discovery_streams,
    file_streams,
    insight_streams,
    media_streams,
    story_streams,
    webhook_streams,
)

_SECRET_KEYS = ("access_token", "refresh_token", "client_secret", "app_secret")
CREDENTIAL = th.ObjectType(*(
    th.Property(key, th.ArrayType(th.StringType) if key == "ig_user_ids" else th.StringType,
                secret=key in _SECRET_KEYS, description=SETTINGS_SCHEMA.wrapped[key].description)
    for key in CREDENTIAL_KEYS
))  # fmt: skip

TAP_SETTINGS = th.PropertiesList(
    th.Property("credentials", th.ArrayType(CREDENTIAL), secret=True,
                description="More credentials to read with, for agencies: each entry a token (access_token, login, and optionally ig_user_ids, facebook_page_name, api_url, refresh_token, token_store, oauth_mode, client_id, client_secret, app_secret) over the top-level settings. One Facebook Login token reaches every account its user manages; an Instagram Login token one account. A credential whose token is dead or refused costs its own accounts only."),
    th.Property("start_date", th.DateTimeType, description="Read data from this instant on (first sync). Default: 30 days of insights, all media."),
    th.Property("end_date", th.DateType, description="Read data before this date (exclusive)."),
    th.Property("insights_lookback_days", th.IntegerType, default=LOOKBACK_DAYS,
                description="Account insights are re-read this many days before the bookmark (Meta's figures settle for up to 48 h)."),
    th.Property("account_totals_days", th.IntegerType,
                description="Cap the days of account_insights_totals read on a first sync (Graph charges 4 calls per day: the totals and three breakdowns, which cannot share a call). Default: as far back as the other account insights."),
    th.Property("media_insights_window_days", th.IntegerType, default=MEDIA_WINDOW_DAYS,
                description="Media younger than this are re-read each run: their lifetime insights (as dated snapshots) and comments."),
    th.Property("preset_metric", th.ObjectType(*(th.Property(f, th.StringType, allowed_values=list(FAMILIES[f].presets)) for f in FAMILIES)),
                description="Preset per insight family (default `all`): " + "; ".join(f"{f}: {', '.join(FAMILIES[f].presets)}" for f in FAMILIES)),
    th.Property("metrics", th.ObjectType(*(th.Property(f, th.ArrayType(th.StringType)) for f in FAMILIES)),
                description="Explicit metric list per insight family; overrides preset_metric. Retired or wrong-family metrics are rejected at start-up."),
    th.Property("refresh_all_comment_pages", th.BooleanType, default=False,
                description="Re-read every comment page of the media in the refresh window each run. Off: Graph lists comments newest first, so later pages stop at comments older than the comments bookmark (less 15 minutes); like counts and new replies of those older comments are then not refreshed."),
    th.Property("hashtags", th.ArrayType(th.StringType), description="Opt-in: hashtags to read (each new tag uses 1 of 30 per 7 days)."),
    th.Property("media_files_url", th.StringType,
                description="Opt-in: copy media files (Graph's CDN links expire) to this fsspec location: a folder (output/media), s3://bucket/prefix, gs://…, az://…. Credentials the fsspec way: the environment, or media_files_storage_options. The media_files stream lists what is stored."),
    th.Property("media_files_storage_options", th.ObjectType(additional_properties=th.AnyType()), secret=True,
                description="fsspec storage options for media_files_url (key, secret, endpoint_url via client_kwargs, …)."),
    th.Property("media_files_mimetypes", th.ArrayType(th.StringType), default=["image/*"],
                description="Which files to copy, by content type (image/*, video/*, image/jpeg …)."),
    th.Property("media_files_kinds", th.ArrayType(th.StringType), default=list(FILE_KINDS),
                description="Which files: media (posts and reels), children (of carousels), stories (copied every run: they vanish after 24 h), thumbnails (video covers)."),
    th.Property("media_files_renditions", th.ArrayType(th.ObjectType(
        th.Property("name", th.StringType, required=True), th.Property("width", th.IntegerType, required=True),
        th.Property("height", th.IntegerType, required=True),
        th.Property("fit", th.StringType, allowed_values=["clip", "crop", "scale", "max"]),
        th.Property("format", th.StringType, allowed_values=["jpeg", "png", "webp"]), th.Property("quality", th.IntegerType))),
                description="Resized copies of each picture: {name, width, height, fit (clip: inside the box; crop: exactly the box, trimmed; scale: exactly the box, stretched; max: inside the box, never enlarged), format (jpeg, png, webp), quality}."),
    th.Property("media_files_keep_original", th.BooleanType, default=True,
                description="Store the original files (false: only the renditions)."),
    th.Property("media_files_max_bytes", th.IntegerType, default=MAX_BYTES,
                description="A file larger than this is not copied (reported and skipped)."),
    th.Property("media_files_concurrency", th.IntegerType, default=4, description="Files copied at once."),
    th.Property("webhook_store", th.StringType, secret=True,
                description="Opt-in: the store `instagram-webhooks serve` writes (a file path, sqlite:///path or postgresql://…): adds the webhook_events, story_insights_final and mentions streams, and comments from webhooks to the comments stream."),
    th.Property("business_discovery_usernames", th.ArrayType(th.StringType), description="Opt-in: public business/creator usernames to read (Facebook Login only)."),
    th.Property("page_size", th.IntegerType, default=PAGE_SIZE, description="Items per page for media and tags."),
    th.Property("partition_count", th.IntegerType, default=1,
                description="Split the accounts into this many shares, by a stable hash of each account id, and read only the share partition_index: for runs spread over several workers, each with a state id of its own (see orchestration/)."),
    th.Property("partition_index", th.IntegerType, default=0, description="Which share of the accounts this run reads (0 to partition_count - 1)."),
    th.Property("max_concurrent_accounts", th.IntegerType, default=CONCURRENT_ACCOUNTS,
                description="Accounts read at the same time, in the background, while the streams write the records of those read before; each reads its media and its insights at once. Requests in flight stay within max_concurrent_requests per credential."),
    th.Property("fail_on_skipped_streams", th.BooleanType, default=False,
                description="Exit non-zero when a stream was skipped for an account (a missing permission, a vanished object). By default such streams are skipped with a warning and the run succeeds."),
    th.Property("verbose_sdk_logs", th.BooleanType, default=False,
                description="Also log the SDK's per-batch METRIC lines and its 'Stream is assumed to be unsorted' warnings (off: progress lines every 10 s and a run summary instead)."),
)  # fmt: skip


# The order streams sync in. Accounts come first (they teach the client the server's clock).
# Comments come first of the media streams: they are the most records, written while the media
# listing is still being read in the background.
# `media` comes after the streams whose media window its bookmark decides (children, comments,
# media insights): its bookmark is emitted only once they are done, so resuming from any STATE
# never skips their records.
STREAM_CLASSES: list[type[Stream]] = [
    account_streams.AccountsStream, account_streams.AccountSnapshotsStream,
    comment_streams.CommentsStream, media_streams.MediaChildrenStream,
    media_streams.MediaInsightsStream, file_streams.MediaFilesStream, media_streams.MediaStream,
    story_streams.StoriesStream, story_streams.StoryInsightsStream,
    insight_streams.AccountInsightsStream, insight_streams.AccountInsightsTotalsStream,
    insight_streams.AudienceDemographicsStream, insight_streams.OnlineFollowersStream,
    discovery_streams.TagsStream, discovery_streams.HashtagsStream, discovery_streams.HashtagMediaStream,
    discovery_streams.BusinessDiscoveryStream, discovery_streams.BusinessDiscoveryMediaStream,
    account_streams.ContentPublishingLimitStream,
    webhook_streams.WebhookEventsStream, webhook_streams.StoryInsightsFinalStream,
    webhook_streams.MentionsStream,
]  # fmt: skip


class TapInstagram(Tap):
    """Singer tap for the Instagram Graph API."""

    name = "tap-instagram"
    package_name = (
        "instagram-connector-tap-instagram"  # the distribution, for --about and --version
    )
    capabilities: ClassVar[list[CapabilitiesEnum]] = [*Tap.capabilities, TapCapabilities.TEST]
    message_writer_class = SingerOutput  # msgspec, no flush per record (see `messages`)
    config_jsonschema = th.PropertiesList(
        *SETTINGS_SCHEMA.wrapped.values(), *TAP_SETTINGS.wrapped.values()
    ).to_dict()
    config_jsonschema["properties"].update(NOTIFY_SETTINGS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Check settings and metrics before any stream runs."""
        install_redaction()
        limit_arenas()  # before any reader thread starts
        super().__init__(*args, **kwargs)
        self.credentials = credential_settings(self.config)
        self.settings = self.credentials[0][1]
        self.metrics = {
            login: resolve_metrics(self.config, self.settings.api_version, login)
            for login in dict.fromkeys(s.login for _, s in self.credentials)
        }
        check_config(self.config, [s for _, s in self.credentials],
                     self.config_jsonschema["properties"], self.logger)  # fmt: skip
        self.notifications = notifications_of(self.config)
        self.files = MediaFiles.from_config(self.config, self.settings, self.notifications)
        quiet_sdk_logs(bool(self.config.get("verbose_sdk_logs")))

    @cached_property
    def run(self) -> Run:
        """The run's reads (accounts, per-account data, insights plans), shared by the streams."""
        return Run(self.credentials, self.config, metrics=self.metrics, files=self.files,
                   streams=lambda: self.streams, state=lambda: self.state)  # fmt: skip

    @property
    def skips(self) -> Skips:
        """What this run skipped (streams, objects), for the summary."""
        return self.run.skips

    @property
    def progress(self) -> Progress:
        """Progress lines and the run summary."""
        return self.run.progress

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
        finally:
            self.run.close()
            self.deliver_notifications()
        self.logger.info("%s", self.progress.summary())
        dead = self.run.connections.summary_lines()
        lines = dead + self.skips.summary_lines()
        if lines:
            self.logger.warning("run summary: skipped\n  %s", "\n  ".join(lines))
        if (self.skips.streams or dead) and self.config.get("fail_on_skipped_streams"):
            self.logger.error(
                "%d stream(s) and %d credential(s) were skipped and fail_on_skipped_streams is "
                "set: exiting with 1", len(self.skips.streams), len(dead),
            )  # fmt: skip
            raise SystemExit(1)

    def deliver_notifications(self) -> None:
        """Send the notifications that are due (this run's, and retries of earlier ones)."""
        if self.notifications is None:
            return
        try:
            self.notifications.deliver()
        except OSError as exc:  # the outbox's file: its events wait for the next run
            self.logger.warning(
                "notifications not delivered now (%s); the next run sends them", exc
            )

    # Final for typing in the SDK, which has no hook after the connection test: extended as above.
    def run_connection_test(self) -> bool:  # type: ignore[misc]
        """`--test`: one record per stream, then which streams the token serves, per account."""
        try:
            ok = super().run_connection_test()
        finally:
            self.run.close()
        for line in self.servable_lines():
            self.logger.info("connection test: %s", line)
        return ok

    def servable_lines(self) -> list[str]:
        """Per account: the streams read, and those skipped with their reason."""
        skipped: dict[str, dict[str, str]] = {}
        for skip in self.skips.streams:
            skipped.setdefault(skip.account, {})[skip.stream] = skip.reason
        lines = []
        for account in self.run.accounts:
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
