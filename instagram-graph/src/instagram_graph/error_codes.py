"""The one table from Graph (code, subcode) to an error class and advice (graph-api.md §7.2).

`read_answer` (with `error_from_response`) and `error_from_body` are the only places that read error
bodies.
Lookup order: (code, subcode), then (code, None), then code ranges, then the HTTP status.
`is_transient: true` turns any non-throttle error into a `TransientError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from instagram_graph import errors
from instagram_graph.bodies import decode_json
from instagram_graph.errors import GraphError


@dataclass(frozen=True)
class Rule:
    """What an error code means for the caller."""

    error_class: type[GraphError]
    advice: str = ""


_REAUTH = (
    "Get a new token (`instagram-auth url`, then `instagram-auth exchange CODE`), "
    "or set oauth_mode to REFRESH so the connector refreshes it"
)
_NEW_LOGIN = (
    "Get a new one: run `instagram-auth url`, open the URL and approve, then "
    "`instagram-auth exchange CODE` (with token_store set, the tap and target use it from then on); "
    "with oauth_mode REFRESH the connector refreshes it a week before it expires"
)
_USER_ACTION = (
    "The account owner must log in to Instagram/Facebook and resolve it, then re-authorise"
)

CODES: dict[tuple[int, int | None], Rule] = {
    # transient
    (1, None): Rule(
        errors.TransientError, "Retry later; if it persists, ask for less data per call"
    ),
    (2, None): Rule(errors.TransientError, "Graph is temporarily unavailable; retry later"),
    (-1, None): Rule(errors.TransientError, "Instagram server error; retry"),
    (-1, 2207053): Rule(errors.TransientError, "Upload failed; create a new container"),
    (-1, 2207073): Rule(errors.InvalidRequestError, "This media type cannot be deleted"),
    (-2, None): Rule(errors.TransientError, "Media download timed out or expired; retry"),
    # throttles
    (4, None): Rule(errors.RateLimitedError, "App-level rate limit; wait before more calls"),
    (4, 2207051): Rule(errors.InvalidRequestError, "Publishing was flagged as spam; slow down"),
    (17, None): Rule(errors.RateLimitedError, "User-level rate limit; wait before more calls"),
    (32, None): Rule(errors.RateLimitedError, "Page-level rate limit; wait before more calls"),
    (341, None): Rule(errors.RateLimitedError, "Application limit reached; wait longer"),
    (613, None): Rule(errors.RateLimitedError, "Custom rate limit; wait before more calls"),
    (80001, None): Rule(errors.RateLimitedError, "Page BUC throttle; wait before more calls"),
    (80002, None): Rule(errors.RateLimitedError, "Instagram BUC throttle for this account; wait"),
    (80006, None): Rule(errors.RateLimitedError, "Messenger BUC throttle; wait before more calls"),
    # auth
    (102, None): Rule(errors.AuthError, _REAUTH),
    (190, None): Rule(errors.AuthError, _REAUTH),
    (190, 458): Rule(errors.AuthError, "The user removed the app; " + _REAUTH),
    (190, 459): Rule(errors.AuthError, "The user is checkpointed. " + _USER_ACTION),
    (190, 460): Rule(errors.AuthError, "The password changed; " + _REAUTH),
    (190, 463): Rule(
        errors.AuthError,
        "The token expired{on}; an expired token cannot be refreshed. " + _NEW_LOGIN,
    ),
    (190, 464): Rule(errors.AuthError, "The user is unconfirmed. " + _USER_ACTION),
    (190, 467): Rule(errors.AuthError, _REAUTH),
    (190, 492): Rule(errors.AuthError, "The user lost their role on the Page; " + _REAUTH),
    # permissions
    (3, None): Rule(errors.PermissionDeniedError, "The app lacks the capability for this call"),
    (10, None): Rule(
        errors.PermissionDeniedError, "Grant the permission in the app and re-authorise the token"
    ),
    (25, 2207050): Rule(errors.PermissionDeniedError, "The account is restricted. " + _USER_ACTION),
    (368, None): Rule(errors.PermissionDeniedError, "Blocked for a policy violation; wait"),
    # skippable objects
    (100, 33): Rule(errors.NotFoundError, "The object is gone or not reachable with this token"),
    (24, 2207006): Rule(errors.NotFoundError, "The media was not found"),
    (110, 2207013): Rule(
        errors.NotFoundError, "No public business or creator account has this username"
    ),
    (100, 2108006): Rule(
        errors.InsufficientDataError, "Media from before the business conversion has no insights"
    ),
    # invalid requests with specific advice
    (100, None): Rule(errors.InvalidRequestError, "Fix the request parameters"),
    (24, 2207008): Rule(
        errors.TransientError, "The container expired; retry, then build a new one"
    ),
    (9, 2207042): Rule(
        errors.PublishingLimitError, "The daily publishing limit is reached; publish after 24 h"
    ),
    (9007, 2207027): Rule(
        errors.InvalidRequestError, "The container is not ready; poll its status"
    ),
    (9004, 2207052): Rule(errors.InvalidRequestError, "The media URL could not be fetched"),
    (2500, None): Rule(errors.InvalidRequestError, "Unknown path; check the API version and path"),
}

# Permission errors 200–299 share one rule.
_PERMISSION_RANGE = range(200, 300)
_PERMISSION_RULE = Rule(
    errors.PermissionDeniedError, "Grant the named permission and re-authorise the token"
)
_INSIGHTS_SHORTFALL = Rule(
    errors.InsufficientDataError, "Instagram shows no insights for this object (too few viewers)"
)
_DEFAULT = Rule(errors.InvalidRequestError)

# Graph gives "no permission" and "too few viewers" the same code and no subcode; only the
# documented message tells them apart (graph-api.md §11). These are the only texts read, each
# for one code without a subcode, so a new wording falls back to the code's own row.
_SHARED_CODE_TEXTS: dict[int, tuple[str, Rule]] = {
    10: (
        "does not have permission",
        Rule(errors.PermissionDeniedError,
             "Re-authorise the token with the insights permission (instagram_manage_insights with "
             "Facebook Login, instagram_business_manage_insights with Instagram Login)"),
    ),
    1: (
        "reduce the amount of data",
        Rule(errors.TooMuchDataError,
             "The connector asks again for fewer items per page, then fewer nested items"),
    ),
    100: (
        "missing permission",
        Rule(errors.PermissionDeniedError,
             "Re-authorise the token with the permission named in the message"),
    ),
}  # fmt: skip


def rule_for(
    code: int | None, subcode: int | None, *, insights: bool = False, message: str = ""
) -> Rule:
    """The rule for a (code, subcode); `insights` marks an insights read (code 10 is then a skip).

    `message` is consulted only where Graph shares one code between a missing permission and
    something else (`_SHARED_CODE_TEXTS`).
    """
    if code is None:
        return _DEFAULT
    if subcode is None and code in _SHARED_CODE_TEXTS:
        fragment, permission_rule = _SHARED_CODE_TEXTS[code]
        if fragment in message.casefold():
            return permission_rule
    if insights and code == 10:
        return _INSIGHTS_SHORTFALL
    if (code, subcode) in CODES:
        return CODES[(code, subcode)]
    if code in _PERMISSION_RANGE:
        return _PERMISSION_RULE
    return CODES.get((code, None), _DEFAULT)


def error_from_body(
    status: int,
    body: Any,
    *,
    request: str = "",
    insights: bool = False,
) -> GraphError | None:
    """The exception for an answer (HTTP status + decoded body), or None if it is a success."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return _graph_error(status, body, request, insights)
    if isinstance(body, dict) and "error_type" in body and "error_message" in body:
        # api.instagram.com's own shape for the code exchange (§2.2)
        return errors.AuthError(
            str(body["error_message"]),
            http_status=status,
            code=_int(body.get("code")),
            error_type=str(body["error_type"]),
            advice=_REAUTH,
            request=request,
            body=body,
        )
    if status == 429:
        return errors.RateLimitedError("Too many requests", http_status=status, request=request)
    if status >= 500:
        return errors.TransientError(
            f"Server error without a Graph error body: {_snippet(body)}",
            http_status=status,
            request=request,
        )
    if status >= 400:
        return errors.InvalidRequestError(
            f"HTTP {status} without a Graph error body: {_snippet(body)}",
            http_status=status,
            request=request,
        )
    return None


