"""`/me`, Pages and the IG User node with its edges (graph-api.md §1.2, §1.3, §3.1–3.12, §4.1, §6)."""

from __future__ import annotations

from typing import Any

from instagram_sandbox import errors, paging
from instagram_sandbox.fields import FieldSpec
from instagram_sandbox.routes import media as media_routes
from instagram_sandbox.routes.request import (
    MISSING,
    Ctx,
    Node,
    by_time,
    edge_page,
    nested_edge,
    top_level_edge,
)
from instagram_sandbox.state.insights import parse_time_param
from instagram_sandbox.state.models import FacebookUser, IgAccount, Media, Page

_ACCOUNT_TYPE = {"BUSINESS": "Business", "MEDIA_CREATOR": "Media_Creator"}


def _fb_only_edge(ctx: Ctx, field: str) -> None:
    if ctx.flavour != "facebook":
        raise errors.NonexistingField(field=field, node_type="IGUser")


def _business_discovery(ctx: Ctx, acct: IgAccount, spec: FieldSpec) -> dict[str, Any]:
    _fb_only_edge(ctx, "business_discovery")
    ctx.charge_platform()
    username = spec.modifier("username")
    if not username:
        raise errors.MissingParameter(name="username")
    target = next((a for a in ctx.backend.world.accounts.values() if a.username == username), None)
    if target is None:
        raise errors.BusinessDiscoveryNotFound(username=username)
    return PUBLIC_ACCOUNT.render(ctx, target, spec.children)


def _mentioned_media(ctx: Ctx, acct: IgAccount, spec: FieldSpec) -> dict[str, Any]:
    _fb_only_edge(ctx, "mentioned_media")
    media_id = spec.modifier("media_id") or ""
    if media_id not in acct.mentioned_media_ids:
        raise errors.UnsupportedGetRequest(object_id=media_id)
    return media_routes.MEDIA.render(ctx, ctx.backend.world.media[media_id], spec.children)


def _mentioned_comment(ctx: Ctx, acct: IgAccount, spec: FieldSpec) -> dict[str, Any]:
    from instagram_sandbox.routes.comments import COMMENT

    _fb_only_edge(ctx, "mentioned_comment")
    comment = ctx.backend.world.comments.get(spec.modifier("comment_id") or "")
    if comment is None or comment.media_id not in acct.mentioned_media_ids + acct.tagged_media_ids:
        raise errors.UnsupportedGetRequest(object_id=spec.modifier("comment_id") or "")
    return COMMENT.render(ctx, comment, spec.children)


_PROFILE: dict[str, Any] = {
    "id": lambda ctx, a: a.id,
    "ig_id": lambda ctx, a: int(a.ig_id),
    "username": lambda ctx, a: a.username,
    "name": lambda ctx, a: a.name,
    "biography": lambda ctx, a: a.biography,
    "website": lambda ctx, a: a.website,
    "profile_picture_url": lambda ctx, a: a.profile_picture_url,
    "followers_count": lambda ctx, a: a.followers_count,
    "follows_count": lambda ctx, a: a.follows_count,
    "media_count": lambda ctx, a: len(ctx.backend.media_of(a)),
}

ACCOUNT: Node[IgAccount] = Node(
    "IGUser",
    scalars={
        **_PROFILE,
        "has_profile_pic": lambda ctx, a: True,
        "is_published": lambda ctx, a: True,
        "legacy_instagram_user_id": lambda ctx, a: a.ig_id if ctx.req.version <= 21 else MISSING,
        "shopping_product_tag_eligibility": lambda ctx, a: False,
        "shopping_review_status": lambda ctx, a: "not_onboarded",
        "user_id": lambda ctx, a: a.id if ctx.flavour == "instagram" else MISSING,
        "account_type": lambda ctx, a: _ACCOUNT_TYPE[a.account_type] if ctx.flavour == "instagram" else MISSING,
    },
    edges={
        "business_discovery": _business_discovery,
        "mentioned_media": _mentioned_media,
        "mentioned_comment": _mentioned_comment,
        "media": lambda ctx, a, spec: nested_edge(ctx, "media", a.id, spec, _reachable_media(ctx, a), by_time, media_routes.MEDIA),
        "stories": lambda ctx, a, spec: nested_edge(ctx, "stories", a.id, spec, ctx.backend.stories_of(a), by_time, media_routes.MEDIA),
    },
)  # fmt: skip

