"""The one routing table: Graph paths to handlers, by node type, edge and method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instagram_sandbox import errors
from instagram_sandbox.faults import FaultBook
from instagram_sandbox.routes import accounts, comments, engagement, hashtags, media, oauth
from instagram_sandbox.routes.request import Ctx, GraphRequest
from instagram_sandbox.state.backend import GraphBackend
from instagram_sandbox.state.models import Token
from instagram_sandbox.state.publishing import Publisher
from instagram_sandbox.state.tokens import appsecret_proof_ok

NodeHandler = Callable[[Ctx, str], dict[str, Any]]

# Paths answered without a user token (they check app credentials themselves).
TOKEN_ROUTES: dict[tuple[str, str], Callable[[GraphBackend, GraphRequest], dict[str, Any]]] = {
    ("facebook", "/oauth/access_token"): oauth.facebook_access_token,
    ("facebook", "/debug_token"): oauth.debug_token,
    ("instagram", "/access_token"): oauth.instagram_exchange,
    ("instagram", "/refresh_access_token"): oauth.instagram_refresh,
}

FIXED_ROUTES: dict[tuple[str, str], Callable[[Ctx], dict[str, Any]]] = {
    ("/me", "GET"): accounts.get_me,
    ("/me/accounts", "GET"): accounts.get_me_accounts,
    ("/ig_hashtag_search", "GET"): hashtags.search,
}

NODE_ROUTES: dict[tuple[str, str], NodeHandler] = {
    ("IGUser", "GET"): accounts.get_account,
    ("IGMedia", "GET"): media.get_media,
    ("IGMedia", "POST"): media.post_media,
    ("IGMedia", "DELETE"): media.delete_media,
    ("IGComment", "GET"): comments.get_comment,
    ("IGComment", "POST"): comments.post_comment,
    ("IGComment", "DELETE"): comments.delete_comment,
    ("IGContainer", "GET"): media.get_container,
    ("Page", "GET"): accounts.get_page,
    ("IGHashtag", "GET"): hashtags.get_hashtag,
    ("User", "GET"): accounts.get_user,
}

EDGE_ROUTES: dict[tuple[str, str, str], NodeHandler] = {
    ("User", "accounts", "GET"): accounts.get_user_accounts,
    ("IGUser", "media", "GET"): accounts.get_media_edge,
    ("IGUser", "media", "POST"): accounts.post_media_edge,
    ("IGUser", "media_publish", "POST"): accounts.post_media_publish,
    ("IGUser", "stories", "GET"): accounts.get_stories,
    ("IGUser", "tags", "GET"): accounts.get_tags,
    ("IGUser", "insights", "GET"): accounts.get_insights,
    ("IGUser", "content_publishing_limit", "GET"): accounts.get_publishing_limit,
    ("IGUser", "live_media", "GET"): accounts.get_live_media,
    ("IGUser", "mentions", "POST"): accounts.post_mentions,
    ("IGUser", "recently_searched_hashtags", "GET"): accounts.get_recent_hashtags,
    ("IGUser", "subscribed_apps", "GET"): accounts.subscribed_apps,
    ("IGUser", "subscribed_apps", "POST"): accounts.subscribed_apps,
    ("IGUser", "subscribed_apps", "DELETE"): accounts.subscribed_apps,
    ("IGUser", "likes", "POST"): engagement.post_like,
    ("IGUser", "likes", "DELETE"): engagement.delete_like,
    ("IGUser", "collaboration_invites", "GET"): engagement.get_invites,
    ("IGUser", "collaboration_invites", "POST"): engagement.post_invite,
    ("IGMedia", "children", "GET"): media.get_children,
    ("IGMedia", "comments", "GET"): media.get_comments,
    ("IGMedia", "comments", "POST"): media.post_comment,
    ("IGMedia", "insights", "GET"): media.get_insights,
    ("IGMedia", "collaborators", "GET"): media.get_collaborators,
    ("IGComment", "replies", "GET"): comments.get_replies,
    ("IGComment", "replies", "POST"): comments.post_reply,
    ("IGHashtag", "top_media", "GET"): hashtags.top_media,
    ("IGHashtag", "recent_media", "GET"): hashtags.recent_media,
}

# How ids are named in path templates of the stats (`GET /{ig-user-id}/media`).
TEMPLATE_NAMES = {
    "IGUser": "{ig-user-id}",
    "IGMedia": "{ig-media-id}",
    "IGComment": "{ig-comment-id}",
    "IGContainer": "{ig-container-id}",
    "Page": "{page-id}",
    "IGHashtag": "{hashtag-id}",
    "User": "{user-id}",
}

_UNSUPPORTED = {
    "GET": errors.UnsupportedGetRequest,
    "POST": errors.UnsupportedPostRequest,
    "DELETE": errors.UnsupportedDeleteRequest,
}


def path_template(backend: GraphBackend, path: str) -> str:
    """`/17841…/media` → `/{ig-user-id}/media`, for stats and fault matching."""
    parts = path.strip("/").split("/") if path.strip("/") else []
    if parts and parts[0] != "me":
        kind = backend.world.kind_of(parts[0])
        if kind is not None:
            parts[0] = TEMPLATE_NAMES[kind]
        elif parts[0].isdigit():
            parts[0] = "{unknown-id}"
    return "/" + "/".join(parts)


def authenticate(backend: GraphBackend, req: GraphRequest) -> Token:
    """Validate the token for the host, and `appsecret_proof` when the app requires it (§2.5)."""
    if not req.token_value and req.path.startswith("/me"):
        raise errors.ActiveTokenRequired()
    token = backend.tokens.validate(req.token_value, req.flavour)
    cfg = backend.config
    if cfg.require_appsecret_proof and (req.flavour == "facebook" or cfg.appsecret_on_instagram):
        proof = req.params.get("appsecret_proof")
        if not proof:
            raise errors.AppsecretProofRequired()
        secret = backend.world.apps[token.app_id].secret
        if not appsecret_proof_ok(
            secret, token.value, proof, req.params.get("appsecret_time"), backend.now()
        ):
            raise errors.InvalidAppsecretProof()
    return token


def dispatch(
    backend: GraphBackend, publisher: Publisher, req: GraphRequest, faults: FaultBook | None = None
) -> tuple[dict[str, Any] | list[Any], dict[str, str]]:
    """Run one Graph call; return its body and extra headers, or raise a `SandboxError`."""
    token_route = TOKEN_ROUTES.get((req.flavour, req.path))
    if token_route is not None:
        return token_route(backend, req), {}
    token = authenticate(backend, req)
    ctx = Ctx(backend, publisher, req, token, faults)
    if req.path == "/":
        from instagram_sandbox.routes import batch

        return batch.root(ctx), ctx.headers
    fixed = FIXED_ROUTES.get((req.path, req.method))
    if fixed is not None:
        return fixed(ctx), ctx.headers
    parts = req.path.strip("/").split("/")
    if len(parts) > 2:
        raise errors.UnknownPathComponents(path=req.path)
    object_id = parts[0]
    if object_id == "me":
        if token.flavour != "instagram" and token.kind != "page":
            raise errors.UnknownPathComponents(path=req.path)
        object_id = token.subject_id
        if token.kind == "page":
            object_id = backend.world.pages[object_id].ig_account_id or object_id
    kind = backend.world.kind_of(object_id)
    if kind is None:
        raise _UNSUPPORTED.get(req.method, errors.UnsupportedGetRequest)(object_id=object_id)
    if len(parts) == 1:
        handler = NODE_ROUTES.get((kind, req.method))
        if handler is None:
            raise _UNSUPPORTED.get(req.method, errors.UnsupportedGetRequest)(object_id=object_id)
    else:
        handler = EDGE_ROUTES.get((kind, parts[1], req.method))
        if handler is None:
            raise errors.UnknownPathComponents(path=f"/{parts[1]}")
    body = handler(ctx, object_id)
    budget = backend.config.max_answer_objects
    if req.method == "GET" and budget and answer_objects(body) > budget:
        raise errors.ReduceData()
    return body, ctx.headers


def answer_objects(body: Any) -> int:
    """The size rule: every object in every `data` list of the answer, nested ones included."""
    if isinstance(body, dict):
        items = body.get("data")
        own = len(items) if isinstance(items, list) else 0
        return own + sum(answer_objects(v) for v in body.values())
    if isinstance(body, list):
        return sum(answer_objects(v) for v in body)
    return 0
