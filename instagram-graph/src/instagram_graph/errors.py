"""The exceptions the Graph client raises.

```
GraphError                      anything the Graph API (or the way to it) answered with
├── TransientError              5xx, codes 1, 2, -1, -2, `is_transient: true` — retry with backoff
│   ├── TooMuchDataError        1 "Please reduce the amount of data" — ask again for less (a
│   │                           batch re-sends it; a page read is re-planned smaller, see client)
│   ├── BadResponseError        not JSON, or JSON without the expected shape
│   └── NetworkError            timeout, refused or dropped connection (`sent` says whether the
│       │                       server may have received the request)
│       └── UnreachableError    never connected (refused, unknown host, proxy, connect timeout):
│                               retried for unreachable_timeout_seconds only
├── RateLimitedError            4, 17, 32, 341, 613, 80001, 80002, 80006, HTTP 429 — wait, then retry
├── ThrottledTooLongError       a throttle wait longer than max_throttle_wait_seconds — end the run
├── ClientClosedError           asked after the client was closed (a read left over when a run ended)
├── AuthError                   190 (all subcodes), 102 — refresh the token or log in again
├── PermissionDeniedError       3, 10, 200–299 — grant the permission named in `missing_permission`
├── SkippableError              this one object cannot be read; skip it and carry on
│   ├── NotFoundError           100/33, 24/2207006 — gone, or not reachable with this token
│   └── InsufficientDataError   100/2108006 (pre-conversion media), 10 on insights (too few viewers
│                               or followers)
└── InvalidRequestError         100 and everything else — the request must change

SettingsError                   a bad setting, raised before any call is made (not a GraphError)
```

The classes hold data only. Which class a (code, subcode) becomes, and what to advise, is decided
in `error_codes`; whether and when to retry is decided in `retry`.
"""

from __future__ import annotations

import re
from typing import Any

from singer_sdk.exceptions import ConfigValidationError

from instagram_graph.redaction import redact


class SettingsError(ConfigValidationError, ValueError):
    """A setting is missing or invalid; the message names the setting and the fix.

    A ConfigValidationError, so the SDK's command line reports it in one line and exits 1,
    without a traceback.
    """

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        """Say which setting is wrong, how, and what to do about it."""
        self.setting, self.problem, self.fix = setting, problem, fix
        text = f"Setting `{setting}`: {problem}. Fix: {fix}"
        super().__init__(text, errors=[text])


class GraphError(Exception):
    """An error answer from the Graph API, with every field Graph gave."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: int | None = None,
        subcode: int | None = None,
        error_type: str | None = None,
        is_transient: bool = False,
        fbtrace_id: str | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        advice: str = "",
        request: str = "",
        body: dict[str, Any] | None = None,
    ) -> None:
        """Keep every field; `request` is the method and path (never a URL with its query)."""
        self.message = message
        self.http_status = http_status
        self.code = code
        self.subcode = subcode
        self.error_type = error_type
        self.is_transient = is_transient
        self.fbtrace_id = fbtrace_id
        self.user_title = user_title
        self.user_msg = user_msg
        self.advice = advice
        self.request = request
        self.body = body or {}
        super().__init__(redact(self.describe()))

    def describe(self) -> str:
        """One line: request, Graph message, code/subcode, HTTP status, fbtrace_id and advice."""
        parts = [f"{self.request}: " if self.request else "", self.message]
        ids = []
        if self.code is not None:
            ids.append(f"code {self.code}" + (f"/{self.subcode}" if self.subcode else ""))
        if self.http_status is not None:
            ids.append(f"HTTP {self.http_status}")
        if self.fbtrace_id:
            ids.append(f"fbtrace_id {self.fbtrace_id}")
        if ids:
            parts.append(f" ({', '.join(ids)})")
        if self.user_msg:
            parts.append(f" — {self.user_msg}")
        if self.advice:
            parts.append(f". {self.advice}")
        return redact("".join(parts))


class TransientError(GraphError):
    """A failure that may pass on its own: retry with backoff."""


class TooMuchDataError(TransientError):
    """Graph asks for less data per call: the same request will fail again (graph-api.md §11)."""


class BadResponseError(TransientError):
    """The answer was not JSON, or not the shape the endpoint promises."""


class NetworkError(TransientError):
    """No usable answer: timeout, refused, dropped or truncated connection."""

    def __init__(self, message: str, *, sent: bool, request: str = "") -> None:
        """`sent` is False only when the request provably never reached the server."""
        self.sent = sent
        super().__init__(message, request=request)


class UnreachableError(NetworkError):
    """The host was never reached: connection refused, unknown host name, proxy down, no connect."""

    def __init__(self, message: str, *, request: str = "") -> None:
        """Never sent, so a write may be retried."""
        super().__init__(message, sent=False, request=request)


class RateLimitedError(GraphError):
    """A throttle: wait (`regain_seconds` when Graph said how long), then retry."""

    regain_seconds: float | None = None


class PublishingLimitError(GraphError):
    """The account's 24-hour publishing quota is used up: retrying today cannot help."""


class AuthError(GraphError):
    """The token is expired, revoked or invalid."""

    @property
    def expired(self) -> bool:
        """True for an answer saying the token has expired (190/463): it can never be refreshed."""
        return self.subcode == 463 or "has expired" in self.message

    @property
    def expired_on(self) -> str | None:
        """The expiry time as Graph wrote it ("Session has expired on <when>. …"), if it did."""
        return expiry_in(self.message)


def expiry_in(message: str) -> str | None:
    """The `<when>` of a Graph message "… Session has expired on <when>. …", if there is one."""
    match = re.search(r"has expired on ([^.]+)\.", message)
    return match.group(1).strip() if match else None


class ThrottledTooLongError(GraphError):
    """Graph throttles the account for longer than `max_throttle_wait_seconds`: stop, resume later."""


class ClientClosedError(GraphError):
    """A request asked after `GraphClient.close`: the run is over, nothing was sent."""


class PermissionDeniedError(GraphError):
    """The token lacks a permission or the app a capability."""

    @property
    def missing_permission(self) -> str | None:
        """The permission Graph named in its message, when it named one."""
        for word in self.message.replace(",", " ").split():
            word = word.strip("().'\"")
            if word.startswith(("instagram_", "pages_", "business_", "ads_")):
                return word
        return None


class SkippableError(GraphError):
    """One object cannot be read; the rest of the run is unaffected."""


class NotFoundError(SkippableError):
    """The object does not exist (any more) or is not reachable with this token."""


class InsufficientDataError(SkippableError):
    """Insights cannot be shown for this object (too few viewers, pre-conversion media)."""


class InvalidRequestError(GraphError):
    """The request itself is wrong: unknown field or metric, bad parameter, unknown path."""


class UnsendableError(InvalidRequestError):
    """The request cannot be encoded (text that is not valid UTF-8): it was never sent."""
