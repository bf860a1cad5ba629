"""Token endpoints, `/debug_token` and the authorization pages of both login flavours (§2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from instagram_sandbox import errors
from instagram_sandbox.routes.request import GraphRequest
from instagram_sandbox.state.backend import GraphBackend
from instagram_sandbox.state.models import FB_SCOPES, IG_SCOPES, App, Token
from instagram_sandbox.state.tokens import (
    LONG_LIVED_EXPIRES_IN,
    LONG_LIVED_SECONDS,
    SHORT_FB_SECONDS,
    SHORT_IG_SECONDS,
)

DAY = 86400


def _app(backend: GraphBackend, req: GraphRequest, flavour: str) -> App:
    app = backend.world.fb_app if flavour == "facebook" else backend.world.ig_app
    client_id = req.params.get("client_id", app.app_id)
    if client_id != app.app_id or req.params.get("client_secret") != app.secret:
        raise errors.InvalidClientSecret()
    return app


def _bearer(token_value: str, expires_in: int) -> dict[str, Any]:
    return {"access_token": token_value, "token_type": "bearer", "expires_in": expires_in}


def facebook_access_token(backend: GraphBackend, req: GraphRequest) -> dict[str, Any]:
    """`GET /oauth/access_token`: code exchange, `fb_exchange_token`, or an app token."""
    grant = req.params.get("grant_type")
    app = _app(backend, req, "facebook")
    if grant == "client_credentials":
        return {"access_token": f"{app.app_id}|{app.secret}", "token_type": "bearer"}
    if grant == "fb_exchange_token":
        short = backend.tokens.validate(req.params.get("fb_exchange_token"), "facebook")
        if not short.kind.startswith("fb_user"):
            raise errors.InvalidParameter(
                detail="fb_exchange_token must be a Facebook user access token"
            )
        token = backend.tokens.issue(
            "fb_user_long", app, short.subject_id, short.scopes, lifetime=LONG_LIVED_SECONDS
        )
        return _bearer(token.value, LONG_LIVED_EXPIRES_IN)
    code = req.params.get("code")
    if not code:
        raise errors.MissingParameter(name="code")
    grant_obj = backend.tokens.redeem_code(code, app, req.params.get("redirect_uri", ""))
    if grant_obj is None:
        raise errors.InvalidVerificationCode()
    token = backend.tokens.issue(
        "fb_user_short", app, grant_obj.subject_id, grant_obj.scopes, lifetime=SHORT_FB_SECONDS
    )
    return _bearer(token.value, SHORT_FB_SECONDS)


def instagram_code_exchange(backend: GraphBackend, req: GraphRequest) -> dict[str, Any]:
    """`POST api.instagram.com/oauth/access_token`: errors use Instagram's own shape (§2.2)."""
    app = backend.world.ig_app
    p = req.params
    if p.get("client_id") != app.app_id or p.get("client_secret") != app.secret:
        raise errors.InstagramOAuthError(detail="Invalid platform app")
    if p.get("grant_type") != "authorization_code":
        raise errors.InstagramOAuthError(detail="Invalid grant_type: must be authorization_code")
    grant = backend.tokens.redeem_code(p.get("code", ""), app, p.get("redirect_uri", ""))
    if grant is None:
        raise errors.InstagramOAuthError(detail="Matching code was not found or was already used")
    token = backend.tokens.issue(
        "ig_short", app, grant.subject_id, grant.scopes, lifetime=SHORT_IG_SECONDS
    )
    return {
        "data": [
            {
                "access_token": token.value,
                "user_id": grant.subject_id,
                "permissions": ",".join(grant.scopes),
            }
        ]
    }


def instagram_exchange(backend: GraphBackend, req: GraphRequest) -> dict[str, Any]:
    """`GET graph.instagram.com/access_token?grant_type=ig_exchange_token` (§2.2)."""
    if req.params.get("grant_type") != "ig_exchange_token":
        raise errors.InvalidParameter(detail="grant_type must be ig_exchange_token")
    app = backend.world.ig_app
    if req.params.get("client_secret") != app.secret:
        raise errors.InvalidClientSecret()
    short = backend.tokens.validate(req.token_value, "instagram")
    token = backend.tokens.issue(
        "ig_long", app, short.subject_id, short.scopes, lifetime=LONG_LIVED_SECONDS
    )
    return _bearer(token.value, LONG_LIVED_EXPIRES_IN)


