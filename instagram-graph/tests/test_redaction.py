"""Redaction of secrets in texts and log records, and the leak guard that checks the whole suite."""

from __future__ import annotations

import logging

import pytest

from instagram_graph import errors
from instagram_graph.redaction import MASK, RedactingFilter, get_logger, redact, register_secret
from instagram_sandbox.testing import Demo, LeakWatch


def test_registered_secrets_are_masked() -> None:
    register_secret("short-but-registered-secret")
    assert redact("value=short-but-registered-secret!") == f"value={MASK}!"


@pytest.mark.parametrize(
    "text",
    [
        "GET /v25.0/me?access_token=abc123def&fields=id",
        "client_secret=0123abcd&grant_type=fb_exchange_token",
        "fb_exchange_token=EAAshort",
        "Authorization: Bearer abcdefghijkl",
        "Authorization: OAuth abcdefghijkl",
        "token EAAGm0PX4ZCpsBAKZCZAv3XyZBqT5e1ZA3ZBJn9f",
        "token IGAAJm0PX4ZCpsBAKZCZAv3XyZBqT5e1ZA3ZBJn9f",
        "app token 123456789012|0123456789abcdef0123",
    ],
)
def test_token_shapes_and_secret_parameters_are_masked(text: str) -> None:
    masked = redact(text)
    assert MASK in masked
    for secret in (
        "abc123def",
        "0123abcd",
        "EAAshort",
        "abcdefghijkl",
        "EAAGm0",
        "IGAAJm0",
        "0123456789abcdef0123",
    ):
        assert secret not in masked


def test_ordinary_text_is_left_alone() -> None:
    text = "GET /17841245311166216/media failed (code 190/463, HTTP 400, fbtrace_id Sbx0001)"
    assert redact(text) == text


def test_filter_masks_message_arguments_and_exception_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = get_logger("instagram_graph.test")
    token = "EAAZZZsecretsecretsecretsecret99"
    with caplog.at_level(logging.INFO, logger="instagram_graph"):
        logger.info("calling with %s", token)
        try:
            raise RuntimeError(f"failed for access_token={token}")
        except RuntimeError:
            logger.exception("boom")
    text = caplog.text
    assert token not in text and MASK in text


def test_graph_errors_never_carry_a_token() -> None:
    error = errors.GraphError(
        "(#190) Bad token EAAZZZsecretsecretsecretsecret77", request="GET /me"
    )
    assert "EAAZZZ" not in str(error)


def test_filter_keeps_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert RedactingFilter().filter(record) is True and record.getMessage() == "hello world"


def test_leak_watch_finds_issued_tokens_and_not_masked_ones(demo: Demo) -> None:
    watch = LeakWatch()
    watch.secrets.add(demo.control.issue_token(demo.acme))
    token = next(iter(watch.secrets))
    assert watch.scan([f"log line with {token} inside"]) != []
    assert watch.scan([redact(f"log line with {token} inside")]) == []
