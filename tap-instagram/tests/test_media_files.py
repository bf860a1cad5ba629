"""Media files copied to your own storage, against the sandbox's CDN over HTTP."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from instagram_graph.errors import SettingsError
from instagram_sandbox.testing import Demo
from tap_instagram.file_copies import FileCopier, FileJob, FileOptions, Source
from tap_instagram.file_store import FileStore
from tap_instagram.renditions import Rendition, parse_renditions

from .conftest import demo_config, run_tap
from .test_selection import only

SQUARE = [{"name": "square", "width": 400, "height": 400, "fit": "crop"},
          {"name": "box", "width": 400, "height": 400}]  # fmt: skip


def files_config(demo: Demo, root: Path, **more: Any) -> dict[str, Any]:
    return demo_config(demo, media_files_url=str(root), **more)


def downloads(demo: Demo) -> int:
    return sum(demo.control.stats()["downloads_by_status"].values())


def expected_pictures(
    demo: Demo, config: dict[str, Any], *, children: bool = True
) -> set[tuple[str, str]]:
    """(media id, rendition) of each picture Graph lists for the run's window: media, children,
    video covers and live stories (with `children=False`: the media's own only)."""
    from datetime import datetime

    since = int(datetime.fromisoformat(config["start_date"]).timestamp())
    fields = "id,media_type,thumbnail_url,children{id,media_type,thumbnail_url}"
    media = demo.ok(demo.get(f"/{demo.acme}/media", fields=fields, since=since, limit=100))["data"]
    items = list(media)
    if children:
        items += demo.ok(demo.get(f"/{demo.acme}/stories", fields=fields))["data"]
        items += [c for m in media for c in (m.get("children") or {}).get("data", [])]
    return {(i["id"], "thumbnail" if i["media_type"] == "VIDEO" else "original") for i in items}


def test_the_demo_accounts_pictures_are_stored_once_each_as_they_are(
    demo: Demo, tmp_path: Path
) -> None:
    config = files_config(demo, tmp_path / "media")
    demo.control.reset_stats()
    run = run_tap(config, catalog=only(config, "media_files"))
    files = run.records("media_files")
    assert {(f["media_id"], f["rendition"]) for f in files} == expected_pictures(demo, config)
    assert downloads(demo) == len(files) > 50  # one download per stored file
    assert {f["kind"] for f in files} == {"media", "children", "thumbnails", "stories"}
    for f in files:
        data = Path(f["url"]).read_bytes()
        assert len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"]
        assert Image.open(io.BytesIO(data)).size == (f["width"], f["height"])
        assert f["mimetype"] == "image/jpeg" and f["source"] == "Instagram"
        assert f["key"] == f"{f['account_id']}/{f['media_id']}/{f['filename']}"
        assert "oe=" not in str(f) and "oh=" not in str(f) and demo.fb_token not in str(f)


def test_a_second_run_downloads_nothing_and_lists_the_same_files(
    demo: Demo, tmp_path: Path
) -> None:
    config = files_config(demo, tmp_path / "media", media_files_renditions=SQUARE)
    first = run_tap(config, catalog=only(config, "media_files"))
    demo.control.reset_stats()
    second = run_tap(config, catalog=only(config, "media_files"))
    assert downloads(demo) == 0
    key = ("media_id", "rendition", "key", "sha256")
    assert sorted(tuple(r[k] for k in key) for r in second.records("media_files")) == sorted(
        tuple(r[k] for k in key) for r in first.records("media_files")
    )


def test_renditions_have_their_box_and_fit(demo: Demo, tmp_path: Path) -> None:
    config = files_config(demo, tmp_path / "media", media_files_renditions=SQUARE)
    run = run_tap(config, catalog=only(config, "media_files"))
    by = {(r["media_id"], r["rendition"]): r for r in run.records("media_files")}
    tall = next(
        r
        for (m, n), r in by.items()
        if n == "original" and (r["width"], r["height"]) == (1080, 1350)
    )
    crop, box = by[(tall["media_id"], "square")], by[(tall["media_id"], "box")]
    assert (crop["width"], crop["height"]) == (400, 400)  # exactly the box, trimmed
    assert (box["width"], box["height"]) == (320, 400)  # inside the box, aspect kept
    assert Image.open(box["url"]).size == (320, 400)
    cover = next(r for (m, n), r in by.items() if n == "thumbnail.square")
    assert (cover["width"], cover["height"]) == (400, 400)


def test_renditions_only_when_the_originals_are_not_kept(demo: Demo, tmp_path: Path) -> None:
    config = files_config(demo, tmp_path / "media", media_files_keep_original=False,
                          media_files_renditions=SQUARE[:1], media_files_kinds=["media"])  # fmt: skip
    run = run_tap(config, catalog=only(config, "media_files"))
    assert {r["rendition"] for r in run.records("media_files")} == {"square"}
    stored = [p for p in (tmp_path / "media").rglob("*.jpg")]
    assert stored and all(p.name.startswith("square-") for p in stored)


def test_videos_when_asked_and_within_the_size_limit(demo: Demo, tmp_path: Path) -> None:
    config = files_config(demo, tmp_path / "media", media_files_mimetypes=["video/*"],
                          media_files_kinds=["media"])  # fmt: skip
    videos = run_tap(config, catalog=only(config, "media_files")).records("media_files")
    listed = {m for m, r in expected_pictures(demo, config, children=False) if r == "thumbnail"}
    assert {v["media_id"] for v in videos} == listed
    assert {v["mimetype"] for v in videos} == {"video/mp4"}
    assert all(Path(v["url"]).read_bytes()[4:8] == b"ftyp" for v in videos)
    small = run_tap({**config, "media_files_url": str(tmp_path / "small"), "media_files_max_bytes": 1000},
                    catalog=only(config, "media_files"))  # fmt: skip
    assert small.records("media_files") == []  # each over the limit: reported and skipped


def test_an_expired_link_is_asked_of_graph_again_once(demo: Demo, tmp_path: Path) -> None:
    config = files_config(demo, tmp_path / "media", media_files_kinds=["media"])
    clean = run_tap(config, catalog=only(config, "media_files"))
    demo.control.add_fault(kind="link_expired", path="/scontent.cdninstagram.com/*", count=3)
    demo.control.reset_stats()
    run = run_tap(
        {**config, "media_files_url": str(tmp_path / "again")}, catalog=only(config, "media_files")
    )
    assert len(run.records("media_files")) == len(clean.records("media_files")) > 30  # all stored
    assert demo.control.stats()["requests_by_path"].get("GET /{ig-media-id}") == 3  # 3 renewed


def test_a_file_that_keeps_failing_is_skipped_and_the_rest_goes_on(
    demo: Demo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = files_config(demo, tmp_path / "media", media_files_kinds=["media"])
    clean = run_tap(config, catalog=only(config, "media_files"))
    victim = clean.records("media_files")[0]
    demo.control.add_fault(kind="server_error", path=f"/scontent.cdninstagram.com/*{victim['media_id']}_n.jpg",
                           every=1)  # fmt: skip
    run = run_tap(
        {**config, "media_files_url": str(tmp_path / "again")}, catalog=only(config, "media_files")
    )
    ids = {r["media_id"] for r in run.records("media_files")}
    assert victim["media_id"] not in ids and len(ids) == len(clean.records("media_files")) - 1
    assert "media files that could not be copied" in caplog.text


def test_records_of_a_copy_never_carry_a_signed_link(tmp_path: Path) -> None:
    class Answer:
        status_code, headers = 200, {"content-type": "image/jpeg"}

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def iter_content(self, _: int) -> list[bytes]:
            picture = io.BytesIO()
            Image.new("RGB", (20, 10)).save(picture, "JPEG")
            return [picture.getvalue()]

    class Session:
        def get(self, url: str, **_: Any) -> Answer:
            assert "oh=secret" in url
            return Answer()

    copier = FileCopier(FileStore(str(tmp_path)), FileOptions(), renew=lambda *_: None,
                        wait=lambda _: None, now=lambda: "2026-12-01T00:00:00+00:00",
                        session=Session())  # type: ignore[arg-type]  # fmt: skip
    job = FileJob(
        "1",
        "2",
        None,
        "IMAGE",
        (Source("https://cdn.example/p.jpg?oh=secret&oe=1", False, "media"),),
    )
    (record,) = copier.copy(job).records
    assert "secret" not in str(record) and (record["width"], record["height"]) == (20, 10)


def test_bad_rendition_settings_name_the_entry_and_the_field() -> None:
    assert parse_renditions([{"name": "a", "width": 1, "height": 2}]) == [Rendition("a", 1, 2)]
    for bad, field in (([{"name": "original", "width": 1, "height": 1}], "[0].name"),
                       ([{"name": "a", "width": 0, "height": 1}], "[0].width"),
                       ([{"name": "a", "width": 1, "height": 1, "fit": "fill"}], "[0].fit"),
                       ([{"name": "a", "width": 1, "height": 1}, {"name": "a", "width": 2, "height": 2}], "[1].name")):  # fmt: skip
        with pytest.raises(SettingsError, match=re.escape(f"media_files_renditions{field}`")):
            parse_renditions(bad)


def test_files_land_in_an_s3_bucket_once(demo: Demo, s3_options: dict[str, Any]) -> None:
    import s3fs

    options = s3_options
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir("instagram-media")
    config = demo_config(demo, media_files_url="s3://instagram-media/copies", media_files_kinds=["media"],
                         media_files_storage_options=options, media_files_renditions=SQUARE[:1])  # fmt: skip
    demo.control.reset_stats()
    run = run_tap(config, catalog=only(config, "media_files"))
    files = run.records("media_files")
    assert files and downloads(demo) == len([f for f in files if f["rendition"] == "original"])
    for f in files:
        assert (
            f["container"] == "instagram-media"
            and f["url"] == f"s3://instagram-media/copies/{f['key']}"
        )
        assert fs.size(f["url"]) == f["size"]
    square = next(f for f in files if f["rendition"] == "square")
    assert Image.open(io.BytesIO(fs.cat(square["url"]))).size == (400, 400)
    assert fs.info(square["url"])["ContentType"] == "image/jpeg"
    fs.invalidate_cache()
    demo.control.reset_stats()
    again = run_tap(config, catalog=only(config, "media_files"))
    assert downloads(demo) == 0 and len(again.records("media_files")) == len(files)


def test_each_stored_file_and_rendition_is_announced_once(
    demo: Demo, tmp_path: Path, receiver: Any
) -> None:
    config = files_config(demo, tmp_path / "media", media_files_kinds=["media"],
                          media_files_renditions=SQUARE[:1], notification_urls=[receiver.url],
                          notification_secret="shh", notification_outbox=str(tmp_path / "outbox.sqlite"))  # fmt: skip
    run = run_tap(config, catalog=only(config, "media_files"))
    files = run.records("media_files")
    envelopes = receiver.envelopes()
    assert sorted(e["action"] for e in envelopes) == sorted(
        "media_file.stored" if f["rendition"] == "original" else "media_file.converted"
        for f in files
    )
    assert {e["text"]["key"] for e in envelopes} == {f["key"] for f in files}
    assert len({e["id"] for e in envelopes}) == len(envelopes)
    run_tap(config, catalog=only(config, "media_files"))
    assert len(receiver.envelopes()) == len(envelopes)  # nothing new stored: nothing announced


def test_a_killed_run_resumes_without_duplicate_files_or_notifications(
    demo: Demo, tmp_path: Path, receiver: Any
) -> None:
    import json
    import signal
    import subprocess
    import time

    from .test_resume import SCRIPT

    media = tmp_path / "media"
    config = files_config(demo, media, media_files_concurrency=1, notification_urls=[receiver.url],
                          notification_outbox=str(tmp_path / "outbox.sqlite"))  # fmt: skip
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(only(config, "media_files")))
    command = [str(SCRIPT), "--config", str(tmp_path / "config.json"), "--catalog", str(catalog)]
    demo.control.configure(latency_ms=40)  # slow enough to stop it part way
    tap = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(media.rglob("*.jpg"))) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    tap.send_signal(signal.SIGKILL)
    tap.wait(30)
    demo.control.configure(latency_ms=0)
    partial = len(list(media.rglob("*.jpg")))
    assert 12 <= partial < len(expected_pictures(demo, config))  # killed part way
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    stored = list(media.rglob("*.jpg"))
    folders = {(p.parent.parent.name, p.parent.name, p.name.split("-")[0]) for p in stored}
    assert len(stored) == len(folders) == len(expected_pictures(demo, config))  # each once
    envelopes = receiver.envelopes()
    assert len({e["id"] for e in envelopes}) == len(envelopes) == len(stored)  # each announced once
