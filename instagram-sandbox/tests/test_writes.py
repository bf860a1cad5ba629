"""Publishing state machine and quotas, moderation writes and media delete (§6)."""

from __future__ import annotations

import json

from instagram_sandbox.testing import Demo, graph_error

JPEG = "https://cdn.example/photo.jpg"


def _create(demo: Demo, **params: str) -> str:
    return str(demo.ok(demo.post(f"/{demo.acme}/media", **params))["id"])


def _status(demo: Demo, container: str) -> str:
    return str(demo.ok(demo.get(f"/{container}", fields="status_code,status"))["status_code"])


def test_image_publish_flow_and_limit(demo: Demo) -> None:
    before = demo.ok(
        demo.get(f"/{demo.acme}/content_publishing_limit", fields="quota_usage,config")
    )["data"][0]
    assert before["config"] == {"quota_total": 100, "quota_duration": 86400}
    box = _create(demo, image_url=JPEG, caption="Hello #coffee", alt_text="a cup")
    assert _status(demo, box) == "FINISHED"
    media_id = demo.ok(demo.post(f"/{demo.acme}/media_publish", creation_id=box))["id"]
    assert _status(demo, box) == "PUBLISHED"
    newest = demo.ok(demo.get(f"/{demo.acme}/media", fields="caption", limit=1))["data"][0]
    assert newest == {"caption": "Hello #coffee", "id": media_id}
    after = demo.ok(demo.get(f"/{demo.acme}/content_publishing_limit", fields="quota_usage"))[
        "data"
    ][0]
    assert after["quota_usage"] == before["quota_usage"] + 1
    assert graph_error(demo.post(f"/{demo.acme}/media_publish", creation_id=box))["code"] == 100
    kinds = [w["kind"] for w in demo.control.writes()]
    assert kinds == ["container.create", "media.publish"]


def test_container_validation(demo: Demo) -> None:
    png = graph_error(demo.post(f"/{demo.acme}/media", image_url="https://cdn.example/a.png"))
    assert (png["code"], png["error_subcode"]) == (36001, 2207005)
    long = graph_error(demo.post(f"/{demo.acme}/media", image_url=JPEG, caption="x" * 2201))
    assert long["error_subcode"] == 2207010
    tags = graph_error(
        demo.post(
            f"/{demo.acme}/media", image_url=JPEG, caption=" ".join(f"#t{i}" for i in range(31))
        )
    )
    assert "30 hashtags" in tags["message"]
    mentions = graph_error(
        demo.post(
            f"/{demo.acme}/media", image_url=JPEG, caption=" ".join(f"@u{i}" for i in range(21))
        )
    )
    assert mentions["error_subcode"] == 2207040
    video = graph_error(
        demo.post(f"/{demo.acme}/media", media_type="VIDEO", video_url="https://cdn.example/v.mp4")
    )
    assert video["error_subcode"] == 2207023
    unreachable = graph_error(
        demo.post(f"/{demo.acme}/media", image_url="https://unreachable.example/a.jpg")
    )
    assert (unreachable["code"], unreachable["error_subcode"]) == (9004, 2207052)
    child = _create(demo, image_url=JPEG, is_carousel_item="true")
    one = graph_error(demo.post(f"/{demo.acme}/media", media_type="CAROUSEL", children=child))
    assert one["error_subcode"] == 2207028
    assert demo.control.writes()[-1]["result_id"] == child  # rejected creates leave no write


def test_carousel_publish_counts_once(demo: Demo) -> None:
    children = [_create(demo, image_url=JPEG, is_carousel_item="true") for _ in range(3)]
    box = _create(demo, media_type="CAROUSEL", children=",".join(children), caption="Three")
    media_id = demo.ok(demo.post(f"/{demo.acme}/media_publish", creation_id=box))["id"]
    kids = demo.ok(demo.get(f"/{media_id}/children"))["data"]
    assert len(kids) == 3
    usage = demo.ok(demo.get(f"/{demo.acme}/content_publishing_limit"))["data"][0]["quota_usage"]
    assert usage == 3  # two seeded API posts plus this carousel


