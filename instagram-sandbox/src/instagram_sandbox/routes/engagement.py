"""Likes and collaboration invites on the IG User (Facebook Login only; graph-api.md §6.2)."""

from __future__ import annotations

from typing import Any

from instagram_sandbox import errors
from instagram_sandbox.routes.request import Ctx
from instagram_sandbox.state.engagement import Engagement
from instagram_sandbox.state.models import IgAccount


def _account(ctx: Ctx, account_id: str, edge: str) -> IgAccount:
    if ctx.flavour != "facebook":
        raise errors.UnknownPathComponents(path=f"/{edge}")
    acct = ctx.backend.account(account_id, ctx.token)
    ctx.charge(acct.id)
    return acct


def post_like(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`POST /{ig-user-id}/likes` with `media_id` or `comment_id`."""
    acct = _account(ctx, account_id, "likes")
    Engagement(ctx.backend).like(ctx.token, acct, ctx.req.params, like=True)
    return {"success": True}


def delete_like(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`DELETE /{ig-user-id}/likes` with `media_id` or `comment_id`: unlike."""
    acct = _account(ctx, account_id, "likes")
    Engagement(ctx.backend).like(ctx.token, acct, ctx.req.params, like=False)
    return {"success": True}


def get_invites(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`GET /{ig-user-id}/collaboration_invites`: the pending invites (one page, no paging)."""
    acct = _account(ctx, account_id, "collaboration_invites")
    ctx.backend.require(ctx.token, "basic", acct.id)
    return {"data": Engagement(ctx.backend).invites(acct)}


def post_invite(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """`POST /{ig-user-id}/collaboration_invites` with `media_id` and `accept=true|false`."""
    acct = _account(ctx, account_id, "collaboration_invites")
    ctx.backend.require(ctx.token, "basic", acct.id)
    Engagement(ctx.backend).answer(acct, ctx.req.params)
    return {"success": True}
