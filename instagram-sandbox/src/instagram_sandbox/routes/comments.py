"""IG Comment node and its `replies` edge (graph-api.md §3.6, §6.2)."""

from __future__ import annotations

from typing import Any

from instagram_sandbox import errors
from instagram_sandbox.clock import graph_time
from instagram_sandbox.routes.request import (
    MISSING,
    Ctx,
    Node,
    by_time,
    flag,
    nested_edge,
    top_level_edge,
)
from instagram_sandbox.state.models import Comment


def _username(ctx: Ctx, c: Comment) -> Any:
    # `username` needs the manage-comments permission since 2024-08-27 (§3.6).
    ctx.backend.require(ctx.token, "comments")
    return c.username


def _media(ctx: Ctx, c: Comment) -> dict[str, str]:
    item = ctx.backend.world.media[c.media_id]
    return {"id": item.id, "media_product_type": item.media_product_type}


COMMENT: Node[Comment] = Node(
    "IGComment",
    scalars={
        "id": lambda ctx, c: c.id,
        "text": lambda ctx, c: c.text,
        "timestamp": lambda ctx, c: graph_time(c.timestamp),
        "like_count": lambda ctx, c: c.like_count,
        "hidden": lambda ctx, c: c.hidden,
        "from": lambda ctx, c: {"id": c.from_id, "username": c.username},
        "username": _username,
        "user": lambda ctx, c: {"id": c.from_id} if c.by_owner else MISSING,
        "media": _media,
        "parent_id": lambda ctx, c: c.parent_id if c.parent_id else MISSING,
        "legacy_instagram_comment_id": lambda ctx, c: c.id if ctx.req.version <= 21 else MISSING,
    },
    edges={
        "replies": lambda ctx, c, spec: nested_edge(ctx, "replies", c.id, spec, ctx.backend.replies_of(c), by_time, COMMENT)
        if c.parent_id is None else MISSING,
    },
)  # fmt: skip


def _charge_for(ctx: Ctx, c: Comment) -> None:
    ctx.charge(ctx.backend.world.media[c.media_id].owner_id)


def get_comment(ctx: Ctx, comment_id: str) -> dict[str, Any]:
    """`GET /{ig-comment-id}`."""
    c = ctx.backend.comment(comment_id, ctx.token)
    _charge_for(ctx, c)
    return COMMENT.render(ctx, c, ctx.fields())


def post_comment(ctx: Ctx, comment_id: str) -> dict[str, Any]:
    """`POST /{ig-comment-id}` with `hide=true|false`."""
    c = ctx.backend.comment(comment_id, ctx.token)
    _charge_for(ctx, c)
    hide = flag(ctx.req.params, "hide")
    if hide is None:
        raise errors.MissingParameter(name="hide")
    ctx.backend.set_hidden(ctx.token, c, hide)
    return {"success": True}


def delete_comment(ctx: Ctx, comment_id: str) -> dict[str, Any]:
    """`DELETE /{ig-comment-id}`: the media owner only."""
    c = ctx.backend.comment(comment_id, ctx.token)
    _charge_for(ctx, c)
    ctx.backend.delete_comment(ctx.token, c)
    return {"success": True}


def get_replies(ctx: Ctx, comment_id: str) -> dict[str, Any]:
    """`GET /{ig-comment-id}/replies`."""
    c = ctx.backend.comment(comment_id, ctx.token)
    _charge_for(ctx, c)
    if ctx.req.params.get("fields") is None:
        ctx.req.params["fields"] = "id,text,timestamp"
    return top_level_edge(ctx, "replies", ctx.backend.replies_of(c), by_time, COMMENT)


def post_reply(ctx: Ctx, comment_id: str) -> dict[str, Any]:
    """`POST /{ig-comment-id}/replies` with `message`: top-level, visible comments only."""
    c = ctx.backend.comment(comment_id, ctx.token)
    _charge_for(ctx, c)
    item = ctx.backend.media(c.media_id, ctx.token)
    reply = ctx.backend.create_comment(ctx.token, item, ctx.req.params.get("message", ""), parent=c)
    return {"id": reply.id}
