"""The parameters of the container calls (`POST /{ig-user-id}/media`), from a publish record."""

from __future__ import annotations

import json
from typing import Any

POST_PARAMS = ("image_url", "video_url", "caption", "alt_text", "location_id", "cover_url",
               "thumb_offset", "audio_name")  # fmt: skip
ITEM_PARAMS = ("image_url", "video_url", "alt_text")
JSON_PARAMS = ("user_tags", "collaborators", "trial_params", "branded_content_sponsor_ids")
FLAG_PARAMS = ("share_to_feed", "is_ai_generated", "is_paid_partnership")


def flag(value: Any) -> str:
    """A yes/no parameter as Graph takes it."""
    return "true" if value in (True, "true", 1) else "false"


def item_params(item: dict[str, Any]) -> dict[str, Any]:
    """A carousel item's container."""
    params: dict[str, Any] = {"is_carousel_item": "true"}
    if item["media_type"] == "VIDEO":
        params["media_type"] = "VIDEO"
    if "video_file" in item:
        params["upload_type"] = "resumable"
    params.update({key: item[key] for key in ITEM_PARAMS if key in item})
    if "user_tags" in item:
        params["user_tags"] = json.dumps(item["user_tags"])
    return params


def container_params(payload: dict[str, Any], progress: dict[str, Any]) -> dict[str, Any]:
    """A post's container; a carousel's names the item containers already made."""
    p = payload
    params: dict[str, Any] = {}
    if p["media_type"] != "IMAGE":
        params["media_type"] = p["media_type"]
    if p["media_type"] == "CAROUSEL":
        params["children"] = ",".join(progress["children"])
    params.update({key: p[key] for key in POST_PARAMS if key in p})
    params.update({key: json.dumps(p[key]) for key in JSON_PARAMS if key in p})
    params.update({key: flag(p[key]) for key in FLAG_PARAMS if key in p})
    if "video_file" in p:
        params["upload_type"] = "resumable"
    return params
