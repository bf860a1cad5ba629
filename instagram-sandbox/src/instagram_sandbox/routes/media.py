"""IG Media and IG Container nodes and their edges (graph-api.md §3.3, §3.4, §3.13, §4.2, §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instagram_sandbox import cdn, errors
from instagram_sandbox.clock import graph_time
from instagram_sandbox.fields import FieldSpec
from instagram_sandbox.routes import comments as comment_routes
from instagram_sandbox.routes.request import (
    MISSING,
    Ctx,
    Node,
    by_time,
    flag,
    nested_edge,
    top_level_edge,
)
from instagram_sandbox.state.models import Container, Media


def _owned(ctx: Ctx, m: Media) -> bool:
    return m.owner_id in ctx.backend.reachable_accounts(ctx.token)


def _top(m: Media) -> bool:
    return m.parent_id is None


def _fb_only(ctx: Ctx, value: Any, field: str) -> Any:
    if ctx.flavour != "facebook":
        raise errors.NonexistingField(field=field, node_type="IGMedia")
    return value


def _permalink(ctx: Ctx, m: Media) -> Any:
    if not _top(m):
        # children carry a permalink in real answers (§11 overrides §9.4)
        return f"https://www.instagram.com/p/{m.shortcode}/"
    owner = ctx.backend.world.accounts[m.owner_id]
    if m.is_story:
        return f"https://instagram.com/stories/{owner.username}/{m.id}"
    kind = "reel" if m.media_product_type == "REELS" else "p"
    return f"https://www.instagram.com/{kind}/{m.shortcode}/"


def _copyright(ctx: Ctx, m: Media) -> Any:
    if m.id in ctx.backend.config.video_gone_media_ids:
        raise errors.VideoContentNotFound()  # one item's field fails the whole answer (§11)
    if m.media_type != "VIDEO":
        return MISSING
    return {"status": {"status": "completed", "matches_found": False}, "copyright_matches": []}


def _cdn_url(ctx: Ctx, m: Media, kind: cdn.Kind) -> str:
    """A signed CDN link to the media's file (or a video's cover), valid for a while (§11)."""
    b = ctx.backend
    asset = cdn.Asset(m.id, kind, m.media_type == "VIDEO")
    return cdn.url(
        ctx.req.root_url, asset, b.now() + b.config.cdn_url_lifetime_seconds, b.cdn_secret
    )


def _insights(ctx: Ctx, m: Media, spec: FieldSpec) -> dict[str, Any]:
    ctx.backend.require(ctx.token, "insights", m.owner_id)
    params = {"metric": ",".join(spec.modifiers.get("metric", []))}
    if spec.modifier("breakdown"):
        params["breakdown"] = spec.modifier("breakdown") or ""
    return {"data": _media_insights(ctx, m, params)}


def _media_insights(ctx: Ctx, m: Media, params: dict[str, str]) -> list[dict[str, Any]]:
    b = ctx.backend
    return b.insights.media_insights(
        m, b.world.accounts[m.owner_id], params, ctx.req.version, ctx.flavour, b.comment_count(m), b.now(),
        strict_feed_video=b.config.strict_feed_video,
    )  # fmt: skip


def _children_items(ctx: Ctx, m: Media) -> list[Media]:
    return [ctx.backend.world.media[c] for c in m.children]


def _child_key(parent: Media) -> Callable[[Media], tuple[float | int | str, ...]]:
    """Children keep their carousel order: the key falls with the position."""
    return lambda child: (-parent.children.index(child.id), child.id)


MEDIA: Node[Media] = Node(
    "IGMedia",
    scalars={
        "id": lambda ctx, m: m.id,
        "ig_id": lambda ctx, m: m.id[-11:],
        "legacy_instagram_media_id": lambda ctx, m: m.id if ctx.req.version <= 21 else MISSING,
        "media_type": lambda ctx, m: m.media_type,
        "media_product_type": lambda ctx, m: m.media_product_type,
        "caption": lambda ctx, m: m.caption if _top(m) else MISSING,
        "permalink": _permalink,
        "shortcode": lambda ctx, m: m.shortcode,
        "timestamp": lambda ctx, m: graph_time(m.timestamp),
        "media_url": lambda ctx, m: _cdn_url(ctx, m, "media"),
        "thumbnail_url": lambda ctx, m: _cdn_url(ctx, m, "thumbnail") if m.media_type == "VIDEO" else MISSING,
        "like_count": lambda ctx, m: MISSING if (m.likes_hidden and not _owned(ctx, m)) or not _top(m) else m.like_count,
        "comments_count": lambda ctx, m: ctx.backend.comment_count(m) if _top(m) else MISSING,
        "is_comment_enabled": lambda ctx, m: m.comment_enabled if _top(m) else MISSING,
        "is_shared_to_feed": lambda ctx, m: m.is_shared_to_feed if m.media_product_type == "REELS" else MISSING,
        "media_audio_type": lambda ctx, m: m.media_audio_type if m.media_type == "VIDEO" and _top(m) else MISSING,
        "owner": lambda ctx, m: {"id": m.owner_id} if _owned(ctx, m) else MISSING,
        "username": lambda ctx, m: ctx.backend.world.accounts[m.owner_id].username,
        "alt_text": lambda ctx, m: m.alt_text if m.media_type == "IMAGE" and m.alt_text else MISSING,
        "is_ai_generated": lambda ctx, m: m.is_ai_generated,
        "has_poll": lambda ctx, m: False,
        "has_slider": lambda ctx, m: False,
        "copyright_check_information": _copyright,
        "boost_ads_list": lambda ctx, m: _fb_only(ctx, {"data": []}, "boost_ads_list"),
        "boost_eligibility_info": lambda ctx, m: _fb_only(ctx, {"eligible_to_boost": _top(m)}, "boost_eligibility_info"),
        "view_count": lambda ctx, m: MISSING,  # Business Discovery only (§3.3)
        "reposts_count": lambda ctx, m: _fb_only(ctx, m.reposts_count, "reposts_count") if _top(m) and not m.is_story else MISSING,
        "saved_count": lambda ctx, m: _fb_only(ctx, m.saved_count, "saved_count") if _top(m) and not m.is_story else MISSING,
        "shares_count": lambda ctx, m: _fb_only(ctx, m.shares_count, "shares_count") if _top(m) and not m.is_story else MISSING,
        "total_like_count": lambda ctx, m: _fb_only(ctx, m.like_count + m.like_count // 10, "total_like_count"),
        "total_comments_count": lambda ctx, m: _fb_only(ctx, ctx.backend.comment_count(m), "total_comments_count"),
        "total_views_count": lambda ctx, m: _fb_only(
            ctx, ctx.backend.insights.media_value(m, "total_views", 0, ctx.backend.now()), "total_views_count"
        ),
    },
    edges={
        "children": lambda ctx, m, spec: nested_edge(ctx, "children", m.id, spec, _children_items(ctx, m), _child_key(m), MEDIA)
        if m.children else MISSING,
        "comments": lambda ctx, m, spec: nested_edge(
            ctx, "comments", m.id, spec, ctx.backend.comments_of(m), by_time, comment_routes.COMMENT
        ),
        "insights": _insights,
        "collaborators": lambda ctx, m, spec: _fb_only(
            ctx, {"data": [{"id": c, "username": c} for c in m.collaborators]}, "collaborators"
        ),
    },
)  # fmt: skip


CONTAINER: Node[Container] = Node(
    "IGContainer",
    scalars={
        "id": lambda ctx, c: c.id,
        "status_code": lambda ctx, c: ctx.publisher.status(c)[0],
        "status": lambda ctx, c: ctx.publisher.status(c)[1],
        "copyright_check_status": lambda ctx, c: {"status": "completed", "matches_found": False},
    },
)


def get_media(ctx: Ctx, media_id: str) -> dict[str, Any]:
    """`GET /{ig-media-id}`."""
    m = ctx.backend.media(media_id, ctx.token)
    ctx.charge(m.owner_id)
    return MEDIA.render(ctx, m, ctx.fields())


def post_media(ctx: Ctx, media_id: str) -> dict[str, Any]:
    """`POST /{ig-media-id}` with `comment_enabled` (the only media update, §6.3)."""
    m = ctx.backend.media(media_id, ctx.token, write=True)
    ctx.charge(m.owner_id)
    enabled = flag(ctx.req.params, "comment_enabled")
    if enabled is None:
        raise errors.MissingParameter(name="comment_enabled")
    ctx.backend.set_comment_enabled(ctx.token, m, enabled)
    return {"success": True}


def delete_media(ctx: Ctx, media_id: str) -> dict[str, Any]:
    """`DELETE /{ig-media-id}`: Facebook Login only (§6.3)."""
    if ctx.flavour != "facebook":
        raise errors.UnsupportedDeleteRequest(object_id=media_id)
    m = ctx.backend.media(media_id, ctx.token, write=True)
    ctx.charge(m.owner_id)
    ctx.backend.delete_media(ctx.token, m, ctx.flavour)
    return {"success": True, "deleted_id": m.id}


def get_children(ctx: Ctx, media_id: str) -> dict[str, Any]:
    """`GET /{ig-media-id}/children`."""
    m = ctx.backend.media(media_id, ctx.token)
    ctx.charge(m.owner_id)
    return top_level_edge(ctx, "children", _children_items(ctx, m), _child_key(m), MEDIA)


def get_comments(ctx: Ctx, media_id: str) -> dict[str, Any]:
    """`GET /{ig-media-id}/comments`: top level only, 50 per page at most (§3.6)."""
    m = ctx.backend.media(media_id, ctx.token)
    ctx.charge(m.owner_id)
    ctx.backend.require(ctx.token, "comments")  # comments need their own scope (§11)
    if ctx.req.params.get("fields") is None:
        ctx.req.params["fields"] = "id,text,timestamp"  # this edge's default fields (§3)
    return top_level_edge(
        ctx, "comments", ctx.backend.comments_of(m), by_time, comment_routes.COMMENT
    )


def post_comment(ctx: Ctx, media_id: str) -> dict[str, Any]:
    """`POST /{ig-media-id}/comments` with `message`."""
    m = ctx.backend.media(media_id, ctx.token, write=True)
    ctx.charge(m.owner_id)
    comment = ctx.backend.create_comment(ctx.token, m, ctx.req.params.get("message", ""))
    return {"id": comment.id}


def get_insights(ctx: Ctx, media_id: str) -> dict[str, Any]:
    """`GET /{ig-media-id}/insights?metric=…` (§4.2)."""
    m = ctx.backend.media(media_id, ctx.token)
    ctx.charge(m.owner_id)
    ctx.backend.require(ctx.token, "insights", m.owner_id)
    return {"data": _media_insights(ctx, m, ctx.req.params)}


def get_collaborators(ctx: Ctx, media_id: str) -> dict[str, Any]:
    """`GET /{ig-media-id}/collaborators` (Facebook Login)."""
    m = ctx.backend.media(media_id, ctx.token)
    ctx.charge(m.owner_id)
    return dict(MEDIA.edges["collaborators"](ctx, m, FieldSpec("collaborators")))


def get_container(ctx: Ctx, container_id: str) -> dict[str, Any]:
    """`GET /{ig-container-id}?fields=status_code,status` (§3.13)."""
    box = ctx.backend.container(container_id, ctx.token)
    ctx.charge(box.owner_id)
    return CONTAINER.render(ctx, box, ctx.fields())
