"""Shaping a `media` record: sources (URL or video_file), carousel items, extras and labels."""

from __future__ import annotations

from typing import Any

from target_instagram import rules
from target_instagram.rules import Rejected


def source(item: dict[str, Any], media_type: str, where: str) -> dict[str, Any]:
    """image_url, video_url or video_file for one container, by media type."""
    image = rules.text(item, "image_url", required=False)
    video = rules.text(item, "video_url", required=False)
    file = rules.text(item, "video_file", required=False, number_ok=False)
    prefix = "" if where == "record" else f"{where}."
    if len([v for v in (image, video, file) if v]) > 1:
        raise Rejected(f"{prefix}image_url, {prefix}video_url, {prefix}video_file: give one only")
    if media_type == "IMAGE" and not image:
        raise Rejected(f"{prefix}image_url: missing; IMAGE media need a JPEG image_url")
    if media_type in ("REELS", "VIDEO") and not (video or file):
        raise Rejected(f"{prefix}video_url: missing; {media_type} media need a video_url (or a "
                       "video_file to upload)")  # fmt: skip
    if media_type == "STORIES" and not (image or video or file):
        raise Rejected(
            "image_url: missing; a story needs an image_url, a video_url or a video_file"
        )
    if file:
        return {"video_file": rules.video_file(file, f"{prefix}video_file", media_type)}
    if image:
        content_type = rules.text(item, "content_type", required=False)
        return {"image_url": rules.check_url(image, f"{prefix}image_url", jpeg=True,
                                             content_type=content_type)}  # fmt: skip
    return {"video_url": rules.check_url(str(video), f"{prefix}video_url", jpeg=False)}


def carousel_items(children: Any, record: dict[str, Any]) -> list[dict[str, Any]]:
    """A carousel's 2–10 items, each an IMAGE or VIDEO with its own source."""
    if record.get("image_url") or record.get("video_url") or record.get("video_file"):
        raise Rejected("image_url: a CAROUSEL takes its images from children, not the record")
    if not isinstance(children, list) or not all(isinstance(c, dict) for c in children):
        raise Rejected('children: expected a list of items like [{"image_url": "https://…/1.jpg"}]')
    if not rules.CAROUSEL_MIN <= len(children) <= rules.CAROUSEL_MAX:
        raise Rejected(
            f"children: {len(children)} items; a carousel has "
            f"{rules.CAROUSEL_MIN}–{rules.CAROUSEL_MAX}"
        )
    items = []
    for n, child in enumerate(children):
        where = f"children[{n}]"
        kind = str(child.get("media_type") or ("VIDEO" if child.get("video_url") else "IMAGE"))
        kind = kind.upper()
        if kind not in rules.ITEM_TYPES:
            raise Rejected(f"{where}.media_type: {kind!r}; carousel items are IMAGE or VIDEO")
        for name in POST_ONLY:
            if child.get(name) not in (None, "", [], False):
                raise Rejected(
                    f"{where}.{name}: set it on the carousel (the post), not on its items"
                )
        item: dict[str, Any] = {"media_type": kind, **source(child, kind, where)}
        if child.get("user_tags"):
            item["user_tags"] = rules.user_tags(
                rules.structured(child, "user_tags"), kind, f"{where}.user_tags"
            )
        if alt := rules.text(child, "alt_text", required=False):
            if kind != "IMAGE" or len(alt) > rules.ALT_TEXT_MAX_CHARS:
                raise Rejected(f"{where}.alt_text: images only, at most 1000 characters")
            item["alt_text"] = alt
        items.append(item)
    return items


def extras(record: dict[str, Any], media_type: str) -> dict[str, Any]:
    """alt_text, user_tags, location_id, collaborators and the reels-only fields."""
    out: dict[str, Any] = {}
    if alt := rules.text(record, "alt_text", required=False):
        if media_type != "IMAGE":
            raise Rejected("alt_text: only for IMAGE posts (and carousel images, per item)")
        if len(alt) > rules.ALT_TEXT_MAX_CHARS:
            raise Rejected(f"alt_text: {len(alt)} characters; at most 1000")
        out["alt_text"] = alt
    tags = rules.structured(record, "user_tags")
    if tags:
        if media_type == "CAROUSEL":
            raise Rejected("user_tags: on a carousel, tag people per item in children")
        out["user_tags"] = rules.user_tags(tags, media_type)
    if location := rules.text(record, "location_id", required=False):
        out["location_id"] = location
    names = rules.structured(record, "collaborators")
    if names:
        if media_type == "STORIES":
            raise Rejected("collaborators: not available on stories")
        out["collaborators"] = rules.collaborators(names)
    for name in rules.REELS_ONLY:
        value = record.get(name)
        if value in (None, ""):
            continue
        if media_type != "REELS":
            raise Rejected(f"{name}: only for REELS")
        if name == "cover_url":
            value = rules.check_url(str(value), name, jpeg=True)
        out[name] = value
    return out


# Set on a post's container only, never on a carousel item (graph-api.md §6.1, §11).
POST_ONLY = ("caption", "location_id", "collaborators", "is_ai_generated", "trial_params",
             "is_paid_partnership", "branded_content_sponsor_ids", "share_to_feed")  # fmt: skip
# Container features Graph offers with Facebook Login only.
FACEBOOK_ONLY = {
    "video_file",
    "collaborators",
    "is_paid_partnership",
    "branded_content_sponsor_ids",
}


def labels(record: dict[str, Any], media_type: str) -> dict[str, Any]:
    """The 2025–26 container parameters: AI label, trial reels, paid-partnership label."""
    out: dict[str, Any] = {}
    if (ai := rules.boolean(record, "is_ai_generated")) is not None:
        out["is_ai_generated"] = ai
    trial = record.get("trial_params")
    if isinstance(trial, str) and trial.strip().startswith("{"):
        trial = rules.structured(record, "trial_params")
    if trial:
        if media_type != "REELS":
            raise Rejected("trial_params: trial reels are REELS only")
        out["trial_params"] = rules.trial_params(trial)
    paid = rules.boolean(record, "is_paid_partnership")
    sponsors = record.get("branded_content_sponsor_ids")
    if sponsors:
        if paid is False:
            raise Rejected("branded_content_sponsor_ids: naming a brand needs is_paid_partnership "
                           "true (or leave is_paid_partnership out)")  # fmt: skip
        out["branded_content_sponsor_ids"], paid = rules.sponsor_ids(sponsors), True
    if paid is not None:
        out["is_paid_partnership"] = paid
    return out


def fields_of(payload: dict[str, Any]) -> list[str]:
    """The fields a publish payload sets, its carousel items' included."""
    return [*payload, *(k for item in payload.get("children") or [] for k in item)]
