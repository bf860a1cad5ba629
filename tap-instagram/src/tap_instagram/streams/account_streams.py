"""Account profile, daily counter snapshots and the publishing quota."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th
from singer_sdk.helpers.types import Context

from tap_instagram.client import InstagramStream
from tap_instagram.schema_parts import ACCOUNT_ID, SNAPSHOT_DATE, id_str, rfc3339, today


class AccountsStream(InstagramStream):
    """Profile fields of each IG account."""

    name = "accounts"
    primary_keys = ("id",)
    replication_key = None

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """One record per account."""
        profile = self.data(context).profile()
        account = next(a for a in self.run.accounts if a.id == self.data(context).account_id)
        yield {
            **{k: profile.get(k) for k in ("username", "name", "biography", "website", "profile_picture_url",
                                           "followers_count", "follows_count", "media_count")},
            "id": id_str(profile.get("id")),
            "ig_id": id_str(profile.get("ig_id")),
            "page_id": account.page_id,
            "page_name": account.page_name,
            "account_id": account.id,
        }  # fmt: skip

    schema = th.PropertiesList(
        ACCOUNT_ID,
        th.Property("id", th.StringType, required=True),
        th.Property("ig_id", th.StringType),
        th.Property("username", th.StringType),
        th.Property("name", th.StringType),
        th.Property("biography", th.StringType),
        th.Property("website", th.StringType),
        th.Property("profile_picture_url", th.StringType),
        th.Property("followers_count", th.IntegerType),
        th.Property("follows_count", th.IntegerType),
        th.Property("media_count", th.IntegerType),
        th.Property("page_id", th.StringType),
        th.Property("page_name", th.StringType),
    ).to_dict()


class AccountSnapshotsStream(InstagramStream):
    """The account's counters once per day: a history of changing figures."""

    name = "account_snapshots"
    primary_keys = ("account_id", "snapshot_date")
    replication_key = "snapshot_date"
    is_sorted = True

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Today's counts (a re-run the same day replaces the row)."""
        profile = self.data(context).profile()
        yield {
            "account_id": self.data(context).account_id,
            "snapshot_date": today(self.now(context)),
            "followers_count": profile.get("followers_count"),
            "follows_count": profile.get("follows_count"),
            "media_count": profile.get("media_count"),
        }

    schema = th.PropertiesList(
        ACCOUNT_ID,
        SNAPSHOT_DATE,
        th.Property("followers_count", th.IntegerType),
        th.Property("follows_count", th.IntegerType),
        th.Property("media_count", th.IntegerType),
    ).to_dict()


class ContentPublishingLimitStream(InstagramStream):
    """Publishing quota use in the last 24 h."""

    name = "content_publishing_limit"
    primary_keys = ("account_id", "snapshot_time")
    replication_key = None
    scope = "publish"  # the quota needs the publishing permission (graph-api.md §11)

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """One reading per account and run."""
        data = self.data(context)
        answer = data.publishing_limit()
        for row in answer.get("data", []):
            config = row.get("config") or {}
            yield {
                "account_id": data.account_id,
                "snapshot_time": rfc3339(self.now(context)),
                "quota_usage": row.get("quota_usage"),
                "quota_total": config.get("quota_total"),
                "quota_duration": config.get("quota_duration"),
            }

    schema = th.PropertiesList(
        ACCOUNT_ID,
        th.Property("snapshot_time", th.DateTimeType, required=True),
        th.Property("quota_usage", th.IntegerType),
        th.Property("quota_total", th.IntegerType),
        th.Property("quota_duration", th.IntegerType),
    ).to_dict()
