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
from target_instagram import media_records, rules
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

    def message(self, record: dict[str, Any]) -> str:
        """A comment's text, pre-checked against the v1 rules unless `comment_prechecks` is off."""
        message = str(rules.text(record, "message", number_ok=False))
        if self.config.get("comment_prechecks", True) is False:
            return message  # Graph's own answer decides, and the results file carries its code
        return rules.check_comment(message)

    @property
    def facebook_login(self) -> bool:
        """Whether the target writes with Facebook Login (several 2025–26 features need it)."""
        return str(self.config.get("login") or "facebook").lower() == "facebook"

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
        message = self.message(record)
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
        message = self.message(record)
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
            payload["children"] = media_records.carousel_items(children, record)
        else:
            if children:
                raise Rejected("children: only CAROUSEL media have children")
            payload.update(media_records.source(record, media_type, "record"))
        caption = rules.text(record, "caption", required=False, number_ok=False)
        if caption:
            payload["caption"] = rules.check_caption(caption)
        payload.update(media_records.extras(record, media_type))
        payload.update(media_records.labels(record, media_type))
        if not self.facebook_login and (
            needs := media_records.FACEBOOK_ONLY & set(media_records.fields_of(payload))
        ):
            raise Rejected(f"{', '.join(sorted(needs))}: available with Facebook Login only "
                           "(login: facebook); leave it out with Instagram Login")  # fmt: skip
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


class LikesSink(OperationSink):
    """`likes`: like a media or comment (media_id or comment_id); delete to unlike."""

    contract = "likes"

    def shape(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Exactly one of media_id and comment_id; Facebook Login with instagram_manage_engagement."""
        if not self.facebook_login:
            raise Rejected("likes: available with Facebook Login only (login: facebook)")
        target = {k: v for k in ("media_id", "comment_id")
                  if (v := rules.text(record, k, required=False))}  # fmt: skip
        if len(target) != 1:
            raise Rejected("media_id, comment_id: give exactly one, the media or comment to like")
        return ("unlike" if self.is_delete(record) else "like"), target


class CollaborationInvitesSink(OperationSink):
    """`collaboration_invites`: accept (accept true) or decline (false) the invite on media_id."""

    contract = "collaboration_invites"

    def shape(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """media_id and accept; Facebook Login only."""
        if not self.facebook_login:
            raise Rejected(
                "collaboration_invites: available with Facebook Login only (login: facebook)"
            )
        accept = rules.boolean(record, "accept")
        if accept is None:
            raise Rejected("accept: missing; true accepts the invite, false declines it")
        if self.is_delete(record):
            raise Rejected("action: an answered invite cannot be taken back through the API")
        return "answer_invite", {"media_id": rules.text(record, "media_id"), "accept": accept}


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
            "name it …-comments, …-replies, …-media, …-mention_replies, …-likes, "
            "…-collaboration_invites or …-execute",
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
    for sink in (
        CommentsSink,
        RepliesSink,
        MentionRepliesSink,
        MediaSink,
        LikesSink,
        CollaborationInvitesSink,
        ExecuteSink,
    )
}
IGNORED_STREAMS = ("meltano_test_stream", "test_stream")
