"""Live stories and their insights (read every run: stories live 24 h)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th
from singer_sdk.helpers.types import Context

from instagram_graph import BatchOperation
from tap_instagram.client import InsightStream, InstagramStream
from tap_instagram.fetch import AccountData
from tap_instagram.schema_parts import (
    ACCOUNT_ID,
    LIFETIME_INSIGHT_COLUMNS,
    MEDIA_PROPERTIES,
    media_record,
)
from tap_instagram.streams.media_streams import insight_operations, lifetime_insight_records


class StoriesStream(InstagramStream):
    """Stories live at sync time."""

    name = "stories"
    primary_keys = ("id",)
    replication_key = None

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Each live story."""
        data = self.data(context)
        for story in data.stories():
            yield media_record(story, data.account_id)

    schema = th.PropertiesList(ACCOUNT_ID, *MEDIA_PROPERTIES).to_dict()


class StoryInsightsStream(InsightStream):
    """Insights of live stories, with the navigation and profile-activity breakdowns as rows."""

    name = "story_insights"
    primary_keys = ("story_id", "metric", "breakdown", "breakdown_value", "snapshot_date")
    replication_key = None

    def build_operations(self, data: AccountData) -> list[BatchOperation]:
        """Per story: the story metrics, plus one operation per breakdown metric."""
        metrics = self.run.metrics_for(data.account_id)["media_story"]
        return [op for story in data.stories() for op in insight_operations(story, metrics)]

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Rows per story; stories with fewer than 5 viewers are skipped and counted."""
        return lifetime_insight_records(self, context, "story_id", "story insights")

    schema = th.PropertiesList(
        th.Property("story_id", th.StringType, required=True),
        *LIFETIME_INSIGHT_COLUMNS,
    ).to_dict()
