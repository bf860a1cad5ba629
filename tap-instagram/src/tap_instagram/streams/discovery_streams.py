"""Tags, hashtags (opt-in) and Business Discovery (opt-in)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th
from singer_sdk.helpers.types import Context

from instagram_graph import Shape
from tap_instagram.client import InstagramStream
from tap_instagram.discovery import DISCOVERY_FIELDS
from tap_instagram.schema_parts import (
    ACCOUNT_ID,
    SNAPSHOT_DATE,
    id_str,
    rfc3339,
    today,
)

HASHTAG_MEDIA_FIELDS = (
    "id,caption,comments_count,like_count,media_type,media_url,permalink,timestamp"
)

PUBLIC_MEDIA = (
    th.Property("caption", th.StringType),
    th.Property("comments_count", th.IntegerType),
    th.Property("like_count", th.IntegerType),
    th.Property("media_type", th.StringType),
    th.Property("media_url", th.StringType),
    th.Property("permalink", th.StringType),
    th.Property("timestamp", th.DateTimeType),
)


def public_media(item: dict[str, Any]) -> dict[str, Any]:
    """Public media fields, ids as strings, times RFC 3339."""
    return {
        "id": id_str(item.get("id")),
        **{
            k: item.get(k)
            for k in (
                "caption",
                "comments_count",
                "like_count",
                "media_type",
                "media_url",
                "permalink",
            )
        },
        "timestamp": rfc3339(item.get("timestamp")),
    }


class TagsStream(InstagramStream):
    """Media the account is tagged in (newest first from Graph; emitted oldest first)."""

    name = "tags"
    primary_keys = ("account_id", "id")
    replication_key = "timestamp"
    is_sorted = False  # re-reads reach back past the bookmark (lookback / refresh window)
    scope = "comments"  # tags need the comments permission (graph-api.md §11)

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Pages until the bookmark is passed (read ahead with the account's other reads)."""
        data = self.data(context)
        rows = [{**public_media(m), "username": m.get("username"), "account_id": data.account_id}
                for m in data.tags(self.run.tags_since(data.account_id))]  # fmt: skip
        yield from sorted(rows, key=lambda r: (r["timestamp"] or "", r["id"]))

    schema = th.PropertiesList(ACCOUNT_ID, th.Property("id", th.StringType, required=True), *PUBLIC_MEDIA,
                               th.Property("username", th.StringType)).to_dict()  # fmt: skip


class HashtagsStream(InstagramStream):
    """The configured `hashtags`, resolved to their global ids (each new tag uses 1 of 30 per 7 days)."""

    name = "hashtags"
    primary_keys = ("id",)
    replication_key = None

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """One record per configured hashtag the API knows."""
        data = self.data(context)
        for tag in self.run.discovery.hashtag_ids(data.account_id):
            yield {"id": tag["id"], "name": tag["name"], "account_id": data.account_id}

    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("name", th.StringType),
        ACCOUNT_ID,
    ).to_dict()


class HashtagMediaStream(InstagramStream):
    """Top and recent media of each configured hashtag."""

    name = "hashtag_media"
    primary_keys = ("hashtag_id", "id", "kind")
    replication_key = None

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """`top_media` (cursor pages) and `recent_media` (last 24 h, after-only)."""
        data = self.data(context)
        for tag in self.run.discovery.hashtag_ids(data.account_id):
            for kind, shape in (("top", Shape.CURSOR_URLS), ("recent", Shape.AFTER_ONLY)):
                params = {"user_id": data.account_id, "fields": HASHTAG_MEDIA_FIELDS, "limit": 50}
                for item in data.client.items(
                    f"{tag['id']}/{kind}_media", params, shape=shape, account=data.account_id
                ):
                    yield {
                        **public_media(item),
                        "hashtag_id": tag["id"],
                        "kind": kind,
                        "account_id": data.account_id,
                    }

    schema = th.PropertiesList(
        th.Property("hashtag_id", th.StringType, required=True),
        th.Property("id", th.StringType, required=True),
        th.Property("kind", th.StringType, required=True, allowed_values=["top", "recent"]),
        ACCOUNT_ID,
        *PUBLIC_MEDIA,
    ).to_dict()


class BusinessDiscoveryStream(InstagramStream):
    """Public profiles of the configured `business_discovery_usernames` (Facebook Login only)."""

    name = "business_discovery"
    primary_keys = ("username", "snapshot_date")
    replication_key = None

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """One snapshot per username and day."""
        data = self.data(context)
        for username, profile in self.run.discovery.profiles(data.account_id).items():
            if profile is None:
                continue
            yield {**{k: profile.get(k) for k in DISCOVERY_FIELDS.split(",")}, "id": id_str(profile.get("id")),
                   "username": username, "snapshot_date": today(self.now(context)),
                   "account_id": data.account_id}  # fmt: skip

    schema = th.PropertiesList(
        th.Property("username", th.StringType, required=True),
        SNAPSHOT_DATE,
        th.Property("id", th.StringType),
        th.Property("name", th.StringType),
        th.Property("biography", th.StringType),
        th.Property("website", th.StringType),
        th.Property("profile_picture_url", th.StringType),
        th.Property("followers_count", th.IntegerType),
        th.Property("follows_count", th.IntegerType),
        th.Property("media_count", th.IntegerType),
        ACCOUNT_ID,
    ).to_dict()


class BusinessDiscoveryMediaStream(InstagramStream):
    """Public media of the configured usernames."""

    name = "business_discovery_media"
    primary_keys = ("id",)
    replication_key = None

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Every media page, following `.after(cursor)` inside the field expression."""
        data = self.data(context)
        for username, profile in self.run.discovery.profiles(data.account_id).items():
            if profile is None:
                continue
            for item in self.run.discovery.media(data.account_id, username, profile):
                yield {**public_media(item), "media_product_type": item.get("media_product_type"),
                       "view_count": item.get("view_count"), "username": username,
                       "account_id": data.account_id}  # fmt: skip

    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("username", th.StringType),
        ACCOUNT_ID,
        *PUBLIC_MEDIA,
        th.Property("media_product_type", th.StringType),
        th.Property("view_count", th.IntegerType),
    ).to_dict()
