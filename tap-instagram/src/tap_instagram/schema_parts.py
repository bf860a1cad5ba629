"""Schema fragments shared by streams, and the conversions every record goes through."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from singer_sdk import typing as th


def parse_timestamp(value: Any) -> datetime | None:
    """A Graph timestamp (`2026-05-04T07:00:00+0000`) or Unix seconds → aware datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value))


def rfc3339(value: Any) -> str | None:
    """RFC 3339 with an explicit offset, or None."""
    if isinstance(value, str) and len(value) == 24 and value.endswith("+0000") and value[10] == "T":
        return value[:19] + "+00:00"  # Graph's own form (`2026-05-04T07:00:00+0000`), as is
    parsed = parse_timestamp(value)
    return parsed.isoformat() if parsed else None


def day_of(value: Any) -> str | None:
    """The UTC date of an instant, ISO formatted."""
    parsed = parse_timestamp(value)
    return parsed.astimezone(UTC).date().isoformat() if parsed else None


def today(now: float) -> str:
    """The UTC date of Unix time `now`."""
    return datetime.fromtimestamp(now, UTC).date().isoformat()


def id_str(value: Any) -> str | None:
    """Ids are strings, whatever JSON type Graph used."""
    return None if value is None else str(value)


def user_ref(value: Any) -> dict[str, Any] | None:
    """`{"id", "username"}` objects with string ids."""
    if not isinstance(value, dict):
        return None
    return {"id": id_str(value.get("id")), "username": value.get("username")}


ACCOUNT_ID = th.Property(
    "account_id", th.StringType, required=True, description="IG professional account id."
)
MEDIA_ID = th.Property(
    "media_id", th.StringType, required=True, description="Id of the parent media."
)
SNAPSHOT_DATE = th.Property(
    "snapshot_date", th.DateType, required=True, description="UTC date of the reading."
)
# The key value of a row that is not broken down. Not empty: loaders that stage through CSV
# (target-duckdb) read an empty string as NULL, which a primary-key column refuses.
TOTAL = "total"
BREAKDOWN = th.Property(
    "breakdown",
    th.StringType,
    required=True,
    description=f"Dimension keys; `{TOTAL}` for the total.",
)
BREAKDOWN_VALUE = th.Property(
    "breakdown_value",
    th.StringType,
    required=True,
    description=f"Dimension values; `{TOTAL}` for the total.",
)
# The columns after the parent id of a lifetime-insights row (media and story insights).
LIFETIME_INSIGHT_COLUMNS = (
    ACCOUNT_ID,
    th.Property("metric", th.StringType, required=True),
    BREAKDOWN,
    BREAKDOWN_VALUE,
    SNAPSHOT_DATE,
    th.Property("value", th.NumberType),
    th.Property("title", th.StringType),
)
USER_REF = th.ObjectType(th.Property("id", th.StringType), th.Property("username", th.StringType))

MEDIA_PROPERTIES = (
    th.Property("id", th.StringType, required=True),
    th.Property("ig_id", th.StringType),
    th.Property("caption", th.StringType),
    th.Property("comments_count", th.IntegerType),
    th.Property("is_comment_enabled", th.BooleanType),
    th.Property("is_shared_to_feed", th.BooleanType),
    th.Property("like_count", th.IntegerType),
    th.Property("media_product_type", th.StringType),
    th.Property("media_type", th.StringType),
    th.Property("media_url", th.StringType),
    th.Property("owner_id", th.StringType),
    th.Property("permalink", th.StringType),
    th.Property("shortcode", th.StringType),
    th.Property("thumbnail_url", th.StringType),
    th.Property("timestamp", th.DateTimeType),
    th.Property("username", th.StringType),
    th.Property("alt_text", th.StringType),
    th.Property("media_audio_type", th.StringType),
    th.Property("is_ai_generated", th.BooleanType),
    th.Property("has_poll", th.BooleanType),
    th.Property("has_slider", th.BooleanType),
    th.Property(
        "copyright_check_information",
        th.ObjectType(
            th.Property(
                "status",
                th.ObjectType(
                    th.Property("status", th.StringType),
                    th.Property("matches_found", th.BooleanType),
                ),
            ),
            th.Property(
                "copyright_matches", th.ArrayType(th.ObjectType(additional_properties=True))
            ),
        ),
    ),
    th.Property("reposts_count", th.IntegerType),
    th.Property("saved_count", th.IntegerType),
    th.Property("shares_count", th.IntegerType),
    th.Property("total_like_count", th.IntegerType),
    th.Property("total_comments_count", th.IntegerType),
    th.Property("total_views_count", th.IntegerType),
    th.Property("children_count", th.IntegerType),
)

_MEDIA_KEYS = [p.name for p in MEDIA_PROPERTIES]


def media_record(item: dict[str, Any], account_id: str) -> dict[str, Any]:
    """A media (or story) item as a record: string ids, RFC 3339 time, missing values null."""
    record = {name: item.get(name) for name in _MEDIA_KEYS}
    record["id"] = id_str(item.get("id"))
    record["ig_id"] = id_str(item.get("ig_id"))
    record["owner_id"] = (
        id_str((item.get("owner") or {}).get("id")) if isinstance(item.get("owner"), dict) else None
    )
    record["timestamp"] = rfc3339(item.get("timestamp"))
    children = item.get("children")
    record["children_count"] = len(children.get("data", [])) if isinstance(children, dict) else None
    record["account_id"] = account_id
    return record


INSIGHT_VALUE = (
    th.Property("value", th.NumberType, description="The figure; null when Graph gave none."),
    th.Property("title", th.StringType),
)