def error_from_response(
    response: requests.Response, *, request: str = "", insights: bool = False
) -> GraphError | None:
    """The exception for an HTTP answer, or None when it is a JSON success."""
    return read_answer(response, request=request, insights=insights)[1]


def read_answer(
    response: requests.Response, *, request: str = "", insights: bool = False
) -> tuple[Any, GraphError | None]:
    """An HTTP answer's body, decoded once, and its exception (None when it is a JSON success)."""
    try:
        body = decode_json(response.content)
    except (ValueError, requests.exceptions.RequestException):
        status = response.status_code
        kind = "text/HTML" if "html" in response.headers.get("content-type", "") else "non-JSON"
        error: GraphError
        if status == 429:
            error = errors.RateLimitedError(
                "Too many requests", http_status=status, request=request
            )
        else:
            error = errors.BadResponseError(
                f"Graph answered with a {kind} body instead of JSON",
                http_status=status,
                request=request,
            )
        return None, error
    return body, error_from_body(response.status_code, body, request=request, insights=insights)


def _graph_error(status: int, body: dict[str, Any], request: str, insights: bool) -> GraphError:
    err = body["error"]
    code, subcode = _int(err.get("code")), _int(err.get("error_subcode"))
    is_transient = bool(err.get("is_transient", False))
    rule = rule_for(code, subcode, insights=insights, message=str(err.get("message", "")))
    error_class = rule.error_class
    if is_transient and not issubclass(error_class, errors.RateLimitedError):
        error_class = errors.TransientError
    if status == 429 and error_class is errors.InvalidRequestError:
        error_class = errors.RateLimitedError
    return error_class(
        str(err.get("message", "Graph error without a message")),
        http_status=status,
        code=code,
        subcode=subcode,
        error_type=err.get("type"),
        is_transient=is_transient,
        fbtrace_id=err.get("fbtrace_id"),
        user_title=err.get("error_user_title"),
        user_msg=err.get("error_user_msg"),
        advice=_expiry_advice(rule.advice, str(err.get("message", ""))),
        request=request,
        body=body,
    )


def _expiry_advice(advice: str, message: str) -> str:
    """Fill the expiry date Graph gave ("Session has expired on …") into the advice."""
    if "{on}" not in advice:
        return advice
    when = errors.expiry_in(message)
    return advice.replace("{on}", f" on {when}" if when else "")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _snippet(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body)[:200]
    return text[:200]
