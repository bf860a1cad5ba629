"""The operation kinds: which flow applies each, whether repeating it is harmless, how to call it.

A sink turns a record into an `Operation`; the writer routes it by `KINDS[kind].flow` to
moderation (Graph batches), publishing (containers, then publish) or a procedure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from instagram_graph.batch import BatchOperation
from target_instagram.ledger import RECEIVED, Entry

Flow = Literal["moderation", "publishing", "procedure"]
Account = Callable[[], str]  # the operation's account, resolved only when a call needs it
Request = Callable[[dict[str, Any], Account], BatchOperation]

SECRET_PARAMS = ("code",)  # single-use secrets (an OAuth code) never go to the ledger


@dataclass(frozen=True)
class Kind:
    """One operation kind."""

    flow: Flow
    request: Request | None = None  # moderation: the one Graph call that applies it
    creates: bool = False  # makes a comment: an unknown outcome is reconciled by searching for it
    deletes: bool = False  # a repeat answered "not found" means the first attempt applied it
    answers_invite: bool = False  # applied once the invite is no longer pending (read to check)


def _comment(p: dict[str, Any], account: Account) -> BatchOperation:
    return BatchOperation("POST", f"{p['media_id']}/comments", {"message": p["message"]})


def _reply(p: dict[str, Any], account: Account) -> BatchOperation:
    return BatchOperation("POST", f"{p['comment_id']}/replies", {"message": p["message"]})


def _mention_reply(p: dict[str, Any], account: Account) -> BatchOperation:
    params: dict[str, Any] = {k: p[k] for k in ("media_id", "comment_id", "message") if k in p}
    return BatchOperation("POST", f"{account()}/mentions", params)


def _delete(p: dict[str, Any], account: Account) -> BatchOperation:
    return BatchOperation("DELETE", str(p.get("comment_id") or p.get("media_id")), repeatable=True)


def _hide(hide: bool) -> Request:
    def request(p: dict[str, Any], account: Account) -> BatchOperation:
        value = "true" if hide else "false"
        return BatchOperation("POST", p["comment_id"], {"hide": value}, repeatable=True)

    return request


def _comments_enabled(enabled: bool) -> Request:
    def request(p: dict[str, Any], account: Account) -> BatchOperation:
        value = "true" if enabled else "false"
        return BatchOperation("POST", p["media_id"], {"comment_enabled": value}, repeatable=True)

    return request


def _like(like: bool) -> Request:
    def request(p: dict[str, Any], account: Account) -> BatchOperation:
        target: dict[str, Any] = {k: p[k] for k in ("media_id", "comment_id") if k in p}
        return BatchOperation("POST" if like else "DELETE", f"{account()}/likes", target,
                              repeatable=True)  # fmt: skip

    return request


def _answer_invite(p: dict[str, Any], account: Account) -> BatchOperation:
    accept = "true" if p["accept"] else "false"
    return BatchOperation("POST", f"{account()}/collaboration_invites",
                          {"media_id": p["media_id"], "accept": accept})  # fmt: skip


KINDS: dict[str, Kind] = {
    "comment": Kind("moderation", _comment, creates=True),
    "reply": Kind("moderation", _reply, creates=True),
    "mention_reply": Kind("moderation", _mention_reply, creates=True),
    "delete_comment": Kind("moderation", _delete, deletes=True),
    "delete_media": Kind("moderation", _delete, deletes=True),
    "hide_comment": Kind("moderation", _hide(True)),
    "unhide_comment": Kind("moderation", _hide(False)),
    "enable_comments": Kind("moderation", _comments_enabled(True)),
    "disable_comments": Kind("moderation", _comments_enabled(False)),
    "like": Kind("moderation", _like(True)),
    "unlike": Kind("moderation", _like(False)),
    "answer_invite": Kind("moderation", _answer_invite, answers_invite=True),
    "publish_media": Kind("publishing"),
    "publish_container": Kind("publishing"),
    "get_authorization_url": Kind("procedure"),
    "exchange_code": Kind("procedure"),
    "refresh_access_token": Kind("procedure"),
    "check_publishing_limit": Kind("procedure"),
}


def flow_of(kind: str) -> Flow:
    """The flow that applies a kind."""
    return KINDS[kind].flow


@dataclass
class Operation:
    """What a sink makes of a record."""

    stream: str
    op_id: str
    kind: str
    account_id: str | None
    payload: dict[str, Any]

    def entry(self) -> Entry:
        """A new ledger entry; the fingerprint covers kind, account and payload."""
        canonical = json.dumps([self.kind, self.account_id, self.payload], sort_keys=True)
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        return Entry(self.stream, self.op_id, self.kind, self.account_id, dict(self.payload),
                     digest, RECEIVED, due_at=self.payload.get("publish_at"))  # fmt: skip


@dataclass
class Job:
    """An operation being worked on in this run; `record` is None when it came from the ledger."""

    entry: Entry
    record: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        """`stream/op_id`."""
        return f"{self.entry.stream}/{self.entry.op_id}"

    @property
    def kind(self) -> Kind:
        """The operation's kind."""
        return KINDS[self.entry.kind]

    @property
    def object_id(self) -> str | None:
        """The comment or media a moderation operation acts on."""
        p = self.entry.payload
        return p.get("comment_id") or p.get("media_id")


def request_of(job: Job, account: Account) -> BatchOperation:
    """The Graph call that applies a moderation job."""
    request = job.kind.request
    if request is None:
        raise ValueError(f"{job.entry.kind} is not applied by a single call")
    return request(job.entry.payload, account)


def planned_calls(entry: Entry, account: str) -> list[str]:
    """The calls a dry run reports for an operation."""
    kind, p = KINDS[entry.kind], entry.payload
    if kind.request is not None:
        return [describe(kind.request(p, lambda: account))]
    if kind.flow == "publishing":
        items = len(p.get("children") or [])
        calls = [f"POST /{account}/media ×{items} (carousel items)"] if items else []
        files = [f for f in ("video_file",) if f in p] + [
            f"children[{n}].video_file"
            for n, c in enumerate(p.get("children") or [])
            if "video_file" in c
        ]
        uploads = [f"POST rupload.facebook.com/ig-api-upload/{{container-id}} (chunks of {f})"
                   for f in files]  # fmt: skip
        return [*calls, f"POST /{account}/media (container)", *uploads,
                "GET /{container-id} (status)", f"POST /{account}/media_publish"]  # fmt: skip
    return [entry.kind]


def describe(op: BatchOperation) -> str:
    """Method, path and parameter names: never values (a message may be long, a code secret)."""
    names = ",".join(sorted(op.params))
    return f"{op.method} /{op.path}" + (f" [{names}]" if names else "")


def stored(entry: Entry) -> Entry:
    """The entry as written to the ledger: single-use secrets (an OAuth code) are not kept."""
    if not any(k in entry.payload for k in SECRET_PARAMS):
        return entry
    payload = {k: ("<not stored>" if k in SECRET_PARAMS else v) for k, v in entry.payload.items()}
    return Entry(**{**entry.__dict__, "payload": payload})
