"""Tokens: issue, validate, exchange, refresh and inspect (graph-api.md §2)."""

from __future__ import annotations

import hashlib
import hmac
import random
import string
from dataclasses import dataclass
from typing import Any

from instagram_sandbox import errors
from instagram_sandbox.clock import SandboxClock
from instagram_sandbox.state.models import App, Flavour, Token

DAY = 86400
LONG_LIVED_SECONDS = 60 * DAY
LONG_LIVED_EXPIRES_IN = 5183944  # what Graph answers for a 60-day token (§2.1)
SHORT_FB_SECONDS = 2 * 3600
SHORT_IG_SECONDS = 3600
CODE_SECONDS = 3600
PROOF_WINDOW_SECONDS = 300

_ALPHABET = string.ascii_letters + string.digits


@dataclass
class AuthCode:
    """A single-use authorization code from the sandbox's consent page."""

    code: str
    app_id: str
    redirect_uri: str
    subject_id: str
    scopes: tuple[str, ...]
    issued_at: float
    used: bool = False


class TokenRegistry:
    """Every token and code the sandbox has issued."""

    def __init__(self, clock: SandboxClock, seed: int) -> None:
        """Token values come from a seeded generator, so a seed always yields the same tokens."""
        self.clock = clock
        self._rng = random.Random(f"tokens:{seed}")
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, AuthCode] = {}

    def _random(self, n: int) -> str:
        return "".join(self._rng.choice(_ALPHABET) for _ in range(n))

    def issue(
        self,
        kind: str,
        app: App,
        subject_id: str,
        scopes: tuple[str, ...],
        *,
        lifetime: float | None,
        issued_at: float | None = None,
    ) -> Token:
        """Create a token: `EAA…` for Facebook kinds, `IGAA…` for Instagram kinds."""
        prefix = "IGAA" if kind.startswith("ig_") else "EAA"
        issued = self.clock.now() if issued_at is None else issued_at
        token = Token(
            value=prefix + self._random(60),
            kind=kind,
            app_id=app.app_id,
            subject_id=subject_id,
            issued_at=issued,
            expires_at=None if lifetime is None else issued + lifetime,
            scopes=scopes,
        )
        self.tokens[token.value] = token
        return token

    def validate(self, value: str | None, flavour: Flavour) -> Token:
        """The live token behind `value`, or the Graph error a real call would get."""
        if not value:
            raise errors.AccessTokenRequired()
        token = self.tokens.get(value)
        if token is None or token.flavour != flavour:
            raise errors.InvalidAccessToken()
        if token.invalid_reason == 460:
            raise errors.SessionInvalidated()
        if token.invalid_reason == 458:
            raise errors.AppNotAuthorized(app_id=token.app_id)
        now = self.clock.now()
        if token.expires_at is not None and now >= token.expires_at:
            raise errors.ExpiredAccessToken(
                expired=_pacific_text(token.expires_at), now=_pacific_text(now)
            )
        return token

    def expire(self, token: Token, reason: str) -> None:
        """Make a token fail: `expired` (190/463), `password_changed` (460) or `app_removed` (458)."""
        if reason == "expired":
            token.expires_at = self.clock.now() - 1
        elif reason == "password_changed":
            token.invalid_reason = 460
        elif reason == "app_removed":
            token.invalid_reason = 458
        else:
            raise ValueError("reason must be one of: expired, password_changed, app_removed")

    def expire_now(self, value: str | None) -> bool:
        """The `expired_token` fault: the token behind `value` expires this second, for good."""
        token = self.tokens.get(value or "")
        if token is None:
            return False
        self.expire(token, "expired")
        return True

    def issue_code(
        self, app: App, redirect_uri: str, subject_id: str, scopes: tuple[str, ...]
    ) -> AuthCode:
        """A one-hour, single-use authorization code."""
        code = AuthCode(
            code="AQ" + self._random(40),
            app_id=app.app_id,
            redirect_uri=redirect_uri,
            subject_id=subject_id,
            scopes=scopes,
            issued_at=self.clock.now(),
        )
        self.codes[code.code] = code
        return code

    def redeem_code(self, code: str, app: App, redirect_uri: str) -> AuthCode | None:
        """The code's grant if it is valid for this app and redirect URI; marks it used."""
        grant = self.codes.get(code.removesuffix("#_"))
        if (
            grant is None
            or grant.used
            or grant.app_id != app.app_id
            or grant.redirect_uri != redirect_uri
            or self.clock.now() - grant.issued_at > CODE_SECONDS
        ):
            return None
        grant.used = True
        return grant

    def debug(self, value: str, apps: dict[str, App]) -> dict[str, Any]:
        """The `/debug_token` `data` object (§2.3)."""
        token = self.tokens.get(value)
        if token is None:
            return {
                "is_valid": False,
                "error": {
                    "code": 190,
                    "message": "Invalid OAuth access token - Cannot parse access token",
                },
            }
        try:
            self.validate(value, token.flavour)
            valid = True
        except errors.SandboxError:
            valid = False
        app = apps[token.app_id]
        data: dict[str, Any] = {
            "app_id": token.app_id,
            "type": "PAGE" if token.kind == "page" else "USER",
            "application": app.name,
            "data_access_expires_at": int(token.issued_at + 90 * DAY),
            "expires_at": 0 if token.expires_at is None else int(token.expires_at),
            "is_valid": valid,
            "issued_at": int(token.issued_at),
            "scopes": list(token.scopes),
            "user_id": token.subject_id,
        }
        if token.kind == "page":
            data["profile_id"] = token.subject_id
        return data


def appsecret_proof_ok(
    secret: str, token: str, proof: str, proof_time: str | None, now: float
) -> bool:
    """Check either proof form: HMAC(token), or HMAC(token|time) with a 5-minute window (§2.5)."""
    if proof_time is not None:
        try:
            at = int(proof_time)
        except ValueError:
            return False
        if abs(now - at) > PROOF_WINDOW_SECONDS:
            return False
        message = f"{token}|{proof_time}"
    else:
        message = token
    expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, proof.lower())


def _pacific_text(ts: float) -> str:
    """Graph words expiry times in Pacific time: `Sunday, 22-Nov-26 10:00:00 PST`."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(ts, ZoneInfo("America/Los_Angeles")).strftime(
        "%A, %d-%b-%y %H:%M:%S %Z"
    )
