"""What only webhooks tell: every event, final story insights, mentions (needs `webhook_store`).

Each stream reads the store incrementally on its `seq`, so each event is emitted once across
runs; the store is written by `instagram-webhooks serve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from singer_sdk import Stream
from singer_sdk import typing as th
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context

from instagram_graph import BatchOperation
from instagram_graph.errors import GraphError
from instagram_webhooks.store import Event
from tap_instagram.run import Run, run_of
from tap_instagram.schema_parts import ACCOUNT_ID, rfc3339
from tap_instagram.webhook_store import WebhookSource

SEQ = th.Property(
    "seq", th.IntegerType, required=True, description="The store's sequence number (the bookmark)."
)
TIMES = (
    th.Property("event_time", th.DateTimeType, description="When Meta says the change happened."),
    th.Property("received_at", th.DateTimeType, description="When the receiver stored it."),
)
# The keys of the subscribed fields' values (comments, mentions, story_insights); others are kept.
VALUE = th.ObjectType(
    th.Property("id", th.StringType), th.Property("text", th.StringType), th.Property("parent_id", th.StringType),
    th.Property("from", th.ObjectType(th.Property("id", th.StringType), th.Property("username", th.StringType))),
    th.Property("media", th.ObjectType(th.Property("id", th.StringType), th.Property("media_product_type", th.StringType))),
    th.Property("media_id", th.StringType), th.Property("comment_id", th.StringType),
    *(th.Property(m, th.NumberType) for m in ("reach", "replies", "exits", "taps_forward", "taps_back", "impressions")),
    additional_properties=True,
)  # fmt: skip
MENTIONED_MEDIA = "id,caption,media_type,timestamp,permalink,username,like_count,comments_count"
MENTIONED_COMMENT = "id,text,timestamp,username,like_count"


class WebhookStream(Stream):
    """Events of the store after the bookmark, in `seq` order."""

    replication_key = "seq"
    is_sorted = True
    scope = "basic"  # the store needs no permission; mentions are read with instagram_basic
    fields: tuple[str, ...] = ()
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    @property
    def run(self) -> Run:
        """The run's reads, shared by every stream."""
        return run_of(self._tap)

    @property
    def source(self) -> WebhookSource:
        """The run's store."""
        return self.run.webhooks

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Records of the events after the bookmark."""
        if not self.source.enabled:
            return
        # The bookmark is a seq; with none yet the SDK offers start_date, which means "from the start".
        value = self.get_starting_replication_key_value(context)
        after = int(str(value)) if str(value).isdigit() else 0
        for record in self.records_of(self.source.events(after, self.fields)):
            self.run.progress.record(self.name, record["account_id"])  # in the run summary too
            yield record
        if self.source.failure:
            self.run.skips.add(f"{self.name}: {self.source.failure}")

    def records_of(self, events: Iterator[Event]) -> Iterable[dict[str, Any]]:
        """The records of some events."""
        raise NotImplementedError


def _base(event: Event) -> dict[str, Any]:
    return {"seq": event.seq, "account_id": event.account_id,
            "event_time": rfc3339(event.event_time), "received_at": rfc3339(event.received_at)}  # fmt: skip


class WebhookEventsStream(WebhookStream):
    """Every change received: field, account, object, times and the raw value."""

    name = "webhook_events"
    primary_keys = ("id",)

    def records_of(self, events: Iterator[Event]) -> Iterable[dict[str, Any]]:
        """One record per event."""
        for e in events:
            yield {
                **_base(e),
                "id": e.id,
                "field": e.field,
                "object_id": e.object_id,
                "value": e.value,
            }

    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True, description="The change's digest (the receiver's dedupe key)."),
        SEQ, ACCOUNT_ID, th.Property("field", th.StringType, description="comments, mentions, story_insights, …"),
        th.Property("object_id", th.StringType, description="The comment, media or story the change is about."),
        *TIMES, th.Property("value", VALUE, description="The change as Meta sent it (other fields' keys kept as sent)."),
    ).to_dict()  # fmt: skip


class StoryInsightsFinalStream(WebhookStream):
    """A story's final figures, sent by Meta when it expires (the read API has them no more)."""

    name = "story_insights_final"
    primary_keys = ("story_id", "metric")
    fields = ("story_insights",)

    def records_of(self, events: Iterator[Event]) -> Iterable[dict[str, Any]]:
        """One record per metric of each story."""
        for e in events:
            story = e.value.get("media_id")
            for metric, value in sorted(e.value.items()):
                if metric != "media_id" and isinstance(value, int | float) and story:
                    yield {**_base(e), "story_id": str(story), "metric": metric, "value": value}

    schema = th.PropertiesList(
        th.Property("story_id", th.StringType, required=True), th.Property("metric", th.StringType, required=True),
        th.Property("value", th.NumberType), SEQ, ACCOUNT_ID, *TIMES,
    ).to_dict()  # fmt: skip