# Media as business discovery shows it: public fields only, `view_count` on reels (§3.9).
_BD_MEDIA: Node[Media] = Node(
    "IGMedia",
    scalars={
        **{k: v for k, v in media_routes.MEDIA.scalars.items() if k not in ("owner", "boost_ads_list", "boost_eligibility_info")},
        "view_count": lambda ctx, m: m.view_count if m.media_product_type == "REELS" else MISSING,
        "like_count": lambda ctx, m: MISSING if m.likes_hidden else m.like_count,
    },
    edges={"children": media_routes.MEDIA.edges["children"]},
)  # fmt: skip


def _bd_media(ctx: Ctx, a: IgAccount, spec: FieldSpec) -> dict[str, Any]:
    rule = paging.EDGE_PAGING["business_discovery_media"]
    page = paging.slice_page(
        ctx.backend.media_of(a), by_time, after=spec.modifier("after"), before=spec.modifier("before"),
        limit=paging.effective_limit(spec.modifier("limit"), rule),
    )  # fmt: skip
    body: dict[str, Any] = {"data": [_BD_MEDIA.render(ctx, m, spec.children) for m in page.items]}
    links = paging.render_paging(page, rule.shape, lambda _: "", last_page_cursors=True)
    if links:
        body["paging"] = links
    return body


PUBLIC_ACCOUNT: Node[IgAccount] = Node("IGUser", scalars=dict(_PROFILE), edges={"media": _bd_media})


def _page_token(ctx: Ctx, page: Page) -> str:
    for token in ctx.backend.tokens.tokens.values():
        if token.kind == "page" and token.subject_id == page.id:
            return token.value
    return ""


def _linked(ctx: Ctx, page: Page, spec: FieldSpec) -> Any:
    if page.ig_account_id is None:
        return MISSING  # Pages without an IG account simply lack the key (§1.2)
    acct = ctx.backend.world.accounts[page.ig_account_id]
    return ACCOUNT.render(ctx, acct, spec.children)


PAGE: Node[Page] = Node(
    "Page",
    scalars={
        "id": lambda ctx, p: p.id,
        "name": lambda ctx, p: p.name,
        "category": lambda ctx, p: p.category,
        "category_list": lambda ctx, p: [{"id": "2500", "name": p.category}],
        "tasks": lambda ctx, p: p.tasks,
        "access_token": _page_token,
    },
    edges={"instagram_business_account": _linked, "connected_instagram_account": _linked},
    defaults=("id", "name", "access_token", "category", "category_list", "tasks"),
)

FB_USER: Node[FacebookUser] = Node(
    "User",
    scalars={"id": lambda ctx, u: u.id, "name": lambda ctx, u: u.name},
    defaults=("id", "name"),
)


def _reachable_media(ctx: Ctx, acct: IgAccount) -> list[Media]:
    return ctx.backend.media_of(acct)[: paging.MEDIA_REACHABLE]


def get_me(ctx: Ctx) -> dict[str, Any]:
    """`GET /me`: the IG account (Instagram Login), the user, or the Page of a Page token."""
    w, token = ctx.backend.world, ctx.token
    if ctx.flavour == "instagram":
        acct = w.accounts[token.subject_id]
        ctx.charge(acct.id)
        body = ACCOUNT.render(ctx, acct, ctx.fields())
        body["id"] = acct.app_scoped_id  # on /me, `id` is app-scoped and `user_id` the IG id (§1.3)
        return body
    ctx.charge_platform()
    if token.kind == "page":
        return PAGE.render(ctx, w.pages[token.subject_id], ctx.fields())
    return FB_USER.render(ctx, w.fb_users[token.subject_id], ctx.fields())


