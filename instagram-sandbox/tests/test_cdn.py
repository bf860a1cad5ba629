"""The CDN behind media_url / thumbnail_url: real files at signed links that expire (§11)."""

from __future__ import annotations

import io

import requests
from PIL import Image

from instagram_sandbox.testing import Demo

DAY = 86400


def _media(demo: Demo) -> list[dict]:
    fields = "id,media_type,media_product_type,media_url,thumbnail_url"
    return demo.ok(demo.get(f"/{demo.acme}/media", fields=fields, limit=100))["data"]


def test_a_picture_is_a_real_jpeg_counted_as_a_download_not_a_graph_request(demo: Demo) -> None:
    image = next(m for m in _media(demo) if m["media_type"] == "IMAGE")
    assert "/scontent.cdninstagram.com/" in image["media_url"] and "oe=" in image["media_url"]
    demo.control.reset_stats()
    first = requests.get(image["media_url"], timeout=10)
    again = requests.get(image["media_url"], timeout=10)
    assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
    assert first.content == again.content  # the same bytes every time
    picture = Image.open(io.BytesIO(first.content))
    assert picture.format == "JPEG" and picture.size in {(1080, 1350), (1080, 1080), (1080, 566)}
    stats = demo.control.stats()
    assert stats["requests_by_host"] == {"scontent.cdninstagram.com": 2}
    assert stats["downloads_by_status"] == {"200": 2} and stats["requests_total"] == 0


def test_a_video_and_its_cover(demo: Demo) -> None:
    reel = next(m for m in _media(demo) if m["media_product_type"] == "REELS")
    video = requests.get(reel["media_url"], timeout=10)
    assert video.headers["content-type"] == "video/mp4" and video.content[4:8] == b"ftyp"
    cover = requests.get(reel["thumbnail_url"], timeout=10)
    assert Image.open(io.BytesIO(cover.content)).size == (1080, 1920)


def test_an_expired_or_tampered_link_is_refused_and_a_fresh_read_gives_a_new_one(
    demo: Demo,
) -> None:
    image = next(m for m in _media(demo) if m["media_type"] == "IMAGE")
    tampered = image["media_url"].replace("oh=", "oh=0")
    assert requests.get(tampered, timeout=10).status_code == 403
    demo.control.advance(3 * DAY)
    expired = requests.get(image["media_url"], timeout=10)
    assert expired.status_code == 403 and expired.text == "URL signature expired"
    fresh = demo.ok(demo.get(f"/{image['id']}", fields="media_url"))["media_url"]
    assert fresh != image["media_url"] and requests.get(fresh, timeout=10).status_code == 200


def test_a_deleted_media_is_gone_from_the_cdn(demo: Demo) -> None:
    image = next(m for m in _media(demo) if m["media_type"] == "IMAGE")
    assert demo.ok(demo.delete(f"/{image['id']}"))["success"] is True
    assert requests.get(image["media_url"], timeout=10).status_code == 404


def test_a_fault_on_the_cdn_answers_500(demo: Demo) -> None:
    image = next(m for m in _media(demo) if m["media_type"] == "IMAGE")
    demo.control.add_fault(
        kind="server_error", method="GET", path="/scontent.cdninstagram.com/*", count=1
    )
    assert requests.get(image["media_url"], timeout=10).status_code == 500
    assert requests.get(image["media_url"], timeout=10).status_code == 200
