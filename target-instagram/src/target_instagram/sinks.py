"""One sink per record contract. A sink checks and shapes a record into an operation for the writer.

Sinks hold no URLs, HTTP or retries: `writer.Writer` does every call. Records are queued there and
sent in Graph batches; `process_batch` (run before the target emits STATE) makes the writer finish
everything queued, so STATE never gets ahead of a write.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from singer_sdk.sinks import BatchSink

from instagram_graph.redaction import register_secret
from target_instagram import rules
from target_instagram.operations import Operation
from target_instagram.rules import Rejected
from target_instagram.writer import Writer


class OperationSink(BatchSink):
    """Shared record handling: op_id, account_id, create or delete, then hand over to the writer."""

    contract: ClassVar[str] = ""
    # A record that breaks the upstream schema still reaches our own checks and the reject file.
    fail_on_record_validation_exception = False

    def _remove_sdc_metadata_from_record(self, record: dict[str, Any]) -> None:
        """Drop Singer metadata columns but keep `_sdc_deleted_at`: it means "delete"."""
        deleted_at = record.get("_sdc_deleted_at")
        super()._remove_sdc_metadata_from_record(record)
        if deleted_at not in (None, ""):
            record["_sdc_deleted_at"] = deleted_at

    def _singer_validate_message(self, record: dict[str, Any]) -> None:
        """A record without its key (op_id) is rejected to the reject file, not fatal."""

    def __init__(self, target: Any, *args: Any, **kwargs: Any) -> None:
        """Keep the target: its one writer is shared by every sink."""
        super().__init__(target, *args, **kwargs)
        self.target = target

    @property
    def writer(self) -> Writer:
        """The target's one writer."""
        writer: Writer = self.target.writer
        return writer

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Shape the record and queue it; a record that breaks a rule is rejected, not sent."""
        record = _plain(record)
        op_id = record.get("op_id")
        if op_id is None or str(op_id).strip() == "":
            self.writer.reject_record(
                self.contract, None, record,
                "op_id: missing; every record needs an op_id (its idempotency key)",
            )  # fmt: skip
            return
        try:
            op_id = rules.op_id(record)
        except Rejected as exc:
            self.writer.reject_record(self.contract, None, record, exc.reason)
            return
        try:
            account = rules.text(record, "account_id", required=False)
            kind, payload = self.shape(record)
        except Rejected as exc:
            self.writer.reject_record(self.contract, op_id, record, exc.reason)
            return
        self.writer.submit(Operation(self.contract, op_id, kind, account, payload), record)

    def process_batch(self, context: dict[str, Any]) -> None:
        """Apply everything queued (the target emits STATE only after this returns)."""
        self.writer.flush()

    def shape(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The operation kind and its parameters."""
        raise NotImplementedError

    @staticmethod
    def is_delete(record: dict[str, Any]) -> bool:
        """`action: "delete"`, or a soft-deleted warehouse row (`_sdc_deleted_at` set)."""
        action = str(record.get("action") or "create").strip().lower()
        if action not in ("create", "delete"):
            raise Rejected(f"action: {action!r} is not supported; use create or delete")
        return action == "delete" or record.get("_sdc_deleted_at") not in (None, "")


