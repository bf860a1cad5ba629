"""Publishing: containers created together, polled together, published within the quota."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from instagram_sandbox.testing import Demo

from .conftest import World, case, run_target, singer_lines, writes


def media_node(demo: Demo, media_id: str, fields: str) -> dict[str, Any]:
    return dict(demo.ok(demo.get(f"/{media_id}", fields=fields)))


def test_image_post_with_every_option(demo: Demo, world: World, config: dict[str, Any]) -> None:
    demo.control.reset_stats()
    run = run_target(config, case("publish_image", world))
    # me, create (batch), status (batch), quota, publish (batch)
    assert demo.control.stats()["requests_total"] == 5
    [created] = writes(demo, "container.create")
    [published] = writes(demo, "media.publish")
    assert published["object_id"] == created["result_id"]
    [result] = run.by_status("applied")
    assert result["instagram_id"] == published["result_id"]
    node = media_node(demo, result["instagram_id"], "caption,media_type,alt_text")
    assert node["caption"] == "New latte art #coffee @lena.creates"
    assert node["media_type"] == "IMAGE" and node["alt_text"] == "A latte with a leaf pattern"


def test_carousel_items_first_then_the_post(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    demo.control.configure(video_processing_seconds=0)
    run = run_target(config, case("publish_carousel", world))
    kinds = [(w["kind"], w.get("media_type")) for w in writes(demo)]
    assert kinds == [("container.create", "IMAGE"), ("container.create", "IMAGE"),
                     ("container.create", "VIDEO"), ("container.create", "CAROUSEL"),
                     ("media.publish", "CAROUSEL")]  # fmt: skip
    media_id = run.by_status("applied")[0]["instagram_id"]
    node = media_node(demo, media_id, "media_type,children{media_type}")
    assert node["media_type"] == "CAROUSEL_ALBUM"
    assert [c["media_type"] for c in node["children"]["data"]] == ["IMAGE", "IMAGE", "VIDEO"]


def test_a_reel_still_processing_resumes_on_the_next_run(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    first = run_target(config, case("publish_reel", world))
    assert first.by_status("deferred")[0]["error"].startswith("container ")
    assert "still processing" in first.by_status("deferred")[0]["error"]
    assert not writes(demo, "media.publish")
    demo.control.advance(60)
    second = run_target(config, singer_lines("public-media", []))
    assert len(writes(demo, "container.create")) == 1  # the same container, polled again
    [published] = writes(demo, "media.publish")
    assert second.by_status("applied")[0]["op_id"] == "reel1"
    node = media_node(demo, published["result_id"], "media_product_type")
    assert node["media_product_type"] == "REELS"


def test_story(demo: Demo, world: World, config: dict[str, Any]) -> None:
    run = run_target(config, case("publish_story", world))
    media_id = run.by_status("applied")[0]["instagram_id"]
    assert media_node(demo, media_id, "media_product_type")["media_product_type"] == "STORY"


def test_containers_in_error_and_refused_urls_are_rejected_with_their_status(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    demo.control.configure(video_processing_seconds=0)
    run = run_target(config, case("publish_failing_video", world))
    rejects = {r["op_id"]: r for r in run.rejects}
    assert (
        "ended in ERROR: Error: Media upload has failed with error code 2207026"
        in (rejects["bad-video"]["reason"])
    )
    assert rejects["unreachable"]["graph_error"]["subcode"] == 2207052
    assert [r["op_id"] for r in run.by_status("applied")] == ["fine"]
    assert len(writes(demo, "media.publish")) == 1


def test_publish_at_waits_until_due(demo: Demo, world: World, config: dict[str, Any]) -> None:
    due = demo.control.now() + 3600
    world.ids["publish_at"] = datetime.fromtimestamp(due, UTC).isoformat()
    first = run_target(config, case("publish_later", world))
    assert [r["op_id"] for r in first.by_status("applied")] == ["now"]
    assert first.by_status("deferred")[0]["op_id"] == "later"
    again = run_target(config, singer_lines("public-media", []))
    assert not again.results and len(writes(demo, "media.publish")) == 1  # not due yet
    demo.control.advance(3601)
    due_run = run_target(config, singer_lines("public-media", []))
    assert [r["op_id"] for r in due_run.by_status("applied")] == ["later"]
    assert len(writes(demo, "media.publish")) == 2


def test_quota_used_up_defers_the_rest(demo: Demo, config: dict[str, Any]) -> None:
    used = demo.ok(demo.get(f"/{demo.acme}/content_publishing_limit"))["data"][0]["quota_usage"]
    demo.control.set_quota(demo.acme, quota_total=used + 2)
    posts = [{"op_id": f"q{i}", "image_url": f"https://cdn.example.com/{i}.jpg"} for i in range(3)]
    first = run_target(config, singer_lines("public-media", posts))
    assert [r["op_id"] for r in first.by_status("applied")] == ["q0", "q1"]
    [deferred] = first.by_status("deferred")
    assert deferred["op_id"] == "q2" and "publishing limit" in deferred["error"]
    assert len(writes(demo, "container.create")) == 3  # created together, before the quota check
    demo.control.set_quota(demo.acme, quota_total=used + 3)  # the rolling window frees a post
    second = run_target(config, singer_lines("public-media", []))
    assert [r["op_id"] for r in second.by_status("applied")] == ["q2"]
    assert len(writes(demo, "media.publish")) == 3
    assert len(writes(demo, "container.create")) == 3  # its container was kept and reused


def test_quota_error_at_publish_time_defers(demo: Demo, config: dict[str, Any]) -> None:
    used = demo.ok(demo.get(f"/{demo.acme}/content_publishing_limit"))["data"][0]["quota_usage"]
    demo.control.set_quota(demo.acme, quota_total=used)
    demo.control.add_fault(kind="server_error", path="/{ig-user-id}/content_publishing_limit",
                           every=1)  # the quota cannot be read: publishing is tried  # fmt: skip
    run = run_target(config, singer_lines("public-media", [
        {"op_id": "late", "image_url": "https://cdn.example.com/late.jpg"}]))  # fmt: skip
    [deferred] = run.by_status("deferred")
    assert deferred["op_id"] == "late" and "daily publishing limit" in deferred["error"]
    assert not writes(demo, "media.publish")


def test_twenty_image_posts_take_at_most_three_requests_each(
    demo: Demo, config: dict[str, Any]
) -> None:
    demo.control.set_quota(demo.acme, quota_total=100)
    posts = [{"op_id": f"img{i}", "image_url": f"https://cdn.example.com/{i}.jpg",
              "caption": f"Post {i}"} for i in range(20)]  # fmt: skip
    demo.control.reset_stats()
    run = run_target(config, singer_lines("public-media", posts))
    assert len(run.by_status("applied")) == 20
    stats = demo.control.stats()
    assert stats["requests_total"] / 20 <= 3
    # me, containers (1 batch), statuses (1 batch), quota, publish (1 batch)
    assert stats["requests_total"] == 5 and stats["requests_by_path"]["POST /"] == 3


def test_publish_an_existing_container(demo: Demo, config: dict[str, Any]) -> None:
    box = demo.ok(demo.post(f"/{demo.acme}/media", image_url="https://cdn.example.com/x.jpg"))
    text = singer_lines("public-execute", [{"op_id": "pc", "procedure": "publish_container",
                                            "params": {"creation_id": box["id"]}}])  # fmt: skip
    run = run_target(config, text)
    [published] = writes(demo, "media.publish")
    assert published["object_id"] == box["id"]
    assert run.by_status("applied")[0]["instagram_id"] == published["result_id"]
    again = run_target(config, text)
    assert again.by_status("skipped") and len(writes(demo, "media.publish")) == 1