def test_video_is_asynchronous_then_expires(demo: Demo) -> None:
    reel = _create(demo, media_type="REELS", video_url="https://cdn.example/clip.mp4")
    assert _status(demo, reel) == "IN_PROGRESS"
    early = graph_error(demo.post(f"/{demo.acme}/media_publish", creation_id=reel))
    assert (early["code"], early["error_subcode"]) == (9007, 2207027)
    demo.control.advance(30)
    assert _status(demo, reel) == "FINISHED"
    broken = _create(demo, media_type="REELS", video_url="https://cdn.example/clip.avi")
    demo.control.advance(30)
    assert _status(demo, broken) == "ERROR"
    assert "2207026" in demo.ok(demo.get(f"/{broken}", fields="status"))["status"]
    demo.control.advance(86400)
    assert _status(demo, reel) == "EXPIRED"
    assert (
        graph_error(demo.post(f"/{demo.acme}/media_publish", creation_id=reel))["error_subcode"]
        == 2207020
    )


def test_daily_quota_is_enforced_on_publish(demo: Demo) -> None:
    demo.control.set_quota(demo.acme, quota_total=3)
    box = _create(demo, image_url=JPEG)
    demo.ok(demo.post(f"/{demo.acme}/media_publish", creation_id=box))
    over = graph_error(
        demo.post(f"/{demo.acme}/media_publish", creation_id=_create(demo, image_url=JPEG))
    )
    assert (over["code"], over["error_subcode"]) == (9, 2207042)
    limit = demo.ok(
        demo.get(f"/{demo.acme}/content_publishing_limit", fields="quota_usage,config")
    )["data"][0]
    assert limit["quota_usage"] == limit["config"]["quota_total"] == 3
    demo.control.advance(86400)
    assert (
        demo.ok(demo.get(f"/{demo.acme}/content_publishing_limit"))["data"][0]["quota_usage"] == 0
    )


def test_400_containers_per_day(demo: Demo) -> None:
    op = {"method": "POST", "relative_url": f"{demo.acme}/media", "body": f"image_url={JPEG}"}
    for _ in range(8):
        answers = demo.ok(demo.post("/", batch=json.dumps([op] * 50)))
        assert all(a["code"] == 200 for a in answers)
    assert graph_error(demo.post(f"/{demo.acme}/media", image_url=JPEG))["code"] == 9


def test_resumable_upload(demo: Demo) -> None:
    body = demo.ok(demo.post(f"/{demo.acme}/media", media_type="REELS", upload_type="resumable"))
    assert body["uri"].endswith(f"/ig-api-upload/v25.0/{body['id']}")
    assert _status(demo, body["id"]) == "IN_PROGRESS"
    import requests

    sent = requests.post(body["uri"], data=b"0" * 100, timeout=10,
                         headers={"Authorization": f"OAuth {demo.fb_token}", "offset": "0", "file_size": "100"})  # fmt: skip
    assert sent.json() == {"success": True, "message": "Upload successful."}
    demo.control.advance(30)
    assert _status(demo, body["id"]) == "FINISHED"
    assert (
        graph_error(
            demo.post(
                f"/{demo.creator}/media",
                host="instagram",
                media_type="REELS",
                upload_type="resumable",
            )
        )["code"]
        == 100
    )


def _busy_media(demo: Demo) -> dict:
    media = demo.ok(
        demo.get(
            f"/{demo.acme}/media",
            fields="comments_count,is_comment_enabled,comments{id,hidden,replies{id}}",
            limit=100,
        )
    )["data"]
    return next(m for m in media if m["comments_count"] > 3 and m["is_comment_enabled"])


