"""Media, carousel children and lifetime media insights."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from singer_sdk import typing as th
from singer_sdk.helpers.types import Context

from instagram_graph import BatchOperation
from instagram_graph.errors import InvalidRequestError
from tap_instagram.client import DAY, InsightStream, InstagramStream
from tap_instagram.fetch import AccountData, ok_or_skip
from tap_instagram.media_reader import is_part
from tap_instagram.metrics import FEED_VIDEO_DOUBTFUL, MEDIA_BREAKDOWNS, media_family
from tap_instagram.schema_parts import (
    ACCOUNT_ID,
    LIFETIME_INSIGHT_COLUMNS,
    MEDIA_ID,
    MEDIA_PROPERTIES,
    TOTAL,
    id_str,
    media_record,
    parse_timestamp,
    rfc3339,
    today,
)


def in_range(item: dict[str, Any], start: float | None, end: float | None) -> bool:
    """Whether a media item's timestamp lies in [start, end)."""
    ts = parse_timestamp(item.get("timestamp"))
    seconds = ts.timestamp() if ts else 0
    return (start is None or seconds >= start) and (end is None or seconds < end)


def window_media(
    stream: InstagramStream, context: Context | None, *, oldest_first: bool = False,
    parts: bool = False,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    """The media of this run's media window (before `end_date`), newest first unless asked.

    `parts`: the media's later comment pages (thread parts) come too, among the media.
    """
    data = stream.data(context)
    start, end = stream.run.media_since(data.account_id), stream.end_seconds()
    media = stream.run.media(data.account_id)
    for item in reversed(media) if oldest_first else media:
        if (parts or not is_part(item)) and in_range(item, start, end):
            yield item


class MediaStream(InstagramStream):
    """Feed posts, reels and carousels (not stories), oldest first."""

    name = "media"
    primary_keys = ("id",)
    replication_key = "timestamp"
    is_sorted = False  # re-reads reach back past the bookmark (lookback / refresh window)

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Media since the bookmark (or start_date), plus the refresh window."""
        account_id = self.data(context).account_id
        for item in window_media(self, context, oldest_first=True):  # Graph lists newest first
            yield media_record(item, account_id)

    schema = th.PropertiesList(ACCOUNT_ID, *MEDIA_PROPERTIES).to_dict()


class MediaChildrenStream(InstagramStream):
    """Children of the carousels read this run."""

    name = "media_children"
    primary_keys = ("id", "media_id")
    replication_key = None

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Each child with its parent's id."""
        account_id = self.data(context).account_id
        for item in window_media(self, context):
            children = item.get("children")
            if not isinstance(children, dict):
                continue
            for position, child in enumerate(children.get("data", [])):
                yield {
                    "media_id": id_str(item["id"]),
                    "account_id": account_id,
                    "id": id_str(child.get("id")),
                    "position": position,
                    "media_type": child.get("media_type"),
                    "media_url": child.get("media_url"),
                    "thumbnail_url": child.get("thumbnail_url"),
                    "shortcode": child.get("shortcode"),
                    "permalink": child.get("permalink"),
                    "timestamp": rfc3339(child.get("timestamp")),
                }

    schema = th.PropertiesList(
        MEDIA_ID,
        ACCOUNT_ID,
        th.Property("id", th.StringType, required=True),
        th.Property("position", th.IntegerType),
        th.Property("media_type", th.StringType),
        th.Property("media_url", th.StringType),
        th.Property("thumbnail_url", th.StringType),
        th.Property("shortcode", th.StringType),
        th.Property("permalink", th.StringType),
        th.Property("timestamp", th.DateTimeType),
    ).to_dict()


def insight_operations(item: dict[str, Any], metrics: tuple[str, ...]) -> list[BatchOperation]:
    """One operation with every plain metric, one per metric that has a breakdown."""
    plain = [m for m in metrics if m not in MEDIA_BREAKDOWNS]
    ops = []
    if plain:
        ops.append(
            BatchOperation(
                "GET", f"{item['id']}/insights", {"metric": ",".join(plain)}, insights=True
            )
        )
    for metric in metrics:
        if metric in MEDIA_BREAKDOWNS:
            params = {"metric": metric, "breakdown": MEDIA_BREAKDOWNS[metric]}
            ops.append(BatchOperation("GET", f"{item['id']}/insights", params, insights=True))
    return ops


def insight_rows(
    body: dict[str, Any], parent_key: str, parent_id: str, snapshot: str
) -> Iterable[dict[str, Any]]:
    """Rows of a lifetime insights answer: one per metric, one more per breakdown value."""
    for metric in body.get("data", []):
        total = metric.get("total_value") if isinstance(metric.get("total_value"), dict) else None
        values = metric.get("values") or []
        value = values[0].get("value") if values else (total or {}).get("value")
        base = {parent_key: parent_id, "metric": metric.get("name"), "snapshot_date": snapshot,
                "title": metric.get("title")}  # fmt: skip
        if total is None or "breakdowns" not in total:
            yield {**base, "breakdown": TOTAL, "breakdown_value": TOTAL, "value": value}
            continue
        if total.get("value") is not None:
            yield {
                **base,
                "breakdown": TOTAL,
                "breakdown_value": TOTAL,
                "value": total.get("value"),
            }
        for breakdown in total.get("breakdowns", []):
            keys = ",".join(breakdown.get("dimension_keys", []))
            for result in breakdown.get("results", []):
                yield {**base, "breakdown": keys, "breakdown_value": ",".join(result.get("dimension_values", [])),
                       "value": result.get("value")}  # fmt: skip


def lifetime_insight_records(
    stream: InsightStream,
    context: Context | None,
    parent_key: str,
    what: str,
    *,
    retry_drop: tuple[str, ...] = (),
) -> Iterable[dict[str, Any]]:
    """Rows of the stream's per-object insights results; skipped objects are counted.

    A code-100 rejection is first retried without the `retry_drop` metrics.
    """
    data, snapshot = stream.data(context), today(stream.now(context))
    for result in stream.insight_results(context):
        if (
            retry_drop
            and isinstance(result.error, InvalidRequestError)
            and result.error.code == 100
        ):
            result = data.retry_without(result, retry_drop)
        body = ok_or_skip(result, data.skips, what)
        if body is not None:
            parent_id = result.operation.path.split("/")[0]
            for row in insight_rows(body, parent_key, parent_id, snapshot):
                yield {**row, "account_id": data.account_id}


class MediaInsightsStream(InsightStream):
    """Lifetime metrics per media, re-read as dated snapshots while the media is young."""

    name = "media_insights"
    primary_keys = ("media_id", "metric", "breakdown", "breakdown_value", "snapshot_date")
    replication_key = "snapshot_date"
    # Every row of a run carries the same snapshot date, so a STATE emitted mid-stream would claim
    # the whole run's media as done: unsorted, the bookmark is only set once the stream completes.
    is_sorted = False

    lazy_operations = True  # one or two per media: drawn from the media spool as results are read

    def build_operations(self, data: AccountData) -> Iterator[BatchOperation]:
        """Per media: its product type's metrics (plus breakdown metrics as their own operations)."""
        context = {"account_id": data.account_id}
        since = self.run.media_since(data.account_id)
        start, end = since, self.end_seconds()
        if self.has_bookmark(context):
            start = max(start or 0, self.now(context) - self.run.window_days * DAY)
        metrics = self.run.metrics_for(data.account_id)
        for item in data.media():  # started with the account's reads, before this plan
            if not is_part(item) and in_range(item, start, end):
                yield from insight_operations(
                    item, metrics[media_family(item.get("media_product_type"))]
                )

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Rows for every media that has insights; skipped ones are counted."""
        return lifetime_insight_records(
            self, context, "media_id", "media insights", retry_drop=FEED_VIDEO_DOUBTFUL
        )

    schema = th.PropertiesList(
        MEDIA_ID,
        *LIFETIME_INSIGHT_COLUMNS,
    ).to_dict()