def get_me_accounts(ctx: Ctx) -> dict[str, Any]:
    """`GET /me/accounts`: Pages with tokens, some without a linked IG account (§1.2)."""
    if ctx.flavour != "facebook" or (
        ctx.token.kind != "fb_user_long" and ctx.token.kind != "fb_user_short"
    ):
        raise errors.NonexistingField(
            field="accounts", node_type="Page" if ctx.token.kind == "page" else "IGUser"
        )
    ctx.backend.require(ctx.token, "pages")
    ctx.charge_platform()
    pages = ctx.backend.pages_of(ctx.token)
    keyed = {p.id: -i for i, p in enumerate(pages)}
    p = ctx.req.params
    # Real `next` links name the numeric user id instead of `me` and carry pretty=0 (§11).
    body = edge_page(
        ctx, "accounts", pages, lambda page: (keyed[page.id],), PAGE, specs=ctx.fields(),
        limit=p.get("limit"), after=p.get("after"), before=p.get("before"),
        path=f"/{ctx.token.subject_id}/accounts", query=[*ctx.req.query, ("pretty", "0")],
    )  # fmt: skip
    if "total_count" in p.get("summary", ""):
        body["summary"] = {"total_count": len(pages)}
    return body


def get_user_accounts(ctx: Ctx, user_id: str) -> dict[str, Any]:
    """`GET /{user-id}/accounts`: what `/me/accounts` `next` links point at (§11)."""
    if user_id != ctx.token.subject_id:
        raise errors.UnsupportedGetRequest(object_id=user_id)
    return get_me_accounts(ctx)


def get_page(ctx: Ctx, page_id: str) -> dict[str, Any]:
    """`GET /{page-id}`."""
    if ctx.flavour != "facebook" or (
        not any(p.id == page_id for p in ctx.backend.pages_of(ctx.token))
        and ctx.token.subject_id != page_id
    ):
        raise errors.UnsupportedGetRequest(object_id=page_id)
    ctx.charge_platform()
    return PAGE.render(ctx, ctx.backend.world.pages[page_id], ctx.fields())


def get_user(ctx: Ctx, user_id: str) -> dict[str, Any]:
    """`GET /{user-id}` of the token's own Facebook user."""
    if ctx.token.subject_id != user_id:
        raise errors.UnsupportedGetRequest(object_id=user_id)
    ctx.charge_platform()
    return FB_USER.render(ctx, ctx.backend.world.fb_users[user_id], ctx.fields())


def _account(ctx: Ctx, account_id: str) -> IgAccount:
    acct = ctx.backend.account(account_id, ctx.token)
    ctx.charge(acct.id)
    return acct


def get_account(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}`."""
    acct = ctx.backend.account(account_id, ctx.token)
    specs = ctx.fields() or []
    if not any(s.name == "business_discovery" for s in specs):
        ctx.charge(acct.id)
    return ACCOUNT.render(ctx, acct, ctx.fields())


def get_media_edge(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}/media`: newest first, `since`/`until`, 10,000 most recent (§3.2)."""
    acct = _account(ctx, account_id)
    if any(spec.name == "comments" for spec in ctx.fields() or []):
        ctx.backend.require(ctx.token, "comments")  # an expanded edge needs its own scope (§11)
    if (
        ctx.backend.config.media_requires_page_permission
        and ctx.token.flavour == "facebook"
        and "pages_read_engagement" not in ctx.token.scopes
    ):
        raise errors.PageMediaPermission()
    items = _reachable_media(ctx, acct)
    p = ctx.req.params
    if p.get("since"):
        since = parse_time_param(p["since"], "since")
        items = [m for m in items if m.timestamp >= since]
    if p.get("until"):
        until = parse_time_param(p["until"], "until")
        items = [m for m in items if m.timestamp <= until]
    return top_level_edge(ctx, "media", items, by_time, media_routes.MEDIA)


def post_media_edge(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`POST /{ig-user-id}/media`: create a publishing container (§6.1)."""
    acct = _account(ctx, account_id)
    box = ctx.publisher.create(ctx.token, acct, ctx.req.params, ctx.flavour)
    body: dict[str, Any] = {"id": box.id}
    if box.awaiting_upload:
        body["uri"] = (
            f"{ctx.req.root_url}/rupload.facebook.com/ig-api-upload/v{ctx.req.version}.0/{box.id}"
        )
    return body


