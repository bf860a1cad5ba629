"""Tokens: the authenticator, `appsecret_proof`, the token store, exchange, refresh and the code flow.

One `GraphAuthenticator` per process and configuration (`GraphAuthenticator.shared`) serves every
stream and sink, so a refreshed token is seen by all of them. The token always travels in the
`Authorization` header, except where Meta documents it as a parameter: the Facebook exchange sends
it in a POST form body, and Instagram Login's exchange and refresh send it as the `access_token`
query parameter (their documented form); no log line or error ever shows a URL with it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from singer_sdk.authenticators import OAuthAuthenticator

from instagram_graph import errors
from instagram_graph.error_codes import read_answer
from instagram_graph.errors import AuthError, GraphError, SettingsError
from instagram_graph.redaction import get_logger, register_secret
from instagram_graph.settings import GraphSettings, Login, OAuthMode

log = get_logger(__name__)

REFRESH_MARGIN_SECONDS = 7 * 86400  # refresh a long-lived token once it has less than a week left
MIN_REFRESH_AGE_SECONDS = 86400  # Instagram refuses to refresh tokens younger than 24 h (§2.1)
FACEBOOK_SCOPES = (
    "instagram_basic", "instagram_manage_insights", "instagram_manage_comments",
    "instagram_content_publish", "instagram_manage_contents", "pages_show_list",
    "pages_read_engagement", "business_management",
)  # fmt: skip
INSTAGRAM_SCOPES = (
    "instagram_business_basic", "instagram_business_manage_insights",
    "instagram_business_manage_comments", "instagram_business_content_publish",
)  # fmt: skip


class ServerClock:
    """Wall time as the API server sees it, learned from the `Date` header of its answers."""

    def __init__(self, local: Callable[[], float] = time.time) -> None:
        """Start with no known skew."""
        self._local = local
        self.offset = 0.0
        self.observed = False

    def observe(self, date_header: str | None) -> None:
        """Update the skew from an answer's `Date` header (ignored when missing or unparseable)."""
        if not date_header:
            return
        try:
            server = parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError):
            return
        self.offset = server - self._local()
        self.observed = True

    def now(self) -> float:
        """Server time, in Unix seconds."""
        return self._local() + self.offset