def instagram_refresh(backend: GraphBackend, req: GraphRequest) -> dict[str, Any]:
    """`GET graph.instagram.com/refresh_access_token`: long-lived, ≥ 24 h old, not expired (§2.1)."""
    if req.params.get("grant_type") != "ig_refresh_token":
        raise errors.InvalidParameter(detail="grant_type must be ig_refresh_token")
    old = backend.tokens.validate(req.token_value, "instagram")
    if old.kind != "ig_long":
        raise errors.TokenNotRefreshable()
    if backend.now() - old.issued_at < DAY:
        raise errors.TokenTooYoungToRefresh()
    app = backend.world.apps[old.app_id]
    # The old token stays valid until its own expiry (§2.2, unconfirmed; the sandbox keeps it).
    token = backend.tokens.issue(
        "ig_long", app, old.subject_id, old.scopes, lifetime=LONG_LIVED_SECONDS
    )
    backend.record_write("token.refresh", old.subject_id, old.subject_id)
    return _bearer(token.value, LONG_LIVED_EXPIRES_IN)


def debug_token(backend: GraphBackend, req: GraphRequest) -> dict[str, Any]:
    """`GET /debug_token?input_token=…` with an app token `id|secret` or any valid token (§2.3).

    Only a plain GET: method overrides are refused for new apps since v27 (§11).
    """
    if req.method != "GET" or "method" in req.params:
        raise errors.MethodOverrideRefused(path="/debug_token")
    caller = req.token_value or ""
    if "|" in caller:
        if caller not in (f"{a.app_id}|{a.secret}" for a in backend.world.apps.values()):
            raise errors.InvalidAccessToken()
    else:
        backend.tokens.validate(caller, "facebook")
    target = req.params.get("input_token")
    if not target:
        raise errors.MissingParameter(name="input_token")
    data = backend.tokens.debug(target, backend.world.apps)
    token = backend.tokens.tokens.get(target)
    if token is not None and token.flavour == "facebook":
        data["granular_scopes"] = _granular_scopes(backend, token)
    return {"data": data}


def _granular_scopes(backend: GraphBackend, token: Token) -> list[Any]:
    """Per scope, the Pages (`pages_*`) or IG accounts (`instagram_*`) it was granted for (§2.3)."""
    world = backend.world
    user = world.fb_users.get(token.subject_id)
    page_ids = user.page_ids if user else [token.subject_id]
    ig_ids = [p.ig_account_id for i in page_ids if (p := world.pages.get(i)) and p.ig_account_id]
    out: list[dict[str, Any]] = []
    for scope in token.scopes:
        targets = token.scope_targets.get(scope, page_ids if scope.startswith("pages_") else ig_ids)
        out.append({"scope": scope, "target_ids": list(targets)}
                   if scope.startswith(("pages_", "instagram_")) else {"scope": scope})  # fmt: skip
    return out


def authorize(backend: GraphBackend, req: GraphRequest, flavour: str) -> str:
    """The consent page: the sandbox consents at once and returns the redirect target with a code."""
    app = backend.world.fb_app if flavour == "facebook" else backend.world.ig_app
    p = req.params
    if p.get("client_id") != app.app_id:
        raise errors.InvalidParameter(detail="Invalid App ID: client_id does not match any app")
    redirect_uri = p.get("redirect_uri")
    if not redirect_uri:
        raise errors.MissingParameter(name="redirect_uri")
    if flavour == "facebook":
        subject = next(iter(backend.world.fb_users))
        scopes = tuple(s for s in p.get("scope", ",".join(FB_SCOPES)).split(",") if s)
    else:
        subject = next(a.id for a in backend.world.accounts.values() if a.login == "instagram")
        scopes = tuple(s for s in p.get("scope", ",".join(IG_SCOPES)).split(",") if s)
    code = backend.tokens.issue_code(app, redirect_uri, subject, scopes)
    query = {"code": code.code}
    if "state" in p:
        query["state"] = p["state"]
    separator = "&" if "?" in redirect_uri else "?"
    suffix = "#_" if flavour == "instagram" else ""  # Instagram appends #_ to the code (§2.1)
    return f"{redirect_uri}{separator}{urlencode(query)}{suffix}"
