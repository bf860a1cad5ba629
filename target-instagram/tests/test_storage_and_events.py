"""Publishing from storage URLs (presigned links) and the media.published / media.deleted events."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from instagram_sandbox.testing import Demo

from .conftest import World, case, run_target, run_target_process, singer_lines, writes

KILLED = 137


def jpeg(width: int = 1080, height: int = 1350) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def bucket(s3_options: dict[str, Any], request: pytest.FixtureRequest) -> Any:
    """A fresh bucket on the S3 server, with two JPEGs and a PNG in it."""
    import s3fs

    fs = s3fs.S3FileSystem(**s3_options)
    name = "posts-" + request.node.name.lower().replace("_", "-")[:40]
    fs.mkdir(name)
    fs.pipe(f"{name}/latte.jpg", jpeg(), ContentType="image/jpeg")
    fs.pipe(f"{name}/beans.jpg", jpeg(1080, 1080), ContentType="image/jpeg")
    fs.pipe(f"{name}/logo.jpg", b"\x89PNG\r\n\x1a\n" + b"0" * 64, ContentType="image/png")
    fs.invalidate_cache()
    return name


def storage_config(config: dict[str, Any], s3_options: dict[str, Any]) -> dict[str, Any]:
    return {**config, "media_storage_options": s3_options}


def test_a_post_from_s3_goes_out_as_a_presigned_link_graph_can_fetch(
    demo: Demo, config: dict[str, Any], s3_options: dict[str, Any], bucket: str
) -> None:
    demo.control.configure(fetch_media_urls=True)  # the sandbox opens the link, as Meta does
    records = [
        {"op_id": "s1", "image_url": f"s3://{bucket}/latte.jpg", "caption": "From our bucket"},
        {
            "op_id": "s2",
            "children": [{"image_url": f"s3://{bucket}/{name}.jpg"} for name in ("latte", "beans")],
        },
    ]
    run = run_target(storage_config(config, s3_options), singer_lines("public-media", records))
    applied = {r["op_id"]: r for r in run.by_status("applied")}
    assert set(applied) == {"s1", "s2"}, run.results
    assert applied["s1"]["presigned"] == ["image_url"]
    assert applied["s2"]["presigned"] == ["children[0].image_url", "children[1].image_url"]
    assert applied["s1"]["presigned_expiry_seconds"] == 3600
    assert len(writes(demo, "container.create")) == 4 and len(writes(demo, "media.publish")) == 2
    results = Path(config["ledger_path"]).with_name("target-instagram-results.jsonl").read_text()
    assert "X-Amz-Signature" not in results and "X-Amz-Credential" not in results


def test_without_the_link_graph_cannot_fetch_a_storage_object(
    demo: Demo, config: dict[str, Any], s3_options: dict[str, Any], bucket: str
) -> None:
    """The sandbox's fetch is real: an unsigned URL to the same object answers 9004."""
    demo.control.configure(fetch_media_urls=True)
    endpoint = s3_options["client_kwargs"]["endpoint_url"]
    record = {"op_id": "u1", "image_url": f"{endpoint}/{bucket}/latte.jpg"}
    run = run_target(config, singer_lines("public-media", [record]))
    [rejected] = run.by_status("rejected")
    assert "9004" in json.dumps(run.rejects[0]["graph_error"]) or "fetched" in rejected["error"]


def test_a_missing_or_unfit_object_costs_its_post_only(
    demo: Demo, world: World, config: dict[str, Any], s3_options: dict[str, Any], bucket: str
) -> None:
    records = [
        {"op_id": "m1", "image_url": f"s3://{bucket}/gone.jpg"},
        {"op_id": "m2", "image_url": f"s3://{bucket}/logo.jpg"},
        {"op_id": "m3", "image_url": "https://cdn.example.com/latte.jpg"},
    ]
    run = run_target(storage_config(config, s3_options), singer_lines("public-media", records))
    reasons = {r["op_id"]: r["reason"] for r in run.rejects}
    assert "image_url:" in reasons["m1"] and "does not exist in storage" in reasons["m1"]
    assert "image/png" in reasons["m2"] and "JPEG" in reasons["m2"]
    assert [r["op_id"] for r in run.by_status("applied")] == ["m3"]
    assert "presigned" not in run.by_status("applied")[0]
    assert len(writes(demo, "container.create")) == 1  # nothing was sent for m1 and m2


