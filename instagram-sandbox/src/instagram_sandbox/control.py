"""The control API under `/__sandbox/`: stats, reset, clock, faults, tokens, quotas, data, writes."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from instagram_sandbox.clock import graph_time
from instagram_sandbox.state.models import FB_SCOPES, IG_SCOPES, Comment, Media
from instagram_sandbox.state.tokens import LONG_LIVED_SECONDS
from instagram_sandbox.state.webhook_changes import expire_stories, mention

if TYPE_CHECKING:
    from instagram_sandbox.app import Sandbox


class ControlError(Exception):
    """A bad control request: answered with HTTP 400 and the message."""


def routes(sandbox: Sandbox) -> list[Route]:
    """The control routes, bound to one sandbox."""
    b = sandbox.backend

    def stats(_: dict[str, Any]) -> dict[str, Any]:
        s = sandbox.stats
        return {
            "requests_total": s.total,
            "requests_by_method": dict(s.by_method),
            "requests_by_path": dict(s.by_path),
            "requests_by_status": dict(s.by_status),
            "requests_by_host": dict(s.by_host),
            "in_flight_max": s.in_flight_max,
            "tokens_in_flight_max": s.tokens_in_flight_max,
            "downloads_by_status": dict(s.downloads_by_status),
            "graph_calls": sum(b.rate.charged.values()),
            "graph_calls_by_budget": dict(b.rate.charged),
        }

    def stats_reset(_: dict[str, Any]) -> dict[str, Any]:
        sandbox.stats.reset()
        b.rate.charged.clear()
        return {"success": True}

    initial_config = copy.deepcopy(b.config)
    initial_latency = sandbox.latency_ms

    def reset(_: dict[str, Any]) -> dict[str, Any]:
        b.clock.reset()
        b.config.__dict__.update(copy.deepcopy(initial_config).__dict__)
        sandbox.latency_ms = initial_latency
        b.load()
        sandbox.faults.clear()
        sandbox.webhooks.reset()
        return {"success": True, **stats_reset({}), "now": graph_time(b.now())}

    def clock(body: dict[str, Any]) -> dict[str, Any]:
        if "advance_seconds" in body:
            b.clock.advance(float(body["advance_seconds"]))
            expire_stories(b)  # stories that expired on the way: Meta sends their final insights
        return {"now": int(b.now()), "iso": graph_time(b.now())}

    def add_fault(body: dict[str, Any]) -> dict[str, Any]:
        return sandbox.faults.add(body).describe()

    def clear_faults(_: dict[str, Any]) -> dict[str, Any]:
        sandbox.faults.clear()
        return {"success": True}

    def expire_token(body: dict[str, Any]) -> dict[str, Any]:
        reason = body.get("reason", "expired")
        targets = [
            t
            for t in b.tokens.tokens.values()
            if t.value == body.get("token") or t.subject_id == body.get("subject_id")
        ]
        if not targets and body.get("account_id"):
            targets = [
                t for t in b.tokens.tokens.values() if body["account_id"] in b.reachable_accounts(t)
            ]
        if not targets:
            raise ControlError("no token matches; give 'token', 'subject_id' or 'account_id'")
        for token in targets:
            b.tokens.expire(token, reason)
        return {"expired": len(targets), "reason": reason}

    def issue_token(body: dict[str, Any]) -> dict[str, Any]:
        acct = _account(body)
        default: tuple[str, ...]
        if acct.login == "instagram":
            kind, app, default = body.get("kind", "ig_long"), b.world.ig_app, IG_SCOPES
            subject = acct.id
        else:
            kind, app, default = body.get("kind", "page"), b.world.fb_app, FB_SCOPES
            subject = acct.page_id or acct.id
            if kind.startswith("fb_user"):  # a user token of the Page's person
                subject = next((u.id for u in b.world.fb_users.values() if subject in u.page_ids),
                               subject)  # fmt: skip
        lifetime = body.get("lifetime_seconds", LONG_LIVED_SECONDS if kind != "page" else None)
        token = b.tokens.issue(kind, app, subject, tuple(body.get("scopes", default)), lifetime=lifetime,
                               issued_at=b.now() - float(body.get("age_seconds", 0)))  # fmt: skip
        token.scope_targets = {str(k): tuple(str(i) for i in v)
                               for k, v in (body.get("scope_targets") or {}).items()}  # fmt: skip
        return {"access_token": token.value, "kind": token.kind, "expires_at": token.expires_at}

    def tokens(_: dict[str, Any]) -> dict[str, Any]:
        return {
            "accounts": [
                {"label": label, "account_id": acct, "access_token": tok}
                for label, acct, tok in b.world.starter_tokens
            ],
            "apps": {
                "facebook": {"app_id": b.world.fb_app.app_id, "app_secret": b.world.fb_app.secret},
                "instagram": {"app_id": b.world.ig_app.app_id, "app_secret": b.world.ig_app.secret},
            },
        }

    def accounts(_: dict[str, Any]) -> dict[str, Any]:
        return {"accounts": [
            {"id": a.id, "username": a.username, "login": a.login, "public_only": a.public_only,
             "page_id": a.page_id, "media": len(a.media_ids), "followers_count": a.followers_count}
            for a in b.world.accounts.values()
        ]}  # fmt: skip

    def quota(body: dict[str, Any]) -> dict[str, Any]:
        acct = _account(body)
        if "quota_total" in body:
            acct.quota_total = int(body["quota_total"])
        if "impressions" in body:
            acct.impressions = int(body["impressions"])
        return {
            "account_id": acct.id,
            "quota_total": acct.quota_total,
            "impressions": acct.impressions,
        }

    def config(body: dict[str, Any]) -> dict[str, Any]:
        body = dict(body)
        if "latency_ms" in body:  # a network knob of the server, not a behaviour of the backend
            sandbox.latency_ms = float(body.pop("latency_ms"))
        try:
            b.config.update(body)
        except (ValueError, TypeError) as exc:
            raise ControlError(str(exc)) from None
        cfg = {k: v for k, v in vars(b.config).items() if k != "ratelimit"}
        return {**cfg, **vars(b.config.ratelimit), "latency_ms": sandbox.latency_ms}

    def add_media(body: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, list[str]] = {"media": [], "comments": []}
        if "comment_id" in body:
            parent = b.world.comments.get(body["comment_id"])
            if parent is None or parent.parent_id is not None:
                raise ControlError(f"no top-level comment {body['comment_id']}")
            created["comments"] = _replies(parent, int(body.get("replies", 1)))
            return created
        if "media_id" in body:
            item = b.world.media.get(body["media_id"])
            if item is None:
                raise ControlError(f"no media {body['media_id']}")
            created["comments"] = _comments(item, int(body.get("comments", 1)))
            return created
        acct = _account(body)
        for i in range(int(body.get("count", 1))):
            kind = str(body.get("media_type", "IMAGE")).upper()
            item = Media(
                id=b.ids.media(), owner_id=acct.id, media_type="VIDEO" if kind == "REELS" else kind,
                media_product_type="REELS" if kind == "REELS" else "FEED",
                timestamp=b.now() - float(body.get("age_seconds", 60)) - i, caption=body.get("caption", "New post"),
                shortcode=f"NEW{len(b.world.media):08d}", reach_base=500, like_count=10,
            )  # fmt: skip
            b.world.media[item.id] = item
            acct.media_ids.append(item.id)
            created["media"].append(item.id)
            created["comments"].extend(_comments(item, int(body.get("comments_per_media", 0))))
        return created

    def _comments(item: Media, count: int) -> list[str]:
        made = []
        for i in range(count):
            comment = Comment(
                id=b.ids.comment(), media_id=item.id, text=f"New comment {i + 1}", timestamp=b.now() - count + i,
                from_id=b.ids.person(), username=f"visitor.{i + 1}",
            )  # fmt: skip
            b.world.comments[comment.id] = comment
            item.comment_ids.append(comment.id)
            b.emit_change(item.owner_id, "comments", b.comment_change(comment, item))
            made.append(comment.id)
        return made

    def _replies(parent: Comment, count: int) -> list[str]:
        made = []
        for i in range(count):
            reply = Comment(
                id=b.ids.comment(), media_id=parent.media_id, text=f"New reply {i + 1}",
                timestamp=b.now() - count + i, from_id=b.ids.person(), username=f"replier.{i + 1}",
                parent_id=parent.id,
            )  # fmt: skip
            b.world.comments[reply.id] = reply
            parent.reply_ids.append(reply.id)
            made.append(reply.id)
        return made

    def _account(body: dict[str, Any]) -> Any:
        acct = b.world.accounts.get(str(body.get("account_id", "")))
        if acct is None:
            raise ControlError(
                "'account_id' must name an account of the scenario (see GET /__sandbox/accounts)"
            )
        return acct

    def mentions(body: dict[str, Any]) -> dict[str, Any]:
        acct = _account(body)
        in_comment = str(body.get("in", "comment")) == "comment"
        return {
            "mentions": [mention(b, acct, in_comment) for _ in range(int(body.get("count", 1)))]
        }

    def writes(_: dict[str, Any]) -> dict[str, Any]:
        return {"writes": b.writes}

    def ratelimit(_: dict[str, Any]) -> dict[str, Any]:
        return b.rate.status()

    def faults_list(_: dict[str, Any]) -> dict[str, Any]:
        return {"faults": sandbox.faults.list()}

    async def webhooks_configure(body: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(sandbox.webhooks.configure, body)

    async def webhooks_flush(_: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(sandbox.webhooks.flush)

    async def webhooks_replay(body: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(sandbox.webhooks.replay, int(body.get("times", 1)))

    def webhooks_log(_: dict[str, Any]) -> dict[str, Any]:
        return sandbox.webhooks.describe()

    table: list[tuple[str, str, Callable[[dict[str, Any]], Any]]] = [
        ("/stats", "GET", stats), ("/stats/reset", "POST", stats_reset), ("/reset", "POST", reset),
        ("/clock", "GET", clock), ("/clock", "POST", clock),
        ("/faults", "GET", faults_list), ("/faults", "POST", add_fault), ("/faults", "DELETE", clear_faults),
        ("/tokens", "GET", tokens), ("/tokens", "POST", issue_token), ("/tokens/expire", "POST", expire_token),
        ("/accounts", "GET", accounts), ("/quota", "POST", quota), ("/config", "GET", config),
        ("/config", "POST", config), ("/media", "POST", add_media), ("/writes", "GET", writes),
        ("/ratelimit", "GET", ratelimit), ("/webhooks", "GET", webhooks_log),
        ("/webhooks", "POST", webhooks_configure), ("/webhooks/flush", "POST", webhooks_flush),
        ("/webhooks/replay", "POST", webhooks_replay), ("/mentions", "POST", mentions),
    ]  # fmt: skip
    by_path: dict[str, dict[str, Callable[[dict[str, Any]], Any]]] = {}
    for path, method, fn in table:
        by_path.setdefault(path, {})[method] = fn
    return [
        Route(path, _endpoint(sandbox, handlers), methods=list(handlers))
        for path, handlers in by_path.items()
    ]


def _endpoint(
    sandbox: Sandbox, handlers: dict[str, Callable[[dict[str, Any]], Any]]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise ControlError("the request body must be a JSON object")
            fn = handlers[request.method]
            if asyncio.iscoroutinefunction(fn):
                result = await fn(body)
            else:
                with sandbox.backend.lock:
                    result = fn(body)
        except (ControlError, ValueError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(result)

    return endpoint