class MentionsStream(WebhookStream):
    """Media and comments of others that mention the account, with one Graph read each."""

    name = "mentions"
    primary_keys = ("id",)
    fields = ("mentions",)

    def records_of(self, events: Iterator[Event]) -> Iterable[dict[str, Any]]:
        """Up to 50 mentions at a time, read in one Graph batch."""
        page: list[Event] = []
        for event in events:
            page.append(event)
            if len(page) == 50:
                yield from self._enriched(page)
                page = []
        yield from self._enriched(page)

    def _enriched(self, events: list[Event]) -> Iterator[dict[str, Any]]:
        details = self._read(events)
        for e in events:
            media, comment = e.value.get("media_id"), e.value.get("comment_id")
            found = details.get(e.id, {})
            yield {**_base(e), "id": str(comment or media), "kind": "comment" if comment else "caption",
                   "media_id": str(media) if media else None, "comment_id": str(comment) if comment else None,
                   "text": found.get("text", found.get("caption")), "username": found.get("username"),
                   "timestamp": rfc3339(found.get("timestamp")), "media_type": found.get("media_type"),
                   "permalink": found.get("permalink"), "like_count": found.get("like_count"),
                   "comments_count": found.get("comments_count"), "enriched": bool(found)}  # fmt: skip

    def _read(self, events: list[Event]) -> dict[str, dict[str, Any]]:
        """`mentioned_comment` / `mentioned_media` of each event, by event id; {} where refused."""
        by_account: dict[str, list[Event]] = {}
        for e in events:
            by_account.setdefault(e.account_id, []).append(e)
        found: dict[str, dict[str, Any]] = {}
        for account, group in by_account.items():
            try:
                client = self.run.client_for(account)
                results = client.batch([_mentioned(account, e) for e in group])
            except (GraphError, LookupError) as exc:
                self.run.skips.add("mention details not readable (the mentions keep their ids)",
                                        exc if isinstance(exc, GraphError) else None)  # fmt: skip
                continue
            for e, result in zip(group, results, strict=True):
                body = result.body if result.ok and isinstance(result.body, dict) else {}
                detail = body.get("mentioned_comment") or body.get("mentioned_media")
                if isinstance(detail, dict):
                    found[e.id] = detail
                elif result.error is not None:
                    self.run.skips.add("mention details not readable (the mentions keep their ids)",
                                            result.error)  # fmt: skip
        return found

    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True, description="The mentioning comment, else the media."),
        th.Property("kind", th.StringType, description="comment or caption."),
        th.Property("media_id", th.StringType), th.Property("comment_id", th.StringType),
        th.Property("text", th.StringType, description="The comment's text or the caption."),
        th.Property("username", th.StringType), th.Property("timestamp", th.DateTimeType),
        th.Property("media_type", th.StringType), th.Property("permalink", th.StringType),
        th.Property("like_count", th.IntegerType), th.Property("comments_count", th.IntegerType),
        th.Property("enriched", th.BooleanType, description="Whether the Graph read answered."),
        SEQ, ACCOUNT_ID, *TIMES,
    ).to_dict()  # fmt: skip


def _mentioned(account: str, e: Event) -> BatchOperation:
    comment, media = e.value.get("comment_id"), e.value.get("media_id")
    if comment:
        return BatchOperation(
            "GET",
            account,
            {"fields": f"mentioned_comment.comment_id({comment}){{{MENTIONED_COMMENT}}}"},
        )
    return BatchOperation(
        "GET", account, {"fields": f"mentioned_media.media_id({media}){{{MENTIONED_MEDIA}}}"}
    )
