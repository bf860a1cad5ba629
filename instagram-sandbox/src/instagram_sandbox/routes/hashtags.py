"""Hashtag search, hashtag nodes and their media edges (graph-api.md §3.10; Facebook Login only)."""

from __future__ import annotations

import random
import re
from typing import Any

from instagram_sandbox import errors, paging
from instagram_sandbox.routes.media import MEDIA
from instagram_sandbox.routes.request import Ctx, Node, by_time, top_level_edge
from instagram_sandbox.state.models import Hashtag, IgAccount, Media
from instagram_sandbox.state.tokens import DAY
from instagram_sandbox.state.world import hashtag_id

SENSITIVE = frozenset({"nsfw", "sensitive", "blocked"})
_VALID = re.compile(r"^[A-Za-z0-9_]{1,100}$")
TOP_MEDIA = 40
RECENT_MEDIA = 80

HASHTAG: Node[Hashtag] = Node(
    "IGHashtag", scalars={"id": lambda ctx, h: h.id, "name": lambda ctx, h: h.name}
)

# Hashtag media carry no `username` or `owner` (§3.10): asking for them is a nonexisting field.
_PUBLIC = (
    "id",
    "caption",
    "comments_count",
    "like_count",
    "media_type",
    "media_url",
    "permalink",
    "timestamp",
    "media_product_type",
)
HASHTAG_MEDIA: Node[Media] = Node(
    "IGMedia",
    scalars={k: MEDIA.scalars[k] for k in _PUBLIC},
    edges={"children": MEDIA.edges["children"]},
)


def _facebook_only(ctx: Ctx) -> None:
    if ctx.flavour != "facebook":
        raise errors.UnknownPathComponents(path=ctx.req.path)


def _user(ctx: Ctx) -> IgAccount:
    user_id = ctx.req.params.get("user_id")
    if not user_id:
        raise errors.MissingParameter(name="user_id")
    return ctx.backend.account(user_id, ctx.token)


def search(ctx: Ctx) -> dict[str, Any]:
    """`GET /ig_hashtag_search?user_id=…&q=…`: counts against 30 unique tags per 7 days."""
    _facebook_only(ctx)
    acct = _user(ctx)
    ctx.charge_platform()
    name = ctx.req.params.get("q", "").lstrip("#")
    if not name:
        raise errors.MissingParameter(name="q")
    if not _VALID.match(name) or name.lower() in SENSITIVE:
        raise errors.HashtagNotAllowed()
    tag = _ensure(ctx, name.lower())
    ctx.backend.search_hashtag(acct, tag.id)
    return {"data": [{"id": tag.id, "name": tag.name}]}  # real results carry both (§11)


def _ensure(ctx: Ctx, name: str) -> Hashtag:
    """Create the hashtag and its media the first time anyone searches it."""
    w = ctx.backend.world
    tag_id = hashtag_id(name)
    if tag_id in w.hashtags:
        return w.hashtags[tag_id]
    tag = Hashtag(tag_id, name)
    w.hashtags[tag_id] = tag
    crowd = [a for a in w.accounts.values() if a.public_only]
    rng = random.Random(f"{ctx.backend.seed}:{name}")
    now = ctx.backend.now()
    for i in range(TOP_MEDIA + RECENT_MEDIA):
        age = rng.uniform(DAY, 60 * DAY) if i < TOP_MEDIA else rng.uniform(60, DAY - 60)
        item = Media(
            id=ctx.backend.ids.media(), owner_id=rng.choice(crowd).id, media_type="IMAGE",
            media_product_type="FEED", timestamp=now - age, caption=f"Loving this #{name}",
            shortcode=f"{tag_id[-6:]}{i:05d}", like_count=rng.randrange(10, 5000) if i < TOP_MEDIA else rng.randrange(0, 50),
        )  # fmt: skip
        w.media[item.id] = item
        (tag.top_media if i < TOP_MEDIA else tag.recent_media).append(item.id)
    return tag


def _hashtag(ctx: Ctx, tag_id: str) -> Hashtag:
    _facebook_only(ctx)
    tag = ctx.backend.world.hashtags.get(tag_id)
    if tag is None:
        raise errors.UnsupportedGetRequest(object_id=tag_id)
    ctx.charge_platform()
    return tag


def get_hashtag(ctx: Ctx, tag_id: str) -> dict[str, Any]:
    """`GET /{hashtag-id}?fields=id,name`."""
    return HASHTAG.render(ctx, _hashtag(ctx, tag_id), ctx.fields())


def top_media(ctx: Ctx, tag_id: str) -> dict[str, Any]:
    """`GET /{hashtag-id}/top_media?user_id=…`: most liked first, cursor + URLs."""
    tag = _hashtag(ctx, tag_id)
    _user(ctx)
    items = sorted(
        (ctx.backend.world.media[m] for m in tag.top_media),
        key=lambda m: (m.like_count, m.id),
        reverse=True,
    )
    return top_level_edge(ctx, "top_media", items, lambda m: (m.like_count, m.id), HASHTAG_MEDIA)


def recent_media(ctx: Ctx, tag_id: str) -> dict[str, Any]:
    """`GET /{hashtag-id}/recent_media`: last 24 h, 50 per page, one constant `after` cursor (§5.3)."""
    tag = _hashtag(ctx, tag_id)
    _user(ctx)
    b = ctx.backend
    items = [
        b.world.media[m] for m in tag.recent_media if b.now() - b.world.media[m].timestamp < DAY
    ]
    items.sort(key=by_time, reverse=True)
    limit = paging.effective_limit(ctx.req.params.get("limit"), paging.EDGE_PAGING["recent_media"])
    after = ctx.req.params.get("after")
    if after:
        session = paging.decode_cursor(after)
        key = str(session[-1])
        if key not in b.after_only_sessions:
            raise errors.InvalidCursor(cursor=after)
    else:
        key = f"{tag.id}:{len(b.after_only_sessions) + 1}"
        b.after_only_sessions[key] = 0
    offset = b.after_only_sessions[key]
    chosen = items[offset : offset + limit]
    b.after_only_sessions[key] = offset + len(chosen)
    body: dict[str, Any] = {"data": [HASHTAG_MEDIA.render(ctx, m, ctx.fields()) for m in chosen]}
    if chosen:
        cursor = paging.encode_cursor(("recent", key))
        body["paging"] = {"cursors": {"after": cursor}}
        if offset + len(chosen) < len(items):
            body["paging"]["next"] = ctx.url(ctx.req.path, ctx.req.query, {"after": cursor})
    return body
