"""Instagram's content rules, checked before any call (graph-api.md §6.1, §6.2).

Each check raises `Rejected` naming the field, the rule and the fix. The numbers are Instagram's:
comments and replies at most 300 characters, 4 hashtags and 1 URL, not all capitals; captions at
most 2,200 characters, 30 hashtags and 20 @mentions; carousels 2–10 items; images JPEG only.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from target_instagram.storage_links import is_storage_url, storage_path_ok

COMMENT_MAX_CHARS = 300
COMMENT_MAX_HASHTAGS = 4
COMMENT_MAX_URLS = 1
CAPITALS_MIN_LETTERS = 4  # "OK" is fine; "GREAT POST" is shouting
CAPTION_MAX_CHARS = 2200
CAPTION_MAX_HASHTAGS = 30
CAPTION_MAX_MENTIONS = 20
CAROUSEL_MIN, CAROUSEL_MAX = 2, 10
ALT_TEXT_MAX_CHARS = 1000
COLLABORATORS_MAX = 3
MEDIA_TYPES = ("IMAGE", "REELS", "STORIES", "CAROUSEL")
ITEM_TYPES = ("IMAGE", "VIDEO")
JPEG_EXTENSIONS = (".jpg", ".jpeg")
REELS_ONLY = ("cover_url", "share_to_feed", "thumb_offset", "audio_name")

_HASHTAG = re.compile(r"(?<!\w)#\w+")
_MENTION = re.compile(r"(?<!\w)@[\w.]+")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


class Rejected(ValueError):
    """A record that cannot be applied as given: `reason` says which field, which rule, what to do."""

    def __init__(self, reason: str) -> None:
        """Keep the reason."""
        self.reason = reason
        super().__init__(reason)


def text(
    record: dict[str, Any], name: str, *, required: bool = True, number_ok: bool = True
) -> str | None:
    """A non-empty string field that can be sent (numbers are accepted as ids, not as text)."""
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise Rejected(f"{name}: missing; the record needs a {name}")
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, str | int)
        or (isinstance(value, int) and not number_ok)
    ):
        raise Rejected(f"{name}: expected a string, got {type(value).__name__}")
    return sendable(str(value).strip(), name)


def sendable(value: str, name: str) -> str:
    """Text that can travel in a request: valid UTF-8 (no lone surrogates) and no NUL bytes."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Rejected(f"{name}: holds an unpaired surrogate (\\u{ord(exc.object[exc.start]):04x} "
                       f"at character {exc.start}); fix the text's encoding") from None  # fmt: skip
    if "\x00" in value:
        raise Rejected(f"{name}: holds a NUL character at {value.index(chr(0))}; remove it")
    return value


MAX_OP_ID = 256


def op_id(record: dict[str, Any]) -> str:
    """The record's idempotency key: a string or a whole number, at most 256 characters."""
    value = text(record, "op_id")
    assert value is not None
    if len(value) > MAX_OP_ID:
        raise Rejected(f"op_id: {len(value)} characters; at most {MAX_OP_ID}")
    return value


def structured(record: dict[str, Any], name: str) -> Any:
    """A list or object field, given as JSON or as a JSON string (a warehouse text column)."""
    value = record.get(name)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise Rejected(f"{name}: not valid JSON; give a list or object") from None
    return value


def check_comment(message: str, field: str = "message") -> str:
    """A comment or reply: ≤ 300 characters, ≤ 4 hashtags, ≤ 1 URL, not all capitals."""
    if len(message) > COMMENT_MAX_CHARS:
        raise Rejected(
            f"{field}: {len(message)} characters; Instagram allows at most {COMMENT_MAX_CHARS}"
        )
    if (n := len(_HASHTAG.findall(message))) > COMMENT_MAX_HASHTAGS:
        raise Rejected(f"{field}: {n} hashtags; a comment may have at most {COMMENT_MAX_HASHTAGS}")
    if (n := len(_URL.findall(message))) > COMMENT_MAX_URLS:
        raise Rejected(f"{field}: {n} URLs; a comment may have at most {COMMENT_MAX_URLS}")
    letters = [c for c in message if c.isalpha()]
    if len(letters) >= CAPITALS_MIN_LETTERS and all(c.isupper() for c in letters):
        raise Rejected(f"{field}: all capitals; Instagram rejects comments written in capitals")
    return message


def check_caption(caption: str) -> str:
    """A caption: ≤ 2,200 characters, ≤ 30 hashtags, ≤ 20 @mentions."""
    if len(caption) > CAPTION_MAX_CHARS:
        raise Rejected(
            f"caption: {len(caption)} characters; Instagram allows at most {CAPTION_MAX_CHARS}"
        )
    if (n := len(_HASHTAG.findall(caption))) > CAPTION_MAX_HASHTAGS:
        raise Rejected(f"caption: {n} hashtags; Instagram allows at most {CAPTION_MAX_HASHTAGS}")
    if (n := len(_MENTION.findall(caption))) > CAPTION_MAX_MENTIONS:
        raise Rejected(f"caption: {n} @mentions; Instagram allows at most {CAPTION_MAX_MENTIONS}")
    return caption