class CommentsSink(OperationSink):
    """`comments`: comment on a media (media_id, message), or delete a comment (comment_id)."""

    contract = "comments"
    created, parent = "comment", "media_id"

    def shape(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Create under `parent`, or delete the comment given by comment_id."""
        if self.is_delete(record):
            return "delete_comment", {"comment_id": rules.text(record, "comment_id")}
        message = rules.check_comment(str(rules.text(record, "message", number_ok=False)))
        return self.created, {self.parent: rules.text(record, self.parent), "message": message}


class RepliesSink(CommentsSink):
    """`replies`: reply to a top-level comment (comment_id, message), or delete a comment."""

    contract = "replies"
    created, parent = "reply", "comment_id"


class MentionRepliesSink(OperationSink):
    """`mention_replies`: answer a media or comment that mentions the account."""

    contract = "mention_replies"

    def shape(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """media_id, optional comment_id, message."""
        message = rules.check_comment(str(rules.text(record, "message", number_ok=False)))
        payload = {"media_id": rules.text(record, "media_id"), "message": message}
        if comment_id := rules.text(record, "comment_id", required=False):
            payload["comment_id"] = comment_id
        return "mention_reply", payload


class MediaSink(OperationSink):
    """`media`: publish (create container → poll → publish), or delete a media (media_id)."""

    contract = "media"

    def shape(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Check every publishing rule that can be checked without a call."""
        if self.is_delete(record):
            return "delete_media", {"media_id": rules.text(record, "media_id")}
        children = rules.structured(record, "children")
        default = "CAROUSEL" if children else "REELS" if record.get("video_url") else "IMAGE"
        media_type = str(record.get("media_type") or default).strip().upper()
        if media_type == "VIDEO":
            raise Rejected(
                "media_type: VIDEO is only a carousel item; publish a feed video as REELS"
            )
        if media_type not in rules.MEDIA_TYPES:
            raise Rejected(f"media_type: {media_type!r}; use {', '.join(rules.MEDIA_TYPES)}")
        payload: dict[str, Any] = {"media_type": media_type}
        if media_type == "CAROUSEL":
            payload["children"] = _children(children, record)
        else:
            if children:
                raise Rejected("children: only CAROUSEL media have children")
            payload.update(_source(record, media_type, "record"))
        caption = rules.text(record, "caption", required=False, number_ok=False)
        if caption:
            payload["caption"] = rules.check_caption(caption)
        payload.update(_extras(record, media_type))
        publish_at = rules.timestamp(record.get("publish_at"), "publish_at")
        if publish_at is not None:
            payload["publish_at"] = publish_at
        return "publish_media", payload


def _plain(value: Any) -> Any:
    """The record with Singer's Decimal numbers as int or float, so it serialises as JSON."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _source(item: dict[str, Any], media_type: str, where: str) -> dict[str, Any]:
    """image_url / video_url for one container, by media type."""
    image = rules.text(item, "image_url", required=False)
    video = rules.text(item, "video_url", required=False)
    prefix = "" if where == "record" else f"{where}."
    if image and video:
        raise Rejected(f"{prefix}image_url, {prefix}video_url: give one, not both")
    if media_type == "IMAGE" and not image:
        raise Rejected(f"{prefix}image_url: missing; IMAGE media need a JPEG image_url")
    if media_type in ("REELS", "VIDEO") and not video:
        raise Rejected(f"{prefix}video_url: missing; {media_type} media need a video_url")
    if media_type == "STORIES" and not (image or video):
        raise Rejected("image_url: missing; a story needs an image_url or a video_url")
    if image:
        content_type = rules.text(item, "content_type", required=False)
        return {"image_url": rules.check_url(image, f"{prefix}image_url", jpeg=True,
                                             content_type=content_type)}  # fmt: skip
    return {"video_url": rules.check_url(str(video), f"{prefix}video_url", jpeg=False)}


def _children(children: Any, record: dict[str, Any]) -> list[dict[str, Any]]:
    if record.get("image_url") or record.get("video_url"):
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
        for name in ("caption", "location_id"):
            if child.get(name):
                raise Rejected(
                    f"{where}.{name}: carousel items cannot have one; set it on the post"
                )
        item: dict[str, Any] = {"media_type": kind, **_source(child, kind, where)}
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


def _extras(record: dict[str, Any], media_type: str) -> dict[str, Any]:
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


class ExecuteSink(OperationSink):
    """`execute`: a procedure with its params (moderation switches, publishing, tokens)."""

    contract = "execute"
    NEEDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "hide_comment": ("comment_id",),
        "unhide_comment": ("comment_id",),
        "enable_comments": ("media_id",),
        "disable_comments": ("media_id",),
        "publish_container": ("creation_id",),
        "get_authorization_url": (),
        "exchange_code": ("code",),
        "refresh_access_token": (),
        "check_publishing_limit": (),
    }

    def shape(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Procedure + params (an object, a JSON string, or the same names as columns)."""
        procedure = str(rules.text(record, "procedure")).lower()
        if procedure not in self.NEEDS:
            raise Rejected(
                f"procedure: {procedure!r} is unknown; use one of {', '.join(self.NEEDS)}"
            )
        params = rules.structured(record, "params") or {}
        if not isinstance(params, dict):
            raise Rejected("params: expected an object")
        merged = {**{k: v for k, v in record.items() if k in self.NEEDS[procedure]}, **params}
        payload = {name: rules.text(merged, name) for name in self.NEEDS[procedure]}
        if procedure == "exchange_code":
            register_secret(str(payload["code"]))
        if procedure == "get_authorization_url" and merged.get("state"):
            payload["state"] = str(merged["state"])
        return procedure, payload


class IgnoredSink(BatchSink):
    """Streams that carry no operations (Meltano's connection test stream): accepted, no calls."""

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Nothing to do."""

    def process_batch(self, context: dict[str, Any]) -> None:
        """Nothing to do."""


class UnknownStreamSink(OperationSink):
    """A stream matching no contract: each record is rejected with the list of contracts."""

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Reject, naming the streams the target knows."""
        self.writer.reject_record(
            self.stream_name, str(record.get("op_id") or "") or None, record,
            f"stream {self.stream_name!r}: no contract matches its last dash-separated part; "
            "name it …-comments, …-replies, …-media, …-mention_replies or …-execute",
        )  # fmt: skip


class NotAContractSink(OperationSink):
    """A stream named like a contract whose schema has no op_id: not an operations table."""

    def __init__(self, target: Any, stream_name: str, *args: Any, **kwargs: Any) -> None:
        """Warn once for the stream; each record is rejected with the same reason."""
        super().__init__(target, stream_name, *args, **kwargs)
        self.reason = (
            f"stream {stream_name!r} is not an operations table: its name matches the "
            f"{stream_name.rsplit('-', 1)[-1].lower()} contract but it has no op_id column "
            "(landed Instagram data, perhaps); read only operation tables (tap-postgres "
            "filter_schemas, see target-instagram/ops.sql)"
        )
        target.logger.warning("%s: its records are rejected", self.reason)

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Reject with the reason; nothing is sent."""
        self.writer.reject_record(self.stream_name, None, record, self.reason)


SINKS: dict[str, type[OperationSink]] = {
    sink.contract: sink
    for sink in (CommentsSink, RepliesSink, MentionRepliesSink, MediaSink, ExecuteSink)
}
IGNORED_STREAMS = ("meltano_test_stream", "test_stream")
