"""The content rules, one by one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from target_instagram import rules
from target_instagram.rules import Rejected


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ("x" * 301, "301 characters"),
        ("#a #b #c #d #e", "5 hashtags"),
        ("www.a.example and http://b.example", "2 URLs"),
        ("BEST LATTE", "all capitals"),
    ],
)
def test_comment_rules(message: str, fragment: str) -> None:
    with pytest.raises(Rejected, match=fragment):
        rules.check_comment(message)


@pytest.mark.parametrize(
    "message", ["x" * 300, "#a #b #c #d", "see https://a.example", "OK", "Hi NYC"]
)
def test_comments_within_the_rules(message: str) -> None:
    assert rules.check_comment(message) == message


def test_caption_limits_are_inclusive() -> None:
    assert rules.check_caption("c" * 2200)
    assert rules.check_caption(" ".join(f"#t{i}" for i in range(30)))
    assert rules.check_caption(" ".join(f"@u{i}" for i in range(20)))
    with pytest.raises(Rejected, match="21 @mentions"):
        rules.check_caption(" ".join(f"@u{i}" for i in range(21)))


def test_jpeg_only_where_it_can_be_known() -> None:
    assert rules.check_url("https://cdn.example.com/a.JPEG", "image_url", jpeg=True)
    assert rules.check_url("https://cdn.example.com/render?id=3", "image_url", jpeg=True)
    with pytest.raises(Rejected, match=r"got a \.heic file"):
        rules.check_url("https://cdn.example.com/a.heic", "image_url", jpeg=True)
    with pytest.raises(Rejected, match="image/png"):
        rules.check_url(
            "https://cdn.example.com/a", "image_url", jpeg=True, content_type="image/png"
        )
    with pytest.raises(Rejected, match="not a public http"):
        rules.check_url("file:///tmp/a.jpg", "image_url", jpeg=True)


def test_structured_fields_and_timestamps() -> None:
    assert rules.structured({"t": '[{"username": "a"}]'}, "t") == [{"username": "a"}]
    with pytest.raises(Rejected, match="t: not valid JSON"):
        rules.structured({"t": "[oops"}, "t")
    assert rules.collaborators("a, b") == ["a", "b"]
    with pytest.raises(Rejected, match="4 given"):
        rules.collaborators(["a", "b", "c", "d"])
    moment = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert rules.timestamp("2026-11-22T12:00:00Z", "publish_at") == moment.timestamp()
    assert rules.timestamp(moment.replace(tzinfo=None), "publish_at") == moment.timestamp()
    with pytest.raises(Rejected, match="publish_at: 'tomorrow'"):
        rules.timestamp("tomorrow", "publish_at")
