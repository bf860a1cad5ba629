"""Comments and replies on the media read this run."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from singer_sdk import typing as th
from singer_sdk.helpers.types import Context

from tap_instagram.client import InstagramStream
from tap_instagram.media_reader import is_part
from tap_instagram.schema_parts import ACCOUNT_ID, MEDIA_ID, USER_REF, id_str, rfc3339, user_ref
from tap_instagram.streams.media_streams import window_media
from tap_instagram.webhook_comments import webhook_comments


def comment_record(
    comment: dict[str, Any], media_id: str, account_id: str, parent_id: str | None
) -> dict[str, Any]:
    """A comment or reply as a record."""
    return {
        "id": id_str(comment.get("id")),
        "media_id": media_id,
        "account_id": account_id,
        "parent_id": id_str(comment.get("parent_id")) or parent_id,
        "text": comment.get("text"),
        "timestamp": rfc3339(comment.get("timestamp")),
        "like_count": comment.get("like_count"),
        "hidden": comment.get("hidden"),
        "username": comment.get("username"),
        "from": user_ref(comment.get("from")),
        "replies_count": len((comment.get("replies") or {}).get("data", []))
        if parent_id is None
        else None,
    }


def media_comments(item: dict[str, Any], account_id: str) -> Iterator[dict[str, Any]]:
    """The comments of a media item's first page, or of a thread part, each with its replies.

    Oldest first, each comment followed by its replies.
    """
    if is_part(item):
        media_id, comments = str(item["thread"]), item.get("comments") or []
    else:
        media_id, comments = str(item["id"]), (item.get("comments") or {}).get("data", [])
    for comment in sorted(comments, key=lambda c: (str(c.get("timestamp") or ""), str(c["id"]))):
        yield comment_record(comment, media_id, account_id, None)
        for reply in (comment.get("replies") or {}).get("data", []):
            yield comment_record(reply, media_id, account_id, str(comment["id"]))


class CommentsStream(InstagramStream):
    """Top-level comments and their replies (`parent_id` set), media by media."""

    name = "comments"
    primary_keys = ("id",)
    replication_key = "timestamp"
    is_sorted = False  # re-reads reach back past the bookmark (lookback / refresh window)
    scope = "comments"

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Every comment of the media in this run's media window, media by media, newest media first."""
        data = self.data(context)
        self.run.media(data.account_id)
        data.wait_for_comments_verdict()  # the first media spooled: comments read, or refused
        if data.comments_denied is not None:
            raise data.comments_denied
        seen: set[str] = set()
        for item in window_media(self, context, parts=True):  # as the listing is read
            for record in media_comments(item, data.account_id):
                seen.add(record["id"])
                yield record
        if data.comments_denied is not None:  # refused part way: the rest come without them
            raise data.comments_denied
        yield from webhook_comments(self, data.account_id, self.start_seconds(context), seen,
                                    comment_record)  # fmt: skip

    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        MEDIA_ID,
        ACCOUNT_ID,
        th.Property(
            "parent_id", th.StringType, description="Set on replies: the top-level comment."
        ),
        th.Property("text", th.StringType),
        th.Property("timestamp", th.DateTimeType),
        th.Property("like_count", th.IntegerType),
        th.Property("hidden", th.BooleanType),
        th.Property("username", th.StringType),
        th.Property("from", USER_REF),
        th.Property("replies_count", th.IntegerType),
    ).to_dict()