def appsecret_proof(token: str, app_secret: str, at: int | None) -> dict[str, str]:
    """The proof parameters: HMAC-SHA256 of `token|time` (or of the bare token when `at` is None)."""
    message = token if at is None else f"{token}|{at}"
    proof = hmac.new(app_secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return (
        {"appsecret_proof": proof}
        if at is None
        else {"appsecret_proof": proof, "appsecret_time": str(at)}
    )


def fingerprint(token: str | None) -> str:
    """A short one-way fingerprint of a token, safe to store and to log."""
    return hashlib.sha256(token.encode()).hexdigest()[:16] if token else ""


@dataclass
class StoredToken:
    """A token as kept in the token store."""

    access_token: str
    login: str
    obtained_at: float
    expires_at: float | None = None
    origin: str = ""  # fingerprint of the configured token this one descends from
    scopes: tuple[str, ...] = ()

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the token expires in less than `seconds` (never for non-expiring tokens)."""
        return self.expires_at is not None and self.expires_at - now < seconds


class TokenStore:
    """A JSON file holding the current token: written atomically with mode 0600."""

    def __init__(self, path: Path) -> None:
        """Use the file at `path` (its folder is created on the first save)."""
        self.path = path

    def load(self) -> StoredToken | None:
        """The stored token, or None when the file does not exist yet."""
        try:
            raw = json.loads(self.path.read_text())
            token = StoredToken(
                access_token=raw["access_token"],
                login=raw.get("login", "facebook"),
                obtained_at=float(raw.get("obtained_at", 0)),
                expires_at=raw.get("expires_at"),
                origin=raw.get("origin", ""),
                scopes=tuple(raw.get("scopes", ())),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SettingsError(
                "token_store",
                f"{self.path} is not a readable token file ({type(exc).__name__})",
                "delete the file and run `instagram-auth exchange` or set access_token again",
            ) from None
        register_secret(token.access_token)
        return token

    def save(self, token: StoredToken) -> None:
        """Replace the file atomically: write a 0600 temp file next to it, fsync, rename."""
        register_secret(token.access_token)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(asdict(token), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class TokenExchanger:
    """The OAuth calls of both login flavours (graph-api.md §2.2–2.3)."""

    def __init__(
        self, settings: GraphSettings, session: requests.Session | None = None, clock: ServerClock | None = None
    ) -> None:  # fmt: skip
        """Use the settings' hosts, app id and secret."""
        self.settings = settings
        self.session = session or requests.Session()
        self.clock = clock or ServerClock()
        self.calls = 0  # requests to the token endpoints (debug_token, exchange, refresh)
        self.timeout = (
            settings.connect_timeout_millis / 1000,
            settings.response_timeout_millis / 1000,
        )

    def authorization_url(self, state: str) -> str:
        """The consent-page URL the user opens to start the code flow."""
        s = self.settings
        if not s.client_id:
            raise SettingsError("client_id", "the authorization URL needs the app's id",
                                "copy the App ID from the app dashboard into client_id")  # fmt: skip
        scopes = s.oauth_scopes or (
            FACEBOOK_SCOPES if s.login is Login.FACEBOOK else INSTAGRAM_SCOPES
        )
        base = s.endpoints.authorize.format(version=s.api_version)
        query = {"client_id": s.client_id, "redirect_uri": s.redirect_uri,
                 "response_type": "code", "scope": ",".join(scopes), "state": state}  # fmt: skip
        return f"{base}?{urlencode(query)}"

    def exchange_code(self, code: str) -> StoredToken:
        """Authorization code → long-lived user token (two calls: code → short, short → long)."""
        s = self.settings
        code = code.strip().removesuffix("#_")  # Instagram appends #_ to the code (§2.1)
        register_secret(code)
        self._require("client_id", "client_secret")
        if s.login is Login.FACEBOOK:
            body = self._call(
                "POST",
                f"{s.endpoints.facebook_graph}/{s.api_version}/oauth/access_token",
                data={"client_id": s.client_id, "client_secret": s.client_secret,
                      "redirect_uri": s.redirect_uri, "code": code},
            )  # fmt: skip
            return self.long_lived(str(body["access_token"]))
        body = self._call(
            "POST",
            f"{s.endpoints.instagram_api}/oauth/access_token",
            data={"client_id": s.client_id, "client_secret": s.client_secret, "code": code,
                  "grant_type": "authorization_code", "redirect_uri": s.redirect_uri},
        )  # fmt: skip
        grant = body["data"][0] if isinstance(body.get("data"), list) else body
        return self.long_lived(str(grant["access_token"]))

    def long_lived(self, short_token: str) -> StoredToken:
        """Exchange a short-lived user token for a 60-day one."""
        s = self.settings
        register_secret(short_token)
        self._require("client_secret")
        if s.login is Login.FACEBOOK:
            self._require("client_id")
            body = self._call(
                "POST",
                f"{s.endpoints.facebook_graph}/{s.api_version}/oauth/access_token",
                data={"grant_type": "fb_exchange_token", "client_id": s.client_id,
                      "client_secret": s.client_secret, "fb_exchange_token": short_token},
            )  # fmt: skip
        else:
            body = self._call(  # the token as a query parameter, as documented (§2.2)
                "GET",
                f"{s.endpoints.graph}/access_token",
                params={"grant_type": "ig_exchange_token", "client_secret": s.client_secret,
                        "access_token": short_token},
            )  # fmt: skip
        return self._stored(body)

    def refresh(self, token: str) -> StoredToken:
        """A fresh 60-day token from a live long-lived one."""
        s = self.settings
        if s.login is Login.FACEBOOK:
            return self.long_lived(token)
        body = self._call(  # the token as a query parameter, as documented (§2.2)
            "GET",
            f"{s.endpoints.graph}/refresh_access_token",
            params={"grant_type": "ig_refresh_token", "access_token": token},
        )
        return self._stored(body)

    def debug(self, token: str) -> dict[str, Any]:
        """`/debug_token` data for a token (type, validity, expiry, scopes), using the app token."""
        s = self.settings
        caller = f"{s.client_id}|{s.client_secret}" if s.client_id and s.client_secret else token
        register_secret(caller)
        body = self._call(  # a plain GET: method overrides are refused since v27 (§11)
            "GET",
            f"{s.endpoints.facebook_graph}/{s.api_version}/debug_token",
            params={"input_token": token},
            token=caller,
        )
        return dict(body.get("data", {}))

    def _require(self, *names: str) -> None:
        for name in names:
            if not getattr(self.settings, name):
                raise SettingsError(
                    name, "the token exchange needs it", f"set {name} from the app dashboard"
                )

    def _stored(self, body: dict[str, Any]) -> StoredToken:
        token = str(body["access_token"])
        register_secret(token)
        now = self.clock.now()
        expires_in = body.get("expires_in")
        return StoredToken(
            access_token=token,
            login=self.settings.login.value,
            obtained_at=now,
            expires_at=now + float(expires_in) if expires_in else None,
        )

    def _call(
        self, method: str, url: str, *, params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None, token: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        label = f"{method} {urlsplit(url).path}"
        self.calls += 1
        try:
            answer = self.session.request(
                method, url, params=params, data=data, headers=headers, timeout=self.timeout,
                proxies=_proxies(self.settings),
            )  # fmt: skip
        except requests.RequestException as exc:
            raise errors.NetworkError(
                f"token endpoint unreachable: {type(exc).__name__}", sent=True, request=label
            ) from None
        self.clock.observe(answer.headers.get("Date"))
        body, error = read_answer(answer, request=label)
        if error is not None:
            raise error
        if not isinstance(body, dict) or not ("access_token" in body or "data" in body):
            raise errors.BadResponseError("token endpoint answered without a token", request=label)
        return body


def _proxies(settings: GraphSettings) -> dict[str, str] | None:
    return {"http": settings.proxy, "https": settings.proxy} if settings.proxy else None


class GraphAuthenticator(OAuthAuthenticator):
    """Puts the current token in the Authorization header and keeps it alive per `oauth_mode`."""

    _shared: ClassVar[dict[tuple[Any, ...], GraphAuthenticator]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        settings: GraphSettings,
        *,
        session: requests.Session | None = None,
        clock: ServerClock | None = None,
        on_authorization_url: Callable[[str], None] | None = None,
    ) -> None:
        """Load the token: the token store's when it is newer than the configured one."""
        super().__init__(client_id=settings.client_id, client_secret=settings.client_secret)
        self.settings = settings
        self.clock = clock or ServerClock()
        self.exchanger = TokenExchanger(settings, session, self.clock)
        self.store = TokenStore(settings.token_store) if settings.token_store else None
        self.on_authorization_url = on_authorization_url
        self._lock = threading.RLock()
        self.current: StoredToken | None = self._initial_token()
        self.refreshes = 0
        self._token_info: dict[str, Any] | None = None

    @classmethod
    def shared(cls, settings: GraphSettings, **kwargs: Any) -> GraphAuthenticator:
        """The one authenticator of this process for these credentials."""
        key = (settings.login, settings.api_url, fingerprint(settings.access_token),
               str(settings.token_store), settings.oauth_mode)  # fmt: skip
        with cls._shared_lock:
            if key not in cls._shared:
                cls._shared[key] = cls(settings, **kwargs)
            return cls._shared[key]

    def _initial_token(self) -> StoredToken | None:
        s = self.settings
        configured = (
            StoredToken(s.access_token, s.login.value, 0.0, origin=fingerprint(s.access_token))
            if s.access_token
            else None
        )
        stored = self.store.load() if self.store else None
        if stored is not None and stored.login != s.login.value:
            log.warning(
                "token_store holds a %s token; login is %s: ignoring it", stored.login, s.login
            )
            stored = None
        if stored is None:
            return configured
        if configured is None or stored.origin == configured.origin:
            return stored  # descends from the configured token: newer
        log.info("access_token changed since the token store was written; using access_token")
        return configured

    @property
    def access_token(self) -> str | None:
        """The token now in use."""
        return self.current.access_token if self.current else None

    @access_token.setter
    def access_token(self, value: str | None) -> None:
        """The SDK base class assigns None at start; the token lives in `current`."""

    def is_token_valid(self) -> bool:
        """True when a token exists and, in a refreshing mode, is not about to expire."""
        if self.current is None:
            return False
        if self.settings.oauth_mode is OAuthMode.OFF:
            return True
        if self.current.expires_at is None and self._token_info is None:
            self._learn_expiry()
        now = self.clock.now()
        old_enough = now - self.current.obtained_at >= MIN_REFRESH_AGE_SECONDS
        return not (old_enough and self.current.expires_within(REFRESH_MARGIN_SECONDS, now))

    def token_info(self) -> dict[str, Any]:
        """`debug_token` data of the current token, asked once (Facebook Login only; else {})."""
        with self._lock:
            if self._token_info is None:
                self._token_info = {}
                token = self.access_token
                if token and self.settings.login is Login.FACEBOOK:
                    try:
                        self._token_info = self.exchanger.debug(token)
                    except GraphError as exc:
                        log.info("debug_token could not describe the token: %s", exc.message)
            return self._token_info

    def _learn_expiry(self) -> None:
        """A configured token's expiry and age, from `debug_token`, so it is refreshed in time."""
        info = self.token_info()
        if self.current is None or not info:
            return
        expires, issued = info.get("expires_at"), info.get("issued_at")
        if isinstance(expires, int | float) and expires > 0:
            self.current.expires_at = float(expires)
        if isinstance(issued, int | float) and issued > 0 and not self.current.obtained_at:
            self.current.obtained_at = float(issued)

    def update_access_token(self) -> None:
        """Obtain (GETANDREFRESH) or refresh (REFRESH modes) the token."""
        with self._lock:
            if self.current is not None and self.is_token_valid():
                return  # another thread refreshed it meanwhile
            if self.current is None:
                if self.settings.oauth_mode is OAuthMode.GETANDREFRESH:
                    self._keep(run_code_flow(self.exchanger, self.on_authorization_url))
                    return
                if self.settings.refresh_token and self.settings.oauth_mode is OAuthMode.REFRESH:
                    self._keep(self.exchanger.refresh(self.settings.refresh_token))
                    return
                raise SettingsError(
                    "access_token",
                    "no token is configured or stored",
                    "set access_token, run `instagram-auth url` and `exchange`, or use GETANDREFRESH",
                )
            if self.settings.oauth_mode is not OAuthMode.OFF:
                self.refresh()

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Set `Authorization: Bearer …` (and `appsecret_proof`/`appsecret_time` when configured)."""
        if not self.is_token_valid():
            self.update_access_token()
        token = self.access_token
        assert token is not None
        request.headers["Authorization"] = f"Bearer {token}"
        request.prepare_url(request.url, self.proof_params(token))
        return request

    def proof_params(self, token: str | None = None) -> dict[str, str]:
        """`appsecret_proof` + `appsecret_time` for the token, or nothing without app_secret."""
        token = token or self.access_token
        if not self.settings.app_secret or not token:
            return {}
        return appsecret_proof(token, self.settings.app_secret, int(self.clock.now()))

    def refresh(self, *, expired: str | None = None) -> StoredToken:
        """Refresh now: from the current token, else from `refresh_token`. Persist the result.

        `expired` names a token Graph called expired: it is never a source (Graph refuses to
        refresh or exchange an expired token, graph-api.md §11).
        """
        with self._lock:
            current = self.current
            if current and current.expires_at and current.expires_at <= self.clock.now():
                expired = expired or current.access_token  # known to be past its expiry
            sources = [t for t in (self.access_token, self.settings.refresh_token)
                       if t and t != expired]  # fmt: skip
            last: GraphError | None = None
            for source in dict.fromkeys(sources):
                try:
                    fresh = self.exchanger.refresh(source)
                except GraphError as exc:
                    last = exc
                    continue
                self._keep(fresh)
                self.refreshes += 1
                log.info("access token refreshed (fingerprint %s)", fingerprint(fresh.access_token))
                return fresh
            reason = last.message if last else "no live token to refresh from"
            raise AuthError(
                f"the token could not be refreshed: {reason}",
                code=last.code if last else None,
                subcode=last.subcode if last else None,
                advice="Get a new token: run `instagram-auth url`, open it, then "
                "`instagram-auth exchange CODE` (or use oauth_mode GETANDREFRESH)",
            )

    def recover(self, error: AuthError, used_token: str | None) -> bool:
        """After a 190/102 answer: True when a new token is ready to retry with."""
        if self.settings.oauth_mode is OAuthMode.OFF:
            return False
        if error.code == 190 and error.subcode in (458, 459, 464):
            return False  # app removed or user action needed: a refresh cannot help
        with self._lock:
            if self.access_token != used_token or self._adopt_stored(used_token):
                return True  # another stream or process refreshed meanwhile
            try:
                self.refresh(expired=used_token if error.expired else None)
            except AuthError as exc:
                log.error("%s", exc)
                return False
            return True

    def _adopt_stored(self, used_token: str | None) -> bool:
        """A newer token another process wrote to the token store, descending from ours."""
        stored = self.store.load() if self.store else None
        if stored is None or stored.access_token == used_token or self.current is None:
            return False
        if stored.login != self.settings.login.value or stored.origin != self.current.origin:
            return False
        self.current = stored
        log.info(
            "using the token another run stored (fingerprint %s)", fingerprint(stored.access_token)
        )
        return True

    def adopt(self, token: StoredToken) -> None:
        """Use a token obtained elsewhere (a code exchange) from now on, and persist it."""
        with self._lock:
            self._keep(token)

    def _keep(self, token: StoredToken) -> None:
        origin = self.current.origin if self.current else ""
        token.origin = origin or fingerprint(self.settings.access_token)
        self.current = token
        if self.store:
            self.store.save(token)


class _CallbackHandler(BaseHTTPRequestHandler):
    """Receives the OAuth redirect on the local callback port."""

    server: _CallbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        ok = parts.path == self.server.expected_path and query.get("state") == self.server.state
        if ok and "code" in query:
            self.server.code = query["code"]
            self.server.error = None
        else:
            self.server.error = query.get("error_description") or query.get("error") or "no code"
        self.send_response(200 if self.server.code else 400)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(
            b"Authorised. You can close this window."
            if self.server.code
            else b"Authorisation failed; see the terminal."
        )
        self.server.done.set()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request line holds the code."""


class _CallbackServer(HTTPServer):
    def __init__(self, address: tuple[str, int], expected_path: str, state: str) -> None:
        super().__init__(address, _CallbackHandler)
        self.expected_path = expected_path
        self.state = state
        self.code: str | None = None
        self.error: str | None = None
        self.done = threading.Event()


def run_code_flow(
    exchanger: TokenExchanger,
    on_url: Callable[[str], None] | None = None,
    *,
    timeout: float = 300,
) -> StoredToken:
    """Print the authorization URL, wait for the redirect on the local port, exchange the code."""
    redirect = urlsplit(exchanger.settings.redirect_uri)
    state = secrets.token_urlsafe(16)
    server = _CallbackServer(
        (redirect.hostname or "localhost", redirect.port or 80), redirect.path or "/", state
    )
    thread = threading.Thread(target=server.serve_forever, name="oauth-callback", daemon=True)
    thread.start()
    try:
        url = exchanger.authorization_url(state)
        (on_url or _announce)(url)
        if not server.done.wait(timeout):
            raise AuthError(
                f"no authorization arrived on {exchanger.settings.redirect_uri} within {timeout:.0f} s",
                advice="Open the printed URL in a browser on this machine, or run "
                "`instagram-auth url` and `instagram-auth exchange CODE` instead",
            )
        if server.code is None:
            raise AuthError(f"authorization was refused: {server.error}", advice="Try again")
        return exchanger.exchange_code(server.code)
    finally:
        server.shutdown()
        server.server_close()


def _announce(url: str) -> None:
    print(
        f"Open this URL in a browser to authorise the connector:\n{url}",
        file=sys.stderr,
        flush=True,
    )