def check_url(url: str, field: str, *, jpeg: bool, content_type: str | None = None) -> str:
    """A public http(s) URL or a storage URL (presigned at creation); images must be JPEG."""
    parsed = urlparse(url)
    if is_storage_url(url):
        if not storage_path_ok(url):
            raise Rejected(f"{field}: {url!r} names no object; write it as s3://bucket/path/file")
    elif parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Rejected(f"{field}: {url!r} is not a public http(s) URL Instagram can fetch, nor "
                       "a storage URL (s3://, gs://, az://) the target can presign")  # fmt: skip
    if jpeg:
        suffix = PurePosixPath(parsed.path).suffix.lower()
        if suffix and suffix not in JPEG_EXTENSIONS:
            raise Rejected(f"{field}: Instagram accepts JPEG images only, got a {suffix} file")
        if content_type and content_type.split(";")[0].strip().lower() not in (
            "image/jpeg",
            "image/jpg",
        ):
            raise Rejected(f"{field}: Instagram accepts JPEG images only, got {content_type}")
    return url


def user_tags(value: Any, media_type: str, field: str = "user_tags") -> list[dict[str, Any]]:
    """`[{"username": …, "x": 0–1, "y": 0–1}]`; images need x and y."""
    if not isinstance(value, list) or not all(
        isinstance(t, dict) and t.get("username") for t in value
    ):
        raise Rejected(f'{field}: expected a list like [{{"username": "x", "x": 0.5, "y": 0.5}}]')
    for tag in value:
        if media_type == "IMAGE" and not all(
            isinstance(tag.get(k), int | float) and 0 <= tag[k] <= 1 for k in ("x", "y")
        ):
            raise Rejected(f"{field}: tags on images need x and y between 0 and 1")
    return value


def collaborators(value: Any) -> list[str]:
    """At most three usernames (a list, or a comma-separated string)."""
    names = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise Rejected("collaborators: expected a list of usernames")
    if len(names) > COLLABORATORS_MAX:
        raise Rejected(f"collaborators: {len(names)} given; at most {COLLABORATORS_MAX}")
    return names


def timestamp(value: Any, field: str) -> float | None:
    """A date-time (ISO 8601 text, a datetime, or Unix seconds) as Unix seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise Rejected(f"{field}: {value!r} is not a date-time; use ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


TRIAL_STRATEGIES = ("MANUAL", "SS_PERFORMANCE")
VIDEO_EXTENSIONS = (".mp4", ".mov")
VIDEO_MAX_BYTES = {"REELS": 300 * 1024 * 1024, "STORIES": 100 * 1024 * 1024,
                   "VIDEO": 300 * 1024 * 1024}  # fmt: skip
_TRUE, _FALSE = ("true", "1", "yes", "t", "y"), ("false", "0", "no", "f", "n")


def boolean(record: dict[str, Any], name: str) -> bool | None:
    """A yes/no field: JSON true/false, 1/0, or text a warehouse column may hold ("true", "f")."""
    value = record.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text_value = str(value).strip().lower()
    if text_value in _TRUE or text_value in _FALSE:
        return text_value in _TRUE
    raise Rejected(f"{name}: {value!r} is not true or false")


def trial_params(value: Any) -> dict[str, str]:
    """`{"graduation_strategy": "MANUAL" | "SS_PERFORMANCE"}`, or just the strategy's name."""
    if isinstance(value, str):
        value = {"graduation_strategy": value.strip().upper()}
    strategy = value.get("graduation_strategy") if isinstance(value, dict) else None
    if strategy not in TRIAL_STRATEGIES or len(value) != 1:
        raise Rejected('trial_params: expected {"graduation_strategy": "MANUAL"} or '
                       '"SS_PERFORMANCE" (a trial reel graduates by hand or by its performance)')  # fmt: skip
    return {"graduation_strategy": strategy}


def sponsor_ids(value: Any) -> list[str]:
    """Instagram user ids of the brands (a list, or a comma-separated text)."""
    if isinstance(value, str) and value.strip().startswith("["):
        value = structured({"branded_content_sponsor_ids": value}, "branded_content_sponsor_ids")
    ids = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    ids = [ids] if isinstance(ids, int) and not isinstance(ids, bool) else ids
    if not isinstance(ids, list) or not ids or not all(str(i).strip().isdigit() for i in ids):
        raise Rejected("branded_content_sponsor_ids: expected Instagram user ids of the brands "
                       "(look one up by username with business discovery)")  # fmt: skip
    return [str(i).strip() for i in ids]


def video_file(value: str, field: str, media_type: str) -> str:
    """A local video file (checked now: it exists, is MP4/MOV, within size) or a storage URL."""
    suffix = PurePosixPath(urlparse(value).path if is_storage_url(value) else value).suffix.lower()
    if suffix not in VIDEO_EXTENSIONS:
        raise Rejected(f"{field}: {value!r} is not an MP4 or MOV file")
    if is_storage_url(value):
        if not storage_path_ok(value):
            raise Rejected(f"{field}: {value!r} names no object; write it as s3://bucket/path/file")
        return value
    if urlparse(value).scheme not in ("", "file"):
        raise Rejected(f"{field}: give a local path or a storage URL (s3://, gs://, az://); "
                       "a public https URL goes in video_url")  # fmt: skip
    path = Path(value.removeprefix("file://")).expanduser()
    if not path.is_file():
        raise Rejected(f"{field}: {path} does not exist (or is not a file) on this machine")
    limit = VIDEO_MAX_BYTES[media_type]
    if path.stat().st_size > limit:
        raise Rejected(f"{field}: {path} is {path.stat().st_size:,} bytes; {media_type} videos "
                       f"may be at most {limit // 1024 // 1024} MB")  # fmt: skip
    return str(path.resolve())