def test_storage_urls_are_checked_on_arrival(config: dict[str, Any]) -> None:
    records = [
        {"op_id": "b1", "image_url": "s3://just-a-bucket"},
        {"op_id": "b2", "image_url": "ftp://files.example.com/a.jpg"},
        {"op_id": "b3", "image_url": "s3://b/photo.png"},
    ]
    run = run_target({**config, "dry_run": True}, singer_lines("public-media", records))
    reasons = {r["op_id"]: r["reason"] for r in run.rejects}
    assert "names no object" in reasons["b1"]
    assert "storage URL (s3://, gs://, az://)" in reasons["b2"]
    assert "JPEG" in reasons["b3"]
    planned = run_target({**config, "dry_run": True}, singer_lines(
        "public-media", [{"op_id": "b4", "image_url": "s3://b/ok.jpg"}]))  # fmt: skip
    assert planned.by_status("planned")[0]["presigned"] == ["image_url"]


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("presigned_url_expiry_seconds", 10, "presigned_url_expiry_seconds"),
    ("presigned_url_expiry_seconds", 8 * 86400, "presigned_url_expiry_seconds"),
    ("notification_urls", ["mailto:ops@example.com"], "notification_urls"),
])  # fmt: skip
def test_bad_storage_and_notification_settings_name_the_setting(
    config: dict[str, Any], setting: str, value: Any, message: str
) -> None:
    from instagram_graph.errors import SettingsError
    from target_instagram.target import TargetInstagram

    with pytest.raises(SettingsError, match=f"`{message}`"):
        TargetInstagram(config={**config, setting: value})


def notify_config(config: dict[str, Any], receiver: Any, tmp_path: Path) -> dict[str, Any]:
    return {**config, "notification_urls": [receiver.url], "notification_secret": "shh",
            "notification_outbox": str(tmp_path / "outbox.sqlite")}  # fmt: skip


def test_published_and_deleted_media_are_announced_once(
    demo: Demo, world: World, config: dict[str, Any], receiver: Any, tmp_path: Path
) -> None:
    cfg = notify_config(config, receiver, tmp_path)
    published = run_target(cfg, case("publish_image", world)).by_status("applied")[0]
    deleted = run_target(cfg, case("delete_media", world)).by_status("applied")[0]
    events = receiver.envelopes()
    assert [e["action"] for e in events] == ["media.published", "media.deleted"]
    assert events[0]["text"]["media_id"] == published["instagram_id"]
    assert events[0]["text"]["op_id"] == "p1" and events[0]["text"]["account_id"] == demo.acme
    assert events[1]["text"]["media_id"] == world.ids["media0"] == deleted["instagram_id"]
    headers = receiver.got[0][0]
    assert headers["Instagram-Connector-Signature"].startswith("sha256=")
    run_target(cfg, case("publish_image", world) + case("delete_media", world))  # skipped
    assert len(receiver.envelopes()) == 2


def test_a_run_killed_after_publishing_announces_the_post_once_on_the_next_run(
    demo: Demo, world: World, config: dict[str, Any], receiver: Any, tmp_path: Path
) -> None:
    cfg = notify_config(config, receiver, tmp_path)
    crashed = run_target_process(cfg, case("publish_image", world), tmp_path, "published")
    assert crashed.returncode == KILLED and receiver.envelopes() == []
    [publish] = writes(demo, "media.publish")
    done = run_target_process(cfg, case("publish_image", world), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    again = run_target_process(cfg, case("publish_image", world), tmp_path)
    assert again.returncode == 0
    [event] = receiver.envelopes()
    assert event["action"] == "media.published"
    assert event["text"]["media_id"] == publish["result_id"]
    assert len(writes(demo, "media.publish")) == 1


def test_a_receiver_down_gets_the_event_on_a_later_run_with_the_same_id(
    demo: Demo, world: World, config: dict[str, Any], receiver: Any, tmp_path: Path
) -> None:
    """Retries go out on later runs once due: here every retry is due at once."""
    cfg = {**notify_config(config, receiver, tmp_path),
           "notification_retry_schedule_seconds": [0, 0, 0]}  # fmt: skip
    receiver.failures = 2
    run_target(cfg, case("delete_media", world))
    run_target(cfg, singer_lines("public-media", []))
    run_target(cfg, singer_lines("public-media", []))
    ids = [e["id"] for e in receiver.envelopes()]
    assert len(ids) == 3 and len(set(ids)) == 1
    run_target(cfg, singer_lines("public-media", []))
    assert len(receiver.envelopes()) == 3  # a 2xx ends it
