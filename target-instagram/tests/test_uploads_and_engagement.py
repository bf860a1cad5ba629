"""video_file uploads (chunked, resumed after a kill or a cut), 2026 container labels, likes,
collaboration invites and comment pre-checks, end to end against the sandbox from .singer files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.testing import Demo

from .conftest import World, case, run_target, run_target_process, singer_lines, writes

CHUNK = 64 * 1024
KILLED = 137


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "latte.mp4"
    path.write_bytes(hashlib.sha256(b"seed").digest() * 10_000)  # 320,000 bytes: 5 chunks
    return path


@pytest.fixture
def upload_config(config: dict[str, Any], demo: Demo) -> dict[str, Any]:
    demo.control.configure(video_processing_seconds=0)
    return {**config, "upload_chunk_bytes": CHUNK}


def _chunks(demo: Demo) -> list[tuple[int, int]]:
    return [(w["offset"], w["bytes"]) for w in writes(demo, "container.upload_chunk")]


def test_posts_from_local_files_upload_in_chunks_and_carry_their_labels(
    demo: Demo, world: World, upload_config: dict[str, Any], video: Path
) -> None:
    world.ids["video"] = str(video)
    run = run_target(upload_config, case("publish_from_files", world))
    assert {r["op_id"] for r in run.by_status("applied")} == {"reel-file", "carousel-file"}, (
        run.results
    )
    done = writes(demo, "container.upload")
    assert len(done) == 2 and {d["sha256"] for d in done} == {
        hashlib.sha256(video.read_bytes()).hexdigest()
    }
    assert [o for o, _ in _chunks(demo)] == [0, 65536, 131072, 196608, 262144] * 2
    reel, carousel = writes(demo, "media.publish")
    assert json.loads(reel["trial_params"]) == {"graduation_strategy": "SS_PERFORMANCE"}
    assert reel["is_paid_partnership"] == "true" and reel["share_to_feed"] == "false"
    assert json.loads(reel["branded_content_sponsor_ids"]) == ["17841400000000042"]
    assert carousel["is_ai_generated"] == "true"
    create = [w for w in writes(demo, "container.create")]
    assert len(create) == 4  # the reel, two items, the carousel: one container each


@pytest.mark.parametrize("resume", ["mismatch", "query"])
def test_a_run_killed_mid_upload_resumes_at_the_recorded_offset_and_posts_once(
    demo: Demo,
    world: World,
    upload_config: dict[str, Any],
    video: Path,
    tmp_path: Path,
    resume: str,
) -> None:
    demo.control.configure(rupload_resume=resume)
    record = {
        "op_id": "killed-reel",
        "media_type": "REELS",
        "video_file": str(video),
        "caption": "Crema",
    }
    text = singer_lines("public-media", [record])
    killed = run_target_process(upload_config, text, tmp_path, "uploaded:2")
    assert killed.returncode == KILLED, killed.stderr[-2000:]
    assert _chunks(demo) == [(0, CHUNK), (CHUNK, CHUNK)]
    done = run_target_process(upload_config, text, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    offsets = [o for o, _ in _chunks(demo)]
    assert offsets == [0, 65536, 131072, 196608, 262144]  # went on at 131,072: nothing sent twice
    assert len(writes(demo, "container.create")) == 1 and len(writes(demo, "media.publish")) == 1
    assert (
        writes(demo, "container.upload")[0]["sha256"]
        == hashlib.sha256(video.read_bytes()).hexdigest()
    )
    assert "resuming the upload of video_file at byte 131072" in done.stderr


@pytest.mark.parametrize("resume", ["mismatch", "query"])
def test_a_chunk_cut_mid_way_goes_on_where_graph_stands(
    demo: Demo, world: World, upload_config: dict[str, Any], video: Path, resume: str
) -> None:
    demo.control.configure(rupload_resume=resume)
    demo.control.add_fault(kind="upload_cut", method="POST", path="/rupload.facebook.com/*",
                           nth=3, params={"after_bytes": 10_000})  # fmt: skip
    record = {"op_id": "cut-reel", "media_type": "REELS", "video_file": str(video)}
    run = run_target(upload_config, singer_lines("public-media", [record]))
    assert run.by_status("applied"), run.results
    chunks = _chunks(demo)
    assert chunks[2] == (131072, 10_000) and chunks[3][0] == 141072
    assert sum(b for _, b in chunks) == video.stat().st_size
    assert len(writes(demo, "media.publish")) == 1


def test_an_upload_that_keeps_failing_is_deferred_with_its_offset_and_finished_later(
    demo: Demo, world: World, upload_config: dict[str, Any], video: Path
) -> None:
    demo.control.add_fault(kind="server_error", method="POST", path="/rupload.facebook.com/*",
                           count=20)  # fmt: skip
    record = {"op_id": "stuck-reel", "media_type": "REELS", "video_file": str(video)}
    text = singer_lines("public-media", [record])
    first = run_target({**upload_config, "maximum_retries": 1}, text)
    assert "upload paused at byte 0 of 320,000" in first.by_status("deferred")[0]["error"]
    demo.control.clear_faults()
    second = run_target(upload_config, singer_lines("public-media", []))
    assert second.by_status("applied")[0]["op_id"] == "stuck-reel"
    assert len(writes(demo, "container.create")) == 1


def test_a_video_file_in_s3_is_streamed_from_storage(
    demo: Demo, world: World, upload_config: dict[str, Any], video: Path, s3_options: dict[str, Any]
) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(**s3_options)
    fs.mkdir("studio")
    fs.put(str(video), "studio/reels/latte.mp4")
    record = {
        "op_id": "s3-reel",
        "media_type": "REELS",
        "video_file": "s3://studio/reels/latte.mp4",
    }
    config = {**upload_config, "media_storage_options": s3_options}
    run = run_target(config, singer_lines("public-media", [record]))
    assert run.by_status("applied"), run.results
    assert (
        writes(demo, "container.upload")[0]["sha256"]
        == hashlib.sha256(video.read_bytes()).hexdigest()
    )


def test_2026_rules_are_checked_before_any_call(
    demo: Demo, world: World, upload_config: dict[str, Any], video: Path
) -> None:
    world.ids["video"] = str(video)
    demo.control.reset_stats()
    run = run_target(upload_config, case("invalid_2026", world))
    reasons = {r["op_id"]: r["reason"] for r in run.rejects}
    assert reasons["trial-image"].startswith("trial_params: trial reels are REELS only")
    assert "graduation_strategy" in reasons["trial-bad"]
    assert reasons["ai-on-item"].startswith("children[0].is_ai_generated: set it on the carousel")
    assert "needs is_paid_partnership true" in reasons["sponsor-unpaid"]
    assert reasons["sponsor-name"].startswith(
        "branded_content_sponsor_ids: expected Instagram user ids"
    )
    assert "does not exist" in reasons["file-missing"]
    assert "give one only" in reasons["file-and-url"]
    assert "not an MP4 or MOV" in reasons["file-not-video"]
    assert reasons["ai-not-bool"] == "is_ai_generated: 'maybe' is not true or false"
    assert "give exactly one" in reasons["like-both"]
    assert reasons["no-answer"].startswith("accept: missing")
    assert demo.control.stats()["requests_total"] == 0


def test_instagram_login_refuses_facebook_only_features(
    demo: Demo, world: World, upload_config: dict[str, Any], video: Path
) -> None:
    config = {**upload_config, "login": "instagram", "access_token": demo.ig_token,
              "account_id": demo.creator, "api_url": demo.ig_base}  # fmt: skip
    records = [{"op_id": "ig-file", "media_type": "REELS", "video_file": str(video)},
               {"op_id": "ig-paid", "image_url": "https://cdn.example.com/a.jpg", "is_paid_partnership": True},
               {"op_id": "ig-ai", "image_url": "https://cdn.example.com/a.jpg", "is_ai_generated": True}]  # fmt: skip
    run = run_target(config, singer_lines("public-media", records))
    reasons = {r["op_id"]: r["reason"] for r in run.rejects}
    assert reasons["ig-file"].startswith("video_file: available with Facebook Login only")
    assert reasons["ig-paid"].startswith("is_paid_partnership: available with Facebook Login only")
    assert [r["op_id"] for r in run.by_status("applied")] == ["ig-ai"]  # the AI label: both logins


def test_likes_and_unlikes_exactly_once(demo: Demo, world: World, config: dict[str, Any]) -> None:
    text = case("likes", world)
    run = run_target(config, text)
    assert {r["op_id"] for r in run.by_status("applied")} == {
        "like-post",
        "like-comment",
        "unlike-post",
    }
    kinds = [
        (w["kind"], w["object_id"])
        for w in writes(demo, "media.like", "media.unlike", "comment.like")
    ]
    assert kinds == [("media.like", world.media[0]), ("comment.like", world.comments[0]),
                     ("media.unlike", world.media[0])]  # fmt: skip
    again = run_target(config, text)  # the same op_ids: nothing is sent again
    assert len(writes(demo, "media.like", "media.unlike", "comment.like")) == 3
    assert {r["status"] for r in again.results} == {"skipped"}


def test_collaboration_invites_answered_once_even_when_the_answer_is_lost(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    invites = demo.ok(demo.get(f"/{demo.acme}/collaboration_invites"))["data"]
    world.ids.update({"invite0": invites[0]["media_id"], "invite1": invites[1]["media_id"]})
    demo.control.add_fault(kind="drop", method="POST", path="/", params={"applied": True})
    run = run_target(config, case("collaboration_invites", world))
    assert {r["op_id"] for r in run.by_status("applied")} == {"accept-1", "decline-2"}, run.results
    assert [w["kind"] for w in writes(demo, "collaboration.accept", "collaboration.decline")] == [
        "collaboration.accept", "collaboration.decline"]  # fmt: skip
    assert len(demo.ok(demo.get(f"/{demo.acme}/collaboration_invites"))["data"]) == 1


def test_comment_prechecks_can_be_turned_off_and_graph_decides(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    text = case("long_comment", world)
    checked = run_target(config, text)
    assert checked.rejects[0]["reason"].startswith("message: 304 characters")
    assert demo.control.writes() == []
    off = {**config, "comment_prechecks": False, "ledger_path": config["ledger_path"] + ".2"}
    refused = run_target(off, text)
    assert refused.rejects[0]["graph_error"]["code"] == 100  # Graph's own answer, with its code
    assert "at most 300 characters" in refused.rejects[0]["reason"]
    assert refused.by_status("rejected")[0]["error_code"] == 100
    demo.control.configure(comment_text_rules=False)
    lenient = {**off, "ledger_path": config["ledger_path"] + ".3"}
    applied = run_target(lenient, text)
    assert applied.by_status("applied")[0]["op_id"] == "long-1"
    assert len(writes(demo, "comment.create")) == 1


def test_a_dry_run_plans_the_upload_and_calls_nothing(
    demo: Demo, world: World, upload_config: dict[str, Any], video: Path
) -> None:
    world.ids["video"] = str(video)
    demo.control.reset_stats()
    run = run_target({**upload_config, "dry_run": True}, case("publish_from_files", world))
    plans = {r["op_id"]: r["calls"] for r in run.by_status("planned")}
    assert (
        "POST rupload.facebook.com/ig-api-upload/{container-id} (chunks of video_file)"
        in plans["reel-file"]
    )
    assert any("children[1].video_file" in c for c in plans["carousel-file"])
    assert demo.control.stats()["requests_total"] == 0
