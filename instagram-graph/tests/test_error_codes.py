"""The error table, row by row, and the decoding of error answers."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from instagram_graph import errors
from instagram_graph.error_codes import CODES, error_from_body, error_from_response, rule_for


def graph_body(code: int, subcode: int | None = None, **extra: object) -> dict[str, object]:
    error: dict[str, object] = {"message": f"(#{code}) boom", "type": "OAuthException", "code": code,
                                "fbtrace_id": "Atrace", **extra}  # fmt: skip
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


EXPECTED = {
    (1, None): errors.TransientError, (2, None): errors.TransientError,
    (-1, None): errors.TransientError, (-1, 2207053): errors.TransientError,
    (-1, 2207073): errors.InvalidRequestError, (-2, None): errors.TransientError,
    (4, None): errors.RateLimitedError, (4, 2207051): errors.InvalidRequestError,
    (17, None): errors.RateLimitedError, (32, None): errors.RateLimitedError,
    (341, None): errors.RateLimitedError, (613, None): errors.RateLimitedError,
    (80001, None): errors.RateLimitedError, (80002, None): errors.RateLimitedError,
    (80006, None): errors.RateLimitedError, (102, None): errors.AuthError,
    (190, None): errors.AuthError, (190, 458): errors.AuthError, (190, 459): errors.AuthError,
    (190, 460): errors.AuthError, (190, 463): errors.AuthError, (190, 464): errors.AuthError,
    (190, 467): errors.AuthError, (190, 492): errors.AuthError,
    (3, None): errors.PermissionDeniedError, (10, None): errors.PermissionDeniedError,
    (25, 2207050): errors.PermissionDeniedError, (368, None): errors.PermissionDeniedError,
    (100, 33): errors.NotFoundError, (24, 2207006): errors.NotFoundError,
    (110, 2207013): errors.NotFoundError,
    (100, 2108006): errors.InsufficientDataError, (100, None): errors.InvalidRequestError,
    (24, 2207008): errors.TransientError, (9, 2207042): errors.PublishingLimitError,
    (9007, 2207027): errors.InvalidRequestError, (9004, 2207052): errors.InvalidRequestError,
    (2500, None): errors.InvalidRequestError,
}  # fmt: skip


def test_every_table_row_is_pinned_here() -> None:
    assert set(CODES) == set(EXPECTED)


@pytest.mark.parametrize(("code", "subcode"), sorted(EXPECTED, key=str))
def test_table_row(code: int, subcode: int | None) -> None:
    error = error_from_body(400, graph_body(code, subcode), request="GET /1/media")
    assert type(error) is EXPECTED[(code, subcode)]
    assert error.code == code and error.subcode == subcode
    assert error.fbtrace_id == "Atrace"
    assert "GET /1/media" in str(error) and f"code {code}" in str(error)


@pytest.mark.parametrize("code", [200, 230, 299])
def test_permission_range(code: int) -> None:
    assert type(error_from_body(403, graph_body(code))) is errors.PermissionDeniedError


def test_unknown_subcode_falls_back_to_its_code() -> None:
    assert type(error_from_body(400, graph_body(190, 999))) is errors.AuthError
    assert type(error_from_body(400, graph_body(100, 12345))) is errors.InvalidRequestError


def test_unknown_code_is_an_invalid_request() -> None:
    assert type(error_from_body(400, graph_body(77777))) is errors.InvalidRequestError


def test_code_10_on_insights_is_a_skip_not_a_permission_error() -> None:
    assert type(error_from_body(400, graph_body(10), insights=True)) is errors.InsufficientDataError
    assert type(error_from_body(400, graph_body(10))) is errors.PermissionDeniedError
    assert rule_for(10, None, insights=True).error_class is errors.InsufficientDataError


def test_is_transient_makes_any_non_throttle_error_transient() -> None:
    assert type(error_from_body(400, graph_body(100, is_transient=True))) is errors.TransientError
    assert (
        type(error_from_body(400, graph_body(17, 2446079, is_transient=True)))
        is errors.RateLimitedError
    )


def test_permission_error_names_the_missing_permission() -> None:
    body = graph_body(200)
    body["error"]["message"] = (
        "(#200) Requires instagram_manage_insights permission to manage the object"  # type: ignore[index]
    )
    error = error_from_body(403, body)
    assert isinstance(error, errors.PermissionDeniedError)
    assert error.missing_permission == "instagram_manage_insights"


def test_user_message_and_advice_are_in_the_text() -> None:
    error = error_from_body(400, graph_body(190, 463, error_user_msg="Log in again"))
    assert "Log in again" in str(error) and "instagram-auth" in str(error)


def test_success_bodies_are_not_errors() -> None:
    assert error_from_body(200, {"id": "1"}) is None
    assert error_from_body(200, {"data": []}) is None


def test_bare_http_statuses() -> None:
    assert type(error_from_body(429, {})) is errors.RateLimitedError
    assert type(error_from_body(503, {"oops": 1})) is errors.TransientError
    assert type(error_from_body(404, "nope")) is errors.InvalidRequestError


def test_instagram_oauth_error_shape() -> None:
    body = {
        "error_type": "OAuthException",
        "code": 400,
        "error_message": "Matching code was not found or was already used",
    }
    error = error_from_body(400, body)
    assert isinstance(error, errors.AuthError)
    assert "Matching code was not found" in str(error)


@responses.activate
def test_non_json_answer_is_a_retriable_bad_response() -> None:
    responses.get(
        "https://graph.test/x", body="<html>502</html>", status=502, content_type="text/html"
    )
    error = error_from_response(requests.get("https://graph.test/x", timeout=5), request="GET /x")
    assert type(error) is errors.BadResponseError
    assert isinstance(error, errors.TransientError)
    assert "text/HTML" in str(error)


@responses.activate
def test_json_error_answer() -> None:
    responses.get("https://graph.test/x", body=json.dumps(graph_body(80002)), status=400)
    error = error_from_response(requests.get("https://graph.test/x", timeout=5))
    assert type(error) is errors.RateLimitedError and error.http_status == 400


def _message_body(code: int, message: str) -> dict[str, object]:
    return {"error": {"message": message, "type": "OAuthException", "code": code}}


def test_insights_code_10_without_permission_is_a_permission_error_not_too_few_viewers() -> None:
    body = _message_body(10, "(#10) Application does not have permission for this action")
    error = error_from_body(403, body, request="GET /1/insights", insights=True)
    assert isinstance(error, errors.PermissionDeniedError)
    assert "instagram_manage_insights" in error.advice


def test_insights_code_10_too_few_viewers_stays_insufficient_data() -> None:
    body = _message_body(10, "(#10) Not enough viewers for the media to show insights")
    error = error_from_body(400, body, request="GET /1/insights", insights=True)
    assert isinstance(error, errors.InsufficientDataError)


def test_code_100_naming_a_missing_permission_names_it() -> None:
    body = _message_body(100, (
        "(#100) Object does not exist, cannot be loaded due to missing permission or reviewable "
        "feature, or does not support this operation. This endpoint requires the "
        "'pages_read_engagement' permission or the 'Page Public Content Access' feature"))  # fmt: skip
    error = error_from_body(400, body, request="GET /1/media")
    assert isinstance(error, errors.PermissionDeniedError)
    assert error.missing_permission == "pages_read_engagement"


def test_a_permission_text_with_a_subcode_keeps_the_subcode_row() -> None:
    body = _message_body(100, "Object does not exist, cannot be loaded due to missing permission")
    body["error"]["error_subcode"] = 33  # type: ignore[index]
    assert isinstance(error_from_body(400, body), errors.NotFoundError)


def test_insights_permission_advice_names_the_scope_of_both_logins() -> None:
    body = {
        "error": {
            "code": 10,
            "message": "(#10) Application does not have permission for this action",
        }
    }
    error = error_from_body(400, body, insights=True)
    assert error is not None and "instagram_business_manage_insights" in str(error)
    assert "instagram_manage_insights" in str(error)
