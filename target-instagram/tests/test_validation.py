"""Every rule rejects its record with the reason while valid rows in the same run apply;
fail_fast, dry run, unknown streams and Meltano's test stream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.testing import Demo
from target_instagram.outcomes import FailFast

from .conftest import World, case, run_target, singer_lines, writes

EXPECTED_REASONS = {
    "too-long": "message: 301 characters; Instagram allows at most 300",
    "hashtags": "message: 5 hashtags; a comment may have at most 4",
    "urls": "message: 2 URLs; a comment may have at most 1",
    "shouting": "message: all capitals",
    "no-media": "media_id: missing",
    None: "op_id: missing",
    "png": "image_url: Instagram accepts JPEG images only, got a .png file",
    "webp-type": "image_url: Instagram accepts JPEG images only, got image/webp",
    "long-caption": "caption: 2201 characters; Instagram allows at most 2200",
    "caption-hashtags": "caption: 31 hashtags; Instagram allows at most 30",
    "caption-mentions": "caption: 21 @mentions; Instagram allows at most 20",
    "one-child": "children: 1 items; a carousel has 2–10",
    "eleven-children": "children: 11 items; a carousel has 2–10",
    "feed-video": "media_type: VIDEO is only a carousel item; publish a feed video as REELS",
    "reel-without-video": "image_url, video_url" if False else "video_url: missing",
    "story-collab": "collaborators: not available on stories",
    "alt-on-reel": "alt_text: only for IMAGE posts",
    "tags-without-xy": "user_tags: tags on images need x and y",
    "unknown-type": "media_type: 'GIF'; use IMAGE, REELS, STORIES, CAROUSEL",
    "bad-procedure": "procedure: 'like_everything' is unknown",
    "hide-no-id": "comment_id: missing",
}


def test_every_rule_rejects_with_its_reason_and_valid_rows_apply(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    run = run_target(config, case("invalid_records", world))
    reasons = {r["op_id"]: r["reason"] for r in run.rejects}
    assert set(reasons) == set(EXPECTED_REASONS)
    for op_id, expected in EXPECTED_REASONS.items():
        assert reasons[op_id].startswith(expected), (op_id, reasons[op_id])
    assert sorted(r["op_id"] for r in run.by_status("applied")) == ["ok-comment", "ok-post"]
    assert [w["message"] for w in writes(demo, "comment.create")] == ["Lovely, thank you"]
    assert len(writes(demo, "media.publish")) == 1 and len(writes(demo, "container.create")) == 1
    assert all(r["record"] for r in run.rejects) and run.states


def test_fail_fast_stops_at_the_first_rejection(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    with pytest.raises(FailFast, match="too-long"):
        run_target({**config, "fail_fast": True}, case("invalid_records", world))
    assert not writes(demo, "comment.create")  # the valid row before it was queued, not sent
    ledger = Path(config["ledger_path"]).with_name("target-instagram-rejects.jsonl")
    assert [json.loads(line)["op_id"] for line in ledger.read_text().splitlines()] == ["too-long"]


def test_dry_run_validates_and_plans_without_writing(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    demo.control.reset_stats()
    text = case("invalid_records", world) + case("reply_and_hide", world)
    run = run_target({**config, "dry_run": True}, text)
    assert demo.control.stats()["requests_total"] == 0 and not writes(demo)
    planned = {r["op_id"]: r["calls"] for r in run.by_status("planned")}
    assert planned["r1"] == [f"POST /{world.comments[0]}/replies [message]"]
    assert planned["x1"] == [f"POST /{world.comments[1]} [hide]"]
    assert planned["ok-post"][-1] == f"POST /{demo.acme}/media_publish"
    assert len(run.rejects) == len(EXPECTED_REASONS)
    real = run_target(config, case("reply_and_hide", world))  # the ledger was not touched
    assert [r["status"] for r in real.results] == ["applied", "applied"]


def test_unknown_streams_are_rejected_and_the_test_stream_is_a_no_op(
    demo: Demo, config: dict[str, Any]
) -> None:
    demo.control.reset_stats()
    text = singer_lines("meltano_test_stream", [{"op_id": "1", "anything": True}])
    text += singer_lines("public-orders", [{"op_id": "o1", "total": 3}])
    run = run_target(config, text)
    assert demo.control.stats()["requests_total"] == 0
    [reject] = run.rejects
    assert reject["stream"] == "public-orders" and "…-comments" in reject["reason"]


def test_a_table_named_like_a_contract_without_op_id_is_refused(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    """Landed Instagram data (tap-instagram's media, comments) read back by tap-postgres."""
    landed = [{"id": world.media[0], "caption": "Weekend hours", "media_type": "IMAGE"}]
    text = singer_lines("instagram-media", landed, keys=("id",))
    text += singer_lines("instagram-comments", [{"id": "1790", "media_id": world.media[0],
                                                 "text": "Nice"}], keys=("id",))  # fmt: skip
    text += singer_lines("ops-replies", [{"op_id": "r1", "comment_id": world.comments[0],
                                          "message": "Thank you"}])  # fmt: skip
    run = run_target(config, text)
    assert [w["kind"] for w in writes(demo)] == ["comment.reply"]
    assert sorted(r["stream"] for r in run.rejects) == ["instagram-comments", "instagram-media"]
    for reject in run.rejects:
        assert (
            "is not an operations table" in reject["reason"]
            and "no op_id column" in reject["reason"]
        )


def test_columns_from_a_warehouse_table(demo: Demo, world: World, config: dict[str, Any]) -> None:
    """tap-postgres sends ids as numbers, JSON columns as text and extra columns."""
    rows = [{"op_id": 7, "id": 7, "comment_id": int(world.comments[0]), "message": "Thanks!",
             "created_at": "2026-11-01T10:00:00+00:00", "account_id": None}]  # fmt: skip
    run = run_target(config, singer_lines("public-replies", rows))
    assert run.by_status("applied")[0]["op_id"] == "7"
    assert writes(demo, "comment.reply")[0]["object_id"] == world.comments[0]


def test_records_outside_the_contract_are_rejected_not_coerced(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    media = world.media[0]
    rows = [
        {"op_id": {"nested": 1}, "media_id": media, "message": "An object op_id"},
        {"op_id": "x" * 257, "media_id": media, "message": "A long op_id"},
        {"op_id": "n1", "media_id": media, "message": 42},
        {"op_id": "s1", "media_id": media, "message": "Broken \ud800 text"},
        {"op_id": "z1", "media_id": media, "message": "NUL \x00 inside"},
        {"op_id": "ok1", "media_id": media, "message": "A fine comment"},
        {"op_id": "ok2", "media_id": media, "message": "Another fine comment"},
    ]
    run = run_target(config, singer_lines("public-comments", rows))
    reasons = [r["reason"] for r in run.rejects]
    assert len(reasons) == 5, reasons
    assert any(r.startswith("op_id: expected a string") for r in reasons)
    assert any(r.startswith("op_id: 257 characters") for r in reasons)
    assert any(r.startswith("message: expected a string, got int") for r in reasons)
    assert any("unpaired surrogate" in r for r in reasons) and any("NUL" in r for r in reasons)
    assert sorted(w["message"] for w in writes(demo, "comment.create")) == [
        "A fine comment",
        "Another fine comment",
    ]  # the neighbours of the broken ones are all written
