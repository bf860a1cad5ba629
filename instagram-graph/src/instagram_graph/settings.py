"""The settings the Graph client owns; the tap and the target expose them under the same names.

`SETTINGS_SCHEMA` is the singer-sdk JSON schema of these settings (secrets marked), and
`GraphSettings.from_config` turns a config mapping into a checked, typed object. Every problem
raises `SettingsError`, naming the setting and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from singer_sdk import typing as th

from instagram_graph.config_checks import check_token_login
from instagram_graph.errors import SettingsError
from instagram_graph.redaction import register_secret

# The newest version the metric catalogue is verified for: v26 added story link_clicks (known to
# the tap), v27 changed no metric (graph-api.md §0, §11). Move it only with the catalogue.
DEFAULT_API_VERSION = "v27.0"
FACEBOOK_GRAPH = "https://graph.facebook.com"
INSTAGRAM_GRAPH = "https://graph.instagram.com"
RUPLOAD = "https://rupload.facebook.com"  # resumable video upload (Facebook Login)
_VERSION = re.compile(r"^v?(\d{1,2})(?:\.0)?$")


class OAuthMode(StrEnum):
    """How the connector gets and keeps its token (mirrors the CData/Jitterbit modes)."""

    OFF = "OFF"
    REFRESH = "REFRESH"
    GETANDREFRESH = "GETANDREFRESH"


class Login(StrEnum):
    """Which Instagram API configuration the token belongs to."""

    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"


@dataclass(frozen=True)
class Endpoints:
    """Where each Meta host lives; production hosts, or siblings of an `api_url` override."""

    graph: str
    facebook_graph: str
    instagram_api: str
    authorize: str
    rupload: str = RUPLOAD

    @classmethod
    def for_settings(cls, login: Login, api_url: str | None) -> Endpoints:
        """Production hosts, or the override and its sibling hosts served under path prefixes."""
        if not api_url:
            graph = FACEBOOK_GRAPH if login is Login.FACEBOOK else INSTAGRAM_GRAPH
            return cls(
                graph=graph,
                facebook_graph=FACEBOOK_GRAPH,
                instagram_api="https://api.instagram.com",
                authorize=(
                    "https://www.facebook.com/{version}/dialog/oauth"
                    if login is Login.FACEBOOK
                    else "https://www.instagram.com/oauth/authorize"
                ),
            )
        graph = api_url.rstrip("/")
        root = graph
        for host in ("/graph.instagram.com", "/graph.facebook.com"):
            root = root.removesuffix(host)
        return cls(
            graph=graph,
            facebook_graph=root,
            instagram_api=f"{root}/api.instagram.com",
            rupload=f"{root}/rupload.facebook.com",
            authorize=(
                f"{root}/www.facebook.com/{{version}}/dialog/oauth"
                if login is Login.FACEBOOK
                else f"{root}/www.instagram.com/oauth/authorize"
            ),
        )


@dataclass(frozen=True)
class GraphSettings:
    """Checked settings of the Graph client (see the package README for each one)."""

    access_token: str | None = None
    login: Login = Login.FACEBOOK
    api_url: str | None = None
    api_version: str = DEFAULT_API_VERSION
    oauth_mode: OAuthMode = OAuthMode.OFF
    client_id: str | None = None
    client_secret: str | None = None
    refresh_token: str | None = None
    token_store: Path | None = None
    redirect_uri: str = "http://localhost:8790/callback"
    oauth_scopes: tuple[str, ...] = ()
    app_secret: str | None = None
    proxy: str | None = None
    extra_params: dict[str, str] = field(default_factory=dict)
    user_agent: str = "instagram-graph-singer/0.1"
    maximum_retries: int = 3
    initial_retry_interval_millis: int = 20000
    maximum_retries_interval_millis: int = 120000
    connect_timeout_millis: int = 10000
    response_timeout_millis: int = 30000
    unreachable_timeout_seconds: float = 15
    throttle_threshold: float = 90
    throttle_rate_per_second: float = 5
    throttle_wait_in_millis: int = 3600000
    max_throttle_wait_seconds: float = 300
    max_concurrent_requests: int = 4
    ig_user_ids: tuple[str, ...] = ()
    facebook_page_name: str | None = None

    @property
    def endpoints(self) -> Endpoints:
        """The hosts this configuration talks to."""
        return Endpoints.for_settings(self.login, self.api_url)

    @property
    def graph_url(self) -> str:
        """Versioned Graph base URL, e.g. `https://graph.facebook.com/v25.0`."""
        return f"{self.endpoints.graph}/{self.api_version}"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, need_token: bool = True) -> GraphSettings:
        """Check `config` (tap or target config; unknown keys are ignored) and build the settings.

        `need_token=False` skips the token checks (for getting a first token).
        """
        c = dict(config)
        for secret in ("access_token", "client_secret", "refresh_token", "app_secret"):
            register_secret(c.get(secret))
        login = _enum(Login, c, "login", Login.FACEBOOK)
        mode = _enum(OAuthMode, c, "oauth_mode", OAuthMode.OFF)
        settings = cls(
            access_token=_opt_str(c, "access_token"),
            login=login,
            api_url=_url(c, "api_url"),
            api_version=_version(c.get("api_version")),
            oauth_mode=mode,
            client_id=_opt_str(c, "client_id"),
            client_secret=_opt_str(c, "client_secret"),
            refresh_token=_opt_str(c, "refresh_token"),
            token_store=Path(c["token_store"]).expanduser() if c.get("token_store") else None,
            redirect_uri=_url(c, "redirect_uri") or cls.redirect_uri,
            oauth_scopes=_str_list(c, "oauth_scopes"),
            app_secret=_opt_str(c, "app_secret"),
            proxy=_url(c, "proxy"),
            extra_params=_extra_params(c.get("extra_params")),
            user_agent=_opt_str(c, "user_agent") or cls.user_agent,
            maximum_retries=_number(c, "maximum_retries", 3, minimum=0, integer=True),
            initial_retry_interval_millis=_number(c, "initial_retry_interval_millis", 20000, integer=True),
            maximum_retries_interval_millis=_number(c, "maximum_retries_interval_millis", 120000, integer=True),
            connect_timeout_millis=_number(c, "connect_timeout_millis", 10000, minimum=1, integer=True),
            unreachable_timeout_seconds=_number(c, "unreachable_timeout_seconds", 15, minimum=0),
            response_timeout_millis=_number(c, "response_timeout_millis", 30000, minimum=1, integer=True),
            throttle_threshold=_number(c, "throttle_threshold", 90, maximum=100),
            throttle_rate_per_second=_number(c, "throttle_rate_per_second", 5, minimum=0.001),
            throttle_wait_in_millis=_number(c, "throttle_wait_in_millis", 3600000, integer=True),
            max_throttle_wait_seconds=_number(c, "max_throttle_wait_seconds", 300, minimum=0),
            max_concurrent_requests=_number(c, "max_concurrent_requests", 4, minimum=1, maximum=16, integer=True),
            ig_user_ids=_str_list(c, "ig_user_ids"),
            facebook_page_name=_opt_str(c, "facebook_page_name"),
        )  # fmt: skip
        if need_token:
            settings.check_credentials()
        return settings

    def check_credentials(self) -> None:
        """Fail early when the chosen oauth_mode cannot work with what is configured."""
        if self.oauth_mode is OAuthMode.OFF and not (self.access_token or self.token_store):
            raise SettingsError(
                "access_token",
                "no token is configured and oauth_mode is OFF",
                "set access_token (or token_store), or set oauth_mode to GETANDREFRESH to log in",
            )
        if self.oauth_mode is not OAuthMode.OFF:
            if self.login is Login.FACEBOOK or self.oauth_mode is OAuthMode.GETANDREFRESH:
                for name in ("client_id", "client_secret"):
                    if not getattr(self, name):
                        raise SettingsError(
                            name,
                            f"oauth_mode {self.oauth_mode} with login {self.login} needs the app's {name}",
                            f"copy it from the app dashboard into {name}, or set oauth_mode to OFF",
                        )
            if self.oauth_mode is OAuthMode.GETANDREFRESH and not self.token_store:
                raise SettingsError(
                    "token_store",
                    "GETANDREFRESH must keep the token it obtains",
                    "set token_store to a file path, e.g. .secrets/instagram-token.json",
                )
            if not (self.access_token or self.refresh_token or self.token_store):
                raise SettingsError(
                    "access_token",
                    "REFRESH needs a first token to refresh",
                    "set access_token or refresh_token, or use oauth_mode GETANDREFRESH",
                )
        check_token_login(self.access_token, self.login.value)
        if self.ig_user_ids and self.facebook_page_name:
            raise SettingsError(
                "facebook_page_name",
                "both ig_user_ids and facebook_page_name are set",
                "keep one of them",
            )


def _enum(kind: type[Login] | type[OAuthMode], c: dict[str, Any], name: str, default: Any) -> Any:
    value = c.get(name)
    if value in (None, ""):
        return default
    try:
        return kind(str(value).upper() if kind is OAuthMode else str(value).lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise SettingsError(name, f"{value!r} is not allowed", f"use one of: {allowed}") from None


def _opt_str(c: dict[str, Any], name: str) -> str | None:
    value = c.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(name, f"expected text, got {type(value).__name__}", "quote the value")
    return value


def _url(c: dict[str, Any], name: str) -> str | None:
    value = _opt_str(c, name)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.netloc:
        raise SettingsError(
            name, f"{value!r} is not a URL", "give a full URL such as https://host:port"
        )
    return value


def _version(value: Any) -> str:
    if value in (None, ""):
        return DEFAULT_API_VERSION
    match = _VERSION.match(str(value).strip())
    if not match:
        raise SettingsError(
            "api_version", f"{value!r} is not a Graph API version", "use the form v25.0"
        )
    return f"v{match.group(1)}.0"


def _number(
    c: dict[str, Any],
    name: str,
    default: float,
    *,
    minimum: float = 0,
    maximum: float | None = None,
    integer: bool = False,
) -> Any:
    value = c.get(name)
    if value is None or value == "":
        return int(default) if integer else float(default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SettingsError(
            name, f"{value!r} is not a number", f"use a number such as {default}"
        ) from None
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"at least {minimum}" + (f" and at most {maximum}" if maximum is not None else "")
        raise SettingsError(name, f"{value!r} is out of range", f"use a value {bounds}")
    return int(number) if integer else number


def _str_list(c: dict[str, Any], name: str) -> tuple[str, ...]:
    value = c.get(name)
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise SettingsError(name, "expected a list of strings", 'write it as ["a", "b"]')
    return tuple(str(v) for v in value if str(v))


def _extra_params(value: Any) -> dict[str, str]:
    if value in (None, "", [], {}):
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(v, dict) and "key" in v for v in value):
        return {str(v["key"]): str(v.get("value", "")) for v in value}
    raise SettingsError(
        "extra_params",
        "expected an object or a list of {key, value} pairs",
        'write it as {"param": "value"} or [{"key": "param", "value": "value"}]',
    )


_DESCRIPTIONS = {
    "maximum_retries": "Retries after a failed call (transient errors, throttles).",
    "initial_retry_interval_millis": "Wait before the first retry; doubles each retry, with jitter.",
    "maximum_retries_interval_millis": "Upper bound of one retry wait.",
    "connect_timeout_millis": "Connection timeout.",
    "unreachable_timeout_seconds": "How long a host that cannot be reached (connection refused, unknown name, no answer to connect) is retried before the run stops with advice on api_url and proxy.",
    "response_timeout_millis": "Timeout for the answer once connected.",
    "throttle_threshold": "Usage percent (X-App-Usage / X-Business-Use-Case-Usage) above which calls slow down.",
    "throttle_rate_per_second": "Calls per second per account once usage passes throttle_threshold.",
    "throttle_wait_in_millis": "Upper bound of one throttle wait (Graph's estimated_time_to_regain_access is used when given).",
    "max_throttle_wait_seconds": "A throttle wait longer than this ends the run cleanly instead (STATE for what is done; the next run resumes).",
}

SETTINGS_SCHEMA = th.PropertiesList(
    th.Property("access_token", th.StringType, secret=True, description="Facebook user/Page token (EAA…) or Instagram user token (IGAA…)."),
    th.Property("login", th.StringType, allowed_values=["facebook", "instagram"], default="facebook",
                description="facebook: graph.facebook.com, Page-linked accounts. instagram: graph.instagram.com, Instagram Login."),
    th.Property("api_url", th.StringType, description="Base URL override (a proxy or the local sandbox)."),
    th.Property("api_version", th.StringType, default=DEFAULT_API_VERSION, description="Graph API version, e.g. v27.0."),
    th.Property("oauth_mode", th.StringType, allowed_values=[m.value for m in OAuthMode], default="OFF",
                description="OFF: use the token as given. REFRESH: refresh it before expiry or on 190/463 and store it. GETANDREFRESH: as REFRESH, and log in with the code flow when no token exists."),
    th.Property("client_id", th.StringType, description="App id (Facebook app, or Instagram app for login=instagram)."),
    th.Property("client_secret", th.StringType, secret=True, description="App secret, for token exchange and refresh."),
    th.Property("refresh_token", th.StringType, secret=True, description="Long-lived token to refresh from when access_token is missing or dead."),
    th.Property("token_store", th.StringType, description="File where obtained and refreshed tokens are kept (mode 0600); preferred over access_token when newer."),
    th.Property("redirect_uri", th.StringType, default="http://localhost:8790/callback", description="OAuth redirect URI; the code flow listens on its port."),
    th.Property("oauth_scopes", th.ArrayType(th.StringType), description="Scopes asked for in the code flow (default: all the connector uses)."),
    th.Property("app_secret", th.StringType, secret=True, description="When set, every call carries appsecret_proof and appsecret_time."),
    th.Property("proxy", th.StringType, description="HTTP(S) proxy URL for every call."),
    th.Property("extra_params", th.ObjectType(additional_properties=th.StringType), description="Query parameters added to every call."),
    th.Property("user_agent", th.StringType, description="User-Agent header."),
    *(
        th.Property(name, th.IntegerType if name.endswith(("millis", "retries")) else th.NumberType,
                    default=default, description=_DESCRIPTIONS[name])
        for name, default in (
            ("maximum_retries", 3), ("initial_retry_interval_millis", 20000),
            ("maximum_retries_interval_millis", 120000), ("connect_timeout_millis", 10000),
            ("response_timeout_millis", 30000), ("unreachable_timeout_seconds", 15), ("throttle_threshold", 90),
            ("throttle_rate_per_second", 5), ("throttle_wait_in_millis", 3600000),
            ("max_throttle_wait_seconds", 300),
        )
    ),
    th.Property("max_concurrent_requests", th.IntegerType, default=4,
                description="Requests in flight at once per credential, from however many threads read (1 to 16; 1 sends one after another). Batches of writes keep their order. Usage headers and throttles still pace every call; after a failed or throttled request, one at a time."),
    th.Property("ig_user_ids", th.ArrayType(th.StringType), description="Instagram professional account ids to use (default: every account the token reaches)."),
    th.Property("facebook_page_name", th.StringType, description="Use the Instagram account linked to the Facebook Page with this name."),
)  # fmt: skip
