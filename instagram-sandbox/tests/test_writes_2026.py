"""2025–2026 writes: chunked resumable upload, 2026 container parameters, likes, invites (§6, §11)."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests

from instagram_sandbox.testing import Demo, graph_error

JPEG = "https://cdn.example/photo.jpg"
VIDEO = bytes(range(256)) * 40  # 10,240 bytes


def _reel(demo: Demo) -> dict:
    return dict(
        demo.ok(demo.post(f"/{demo.acme}/media", media_type="REELS", upload_type="resumable"))
    )


def _chunk(
    demo: Demo, uri: str, offset: int, data: bytes, size: int = len(VIDEO)
) -> requests.Response:
    headers = {
        "Authorization": f"OAuth {demo.fb_token}",
        "offset": str(offset),
        "file_size": str(size),
    }
    return requests.post(uri, data=data, headers=headers, timeout=10)


def _status(demo: Demo, container: str) -> str:
    return str(demo.ok(demo.get(f"/{container}", fields="status_code"))["status_code"])


def test_chunks_at_offsets_make_the_whole_file(demo: Demo) -> None:
    box = _reel(demo)
    first = _chunk(demo, box["uri"], 0, VIDEO[:4096])
    assert first.json() == {"success": True, "message": "Chunk received."}
    assert _status(demo, box["id"]) == "IN_PROGRESS"
    assert _chunk(demo, box["uri"], 4096, VIDEO[4096:8192]).json()["success"] is True
    last = _chunk(demo, box["uri"], 8192, VIDEO[8192:])
    assert last.json() == {"success": True, "message": "Upload successful."}
    chunks = [w for w in demo.control.writes() if w["kind"] == "container.upload_chunk"]
    assert [(w["offset"], w["bytes"]) for w in chunks] == [(0, 4096), (4096, 4096), (8192, 2048)]
    done = [w for w in demo.control.writes() if w["kind"] == "container.upload"]
    assert done[0]["sha256"] == hashlib.sha256(VIDEO).hexdigest()
    demo.control.advance(30)
    assert _status(demo, box["id"]) == "FINISHED"


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_offset_in_words(demo: Demo) -> None:
    box = _reel(demo)
    _chunk(demo, box["uri"], 0, VIDEO[:4096])
    wrong = _chunk(demo, box["uri"], 2048, VIDEO[2048:4096])
    assert wrong.status_code == 400
    info = wrong.json()["debug_info"]
    assert info["type"] == "OffsetMismatchError" and "expected offset 4096" in info["message"]
    # By default Graph will not say where an upload stands when asked.
    asked = requests.get(
        box["uri"], headers={"Authorization": f"OAuth {demo.fb_token}"}, timeout=10
    )
    assert asked.status_code == 400 and "debug_info" in asked.json()
    restart = _chunk(demo, box["uri"], 0, VIDEO)  # offset 0 starts over
    assert restart.json()["message"] == "Upload successful."


def test_query_switch_answers_the_offset(demo: Demo) -> None:
    demo.control.configure(rupload_resume="query")
    box = _reel(demo)
    _chunk(demo, box["uri"], 0, VIDEO[:3000])
    asked = requests.get(
        box["uri"], headers={"Authorization": f"OAuth {demo.fb_token}"}, timeout=10
    )
    assert asked.json() == {"id": box["id"], "offset": 3000, "file_size": len(VIDEO)}


def test_a_cut_connection_keeps_the_bytes_received(demo: Demo) -> None:
    demo.control.configure(rupload_resume="query")
    demo.control.add_fault(kind="upload_cut", method="POST", path="/rupload.facebook.com/*",
                           params={"after_bytes": 1000})  # fmt: skip
    box = _reel(demo)
    with pytest.raises(requests.ConnectionError):
        _chunk(demo, box["uri"], 0, VIDEO[:4096])
    asked = requests.get(
        box["uri"], headers={"Authorization": f"OAuth {demo.fb_token}"}, timeout=10
    )
    assert asked.json()["offset"] == 1000
    cut = [w for w in demo.control.writes() if w["kind"] == "container.upload_chunk"]
    assert cut[-1]["cut"] is True and cut[-1]["bytes"] == 1000
    assert _chunk(demo, box["uri"], 1000, VIDEO[1000:]).json()["message"] == "Upload successful."


def test_rupload_wants_the_oauth_scheme_and_a_waiting_container(demo: Demo) -> None:
    box = _reel(demo)
    bearer = requests.post(box["uri"], data=VIDEO, timeout=10, headers={
        "Authorization": f"Bearer {demo.fb_token}", "offset": "0", "file_size": str(len(VIDEO))})  # fmt: skip
    assert bearer.status_code == 400 and "OAuth" in bearer.json()["debug_info"]["message"]
    _chunk(demo, box["uri"], 0, VIDEO)
    again = _chunk(demo, box["uri"], 0, VIDEO)
    assert "does not take an upload" in again.json()["debug_info"]["message"]


def test_2026_container_parameters(demo: Demo) -> None:
    def refused(**params: str) -> str:
        return str(graph_error(demo.post(f"/{demo.acme}/media", **params))["message"])

    trial = json.dumps({"graduation_strategy": "SS_PERFORMANCE"})
    assert "only available for REELS" in refused(image_url=JPEG, trial_params=trial)
    assert "graduation_strategy" in refused(media_type="REELS", video_url="https://cdn.example/v.mp4",
                                            trial_params='{"graduation_strategy": "SOON"}')  # fmt: skip
    assert "carousel container" in refused(
        image_url=JPEG, is_carousel_item="true", is_ai_generated="true"
    )
    assert "Instagram user ids" in refused(image_url=JPEG, branded_content_sponsor_ids="abc")
    assert "with Facebook Login" in str(graph_error(demo.post(
        f"/{demo.creator}/media", host="instagram", image_url=JPEG, is_paid_partnership="true"))["message"])  # fmt: skip
    box = demo.ok(demo.post(f"/{demo.acme}/media", media_type="REELS", video_url="https://cdn.example/v.mp4",
                            trial_params=trial, is_ai_generated="true", is_paid_partnership="true",
                            branded_content_sponsor_ids="17841400000000001"))["id"]  # fmt: skip
    demo.control.advance(30)
    media_id = demo.ok(demo.post(f"/{demo.acme}/media_publish", creation_id=box))["id"]
    published = demo.control.writes()[-1]
    assert published["trial_params"] == trial and published["is_ai_generated"] == "true"
    assert demo.ok(demo.get(f"/{media_id}", fields="is_ai_generated"))["is_ai_generated"] is True


def test_likes_need_the_engagement_permission_and_count_once(demo: Demo) -> None:
    media = demo.ok(demo.get(f"/{demo.acme}/media", fields="like_count", limit=1))["data"][0]
    for _ in range(2):
        assert demo.ok(demo.post(f"/{demo.acme}/likes", media_id=media["id"])) == {"success": True}
    after = demo.ok(demo.get(f"/{media['id']}", fields="like_count"))["like_count"]
    assert after == media["like_count"] + 1
    demo.ok(demo.delete(f"/{demo.acme}/likes", media_id=media["id"]))
    assert (
        demo.ok(demo.get(f"/{media['id']}", fields="like_count"))["like_count"]
        == media["like_count"]
    )
    kinds = [w["kind"] for w in demo.control.writes()]
    assert kinds == ["media.like", "media.unlike"]
    narrow = demo.control.issue_token(demo.acme, scopes=["instagram_basic", "pages_show_list"])
    refused = graph_error(demo.post(f"/{demo.acme}/likes", token=narrow, media_id=media["id"]))
    assert refused["code"] == 200 and "instagram_manage_engagement" in refused["message"]
    assert graph_error(demo.post(f"/{demo.acme}/likes"))["code"] == 100


def test_collaboration_invites_accept_once(demo: Demo) -> None:
    invites = demo.ok(demo.get(f"/{demo.acme}/collaboration_invites"))["data"]
    assert len(invites) == 3 and {i["media_owner_username"] for i in invites} == {"blackbirdcoffee"}
    first, second = invites[0]["media_id"], invites[1]["media_id"]
    demo.ok(demo.post(f"/{demo.acme}/collaboration_invites", media_id=first, accept="true"))
    demo.ok(demo.post(f"/{demo.acme}/collaboration_invites", media_id=second, accept="false"))
    again = graph_error(
        demo.post(f"/{demo.acme}/collaboration_invites", media_id=first, accept="true")
    )
    assert "no pending collaboration invite" in again["message"]
    assert len(demo.ok(demo.get(f"/{demo.acme}/collaboration_invites"))["data"]) == 1
    kinds = [w["kind"] for w in demo.control.writes()]
    assert kinds == ["collaboration.accept", "collaboration.decline"]


def test_comment_text_rules_are_a_switch(demo: Demo) -> None:
    media = demo.ok(demo.get(f"/{demo.acme}/media", fields="is_comment_enabled", limit=5))["data"]
    target = next(m["id"] for m in media if m["is_comment_enabled"])
    long = "a" * 301
    assert (
        "at most 300 characters"
        in graph_error(demo.post(f"/{target}/comments", message=long))["message"]
    )
    demo.control.configure(comment_text_rules=False)
    assert demo.ok(demo.post(f"/{target}/comments", message=long))["id"]


def test_a_chunk_without_an_offset_header_starts_at_zero(demo: Demo) -> None:
    box = _reel(demo)
    headers = {"Authorization": f"OAuth {demo.fb_token}", "file_size": str(len(VIDEO))}
    sent = requests.post(box["uri"], data=VIDEO, headers=headers, timeout=10)
    assert sent.json() == {"success": True, "message": "Upload successful."}
    chunks = [w for w in demo.control.writes() if w["kind"] == "container.upload_chunk"]
    assert [(w["offset"], w["bytes"]) for w in chunks] == [(0, len(VIDEO))]