def test_comment_reply_hide_delete_are_visible_in_reads(demo: Demo) -> None:
    media = _busy_media(demo)
    count = media["comments_count"]
    new = demo.ok(demo.post(f"/{media['id']}/comments", message="Thanks all!"))["id"]
    reply = demo.ok(demo.post(f"/{new}/replies", message="And you!"))["id"]
    assert (
        demo.ok(demo.get(f"/{media['id']}", fields="comments_count"))["comments_count"] == count + 2
    )
    nested = graph_error(demo.post(f"/{reply}/replies", message="deeper"))
    assert "top-level" in nested["message"]
    visitor = next(c for c in media["comments"]["data"] if not c["hidden"])
    demo.ok(demo.post(f"/{visitor['id']}", hide="true"))
    assert demo.ok(demo.get(f"/{visitor['id']}", fields="hidden"))["hidden"] is True
    assert "hidden" in graph_error(demo.post(f"/{visitor['id']}/replies", message="hi"))["message"]
    demo.ok(demo.post(f"/{visitor['id']}", hide="false"))
    assert demo.ok(demo.get(f"/{visitor['id']}", fields="hidden"))["hidden"] is False
    assert demo.ok(demo.delete(f"/{new}")) == {"success": True}
    assert graph_error(demo.get(f"/{new}"))["error_subcode"] == 33
    assert graph_error(demo.get(f"/{reply}"))["error_subcode"] == 33
    kinds = [w["kind"] for w in demo.control.writes()]
    assert kinds == [
        "comment.create",
        "comment.reply",
        "comment.hide",
        "comment.unhide",
        "comment.delete",
    ]


def test_comment_enabled_and_owner_only_delete(demo: Demo) -> None:
    media = _busy_media(demo)
    demo.ok(demo.post(f"/{media['id']}", comment_enabled="false"))
    assert (
        demo.ok(demo.get(f"/{media['id']}", fields="is_comment_enabled"))["is_comment_enabled"]
        is False
    )
    assert "disabled" in graph_error(demo.post(f"/{media['id']}/comments", message="hi"))["message"]
    tagged = demo.ok(demo.get(f"/{demo.acme}/tags", fields="comments{id}"))["data"]
    foreign = next(c for t in tagged for c in t.get("comments", {}).get("data", []))
    assert graph_error(demo.delete(f"/{foreign['id']}"))["code"] == 200


def test_mention_reply(demo: Demo) -> None:
    mentioned = demo.server.backend.world.accounts[demo.acme].mentioned_media_ids[0]
    created = demo.ok(
        demo.post(f"/{demo.acme}/mentions", media_id=mentioned, message="Thanks for the shout-out!")
    )
    assert demo.control.writes()[-1] | {"at": ""} == {
        "seq": 1, "at": "", "kind": "mention.reply", "account_id": demo.acme, "object_id": mentioned,
        "result_id": created["id"], "message": "Thanks for the shout-out!",
    }  # fmt: skip
    assert (
        graph_error(
            demo.post(
                f"/{demo.creator}/mentions", host="instagram", media_id=mentioned, message="x"
            )
        )["code"]
        == 2500
    )


def test_media_delete_facebook_only_whole_carousel(demo: Demo) -> None:
    media = demo.ok(demo.get(f"/{demo.acme}/media", fields="media_type,children{id}", limit=100))[
        "data"
    ]
    carousel = next(m for m in media if m["media_type"] == "CAROUSEL_ALBUM")
    child = carousel["children"]["data"][0]["id"]
    refused = graph_error(demo.delete(f"/{child}"))
    assert (refused["code"], refused["error_subcode"], refused["message"]) == (-1, 2207073, "Fatal")
    assert demo.ok(demo.delete(f"/{carousel['id']}")) == {
        "success": True,
        "deleted_id": carousel["id"],
    }
    assert graph_error(demo.get(f"/{child}"))["error_subcode"] == 33
    assert len(demo.ok(demo.get(f"/{demo.acme}/media", limit=100))["data"]) == 59
    creator_media = demo.ok(demo.get(f"/{demo.creator}/media", host="instagram"))["data"][0]["id"]
    ig = graph_error(demo.delete(f"/{creator_media}", host="instagram"))
    assert ig["message"].startswith("Unsupported delete request")