def post_media_publish(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`POST /{ig-user-id}/media_publish?creation_id=…`."""
    acct = _account(ctx, account_id)
    item = ctx.publisher.publish(ctx.token, acct, ctx.req.params.get("creation_id", ""))
    return {"id": item.id}


def get_stories(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}/stories`: stories of the last 24 h only."""
    acct = _account(ctx, account_id)
    return top_level_edge(ctx, "stories", ctx.backend.stories_of(acct), by_time, media_routes.MEDIA)


def get_tags(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}/tags`: cursors only, no next/previous URLs (§3.7); needs comments (§11)."""
    acct = _account(ctx, account_id)
    ctx.backend.require(ctx.token, "comments")
    return top_level_edge(ctx, "tags", ctx.backend.tagged_of(acct), by_time, media_routes.MEDIA)


def get_live_media(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}/live_media`: no broadcast is ever live in the sandbox."""
    _account(ctx, account_id)
    return {"data": []}


def get_insights(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}/insights` with time-window paging (§4.1)."""
    acct = _account(ctx, account_id)
    ctx.backend.require(ctx.token, "insights", acct.id)
    data, window = ctx.backend.insights.user_insights(
        acct, ctx.req.params, ctx.req.version, ctx.backend.now()
    )
    body: dict[str, Any] = {"data": data}
    if window is not None:
        since, until = window
        width = until - since
        body["paging"] = {
            "previous": ctx.url(
                ctx.req.path,
                ctx.req.query,
                {"since": str(int(since - width)), "until": str(int(since))},
            ),
            "next": ctx.url(
                ctx.req.path,
                ctx.req.query,
                {"since": str(int(until)), "until": str(int(until + width))},
            ),
        }
    return body


def get_publishing_limit(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}/content_publishing_limit`: `quota_usage` unless more is asked (§3.11).

    Reading the quota needs the publishing permission (§11).
    """
    acct = _account(ctx, account_id)
    ctx.backend.require(ctx.token, "publish")
    since_raw = ctx.req.params.get("since")
    since = parse_time_param(since_raw, "since") if since_raw else None
    full = {
        "quota_usage": ctx.publisher.quota_usage(acct, since),
        "config": {"quota_total": acct.quota_total, "quota_duration": 86400},
    }
    specs = ctx.fields()
    wanted = [s.name for s in specs] if specs else ["quota_usage"]
    for name in wanted:
        if name not in full:
            raise errors.NonexistingField(field=name, node_type="ContentPublishingLimitResponse")
    return {"data": [{k: full[k] for k in wanted}]}


def post_mentions(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`POST /{ig-user-id}/mentions`: reply to a mention (Facebook Login, §6.2)."""
    if ctx.flavour != "facebook":
        raise errors.UnknownPathComponents(path="/mentions")
    acct = _account(ctx, account_id)
    p = ctx.req.params
    if not p.get("media_id"):
        raise errors.MissingParameter(name="media_id")
    comment = ctx.backend.mention_reply(
        ctx.token, acct, p["media_id"], p.get("comment_id"), p.get("message", "")
    )
    return {"id": comment.id}


def get_recent_hashtags(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}/recently_searched_hashtags`: cursors only."""
    from instagram_sandbox.routes.hashtags import HASHTAG

    acct = _account(ctx, account_id)
    searched = ctx.backend.world.hashtag_searches.get(acct.id, {})
    tags = [ctx.backend.world.hashtags[h] for h in searched]
    order = {h: at for h, at in searched.items()}
    return top_level_edge(
        ctx, "recently_searched_hashtags", tags, lambda t: (order[t.id], t.id), HASHTAG
    )


def subscribed_apps(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET|POST|DELETE /{ig-user-id}/subscribed_apps`: webhook fields for this account (§8)."""
    acct = _account(ctx, account_id)
    if ctx.req.method == "DELETE":
        acct.subscribed_fields = []
        ctx.backend.record_write("webhooks.unsubscribe", acct.id, acct.id)
        return {"success": True}
    if ctx.req.method == "POST":
        fields = [f for f in ctx.req.params.get("subscribed_fields", "").split(",") if f]
        if not fields:
            raise errors.MissingParameter(name="subscribed_fields")
        acct.subscribed_fields = fields
        ctx.backend.record_write("webhooks.subscribe", acct.id, acct.id, subscribed_fields=fields)
        return {"success": True}
    app = ctx.backend.world.apps[ctx.token.app_id]
    return {
        "data": [{"id": app.app_id, "name": app.name, "subscribed_fields": acct.subscribed_fields}]
        if acct.subscribed_fields
        else []
    }
