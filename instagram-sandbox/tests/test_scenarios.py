"""Scenarios: demo contents, determinism per seed, the large and empty worlds."""

from __future__ import annotations

from instagram_sandbox.server import running_sandbox
from instagram_sandbox.testing import Demo


def _all(demo: Demo, path: str, **params: object) -> list[dict]:
    items, answer = [], demo.ok(demo.get(path, **params))
    while True:
        items.extend(answer["data"])
        nxt = answer.get("paging", {}).get("next")
        if not nxt:
            return items
        answer = demo.ok(
            demo.server.client().session.get(
                nxt, headers={"Authorization": f"Bearer {demo.fb_token}"}
            )
        )


def test_demo_main_account_has_the_promised_media(demo: Demo) -> None:
    media = _all(
        demo, f"/{demo.acme}/media", fields="media_type,media_product_type,children{id}", limit=100
    )
    kinds = [(m["media_type"], m["media_product_type"]) for m in media]
    assert kinds.count(("IMAGE", "FEED")) == 40
    assert kinds.count(("CAROUSEL_ALBUM", "FEED")) == 10
    assert kinds.count(("VIDEO", "REELS")) == 10
    assert all(
        len(m["children"]["data"]) == 3 for m in media if m["media_type"] == "CAROUSEL_ALBUM"
    )
    stories = demo.ok(demo.get(f"/{demo.acme}/stories"))["data"]
    assert len(stories) == 3


def test_demo_comments_replies_and_hidden(demo: Demo) -> None:
    media = _all(
        demo,
        f"/{demo.acme}/media",
        fields="comments_count,comments.limit(50){hidden,replies{id}}",
        limit=100,
    )
    top = [c for m in media for c in m.get("comments", {}).get("data", [])]
    assert 250 <= len(top) <= 300  # about 300 comments; replies are counted in comments_count
    with_replies = [c for c in top if c.get("replies", {}).get("data")]
    assert 0.2 < len(with_replies) / len(top) < 0.45
    assert any(c["hidden"] for c in top)
    assert sum(m["comments_count"] for m in media) > len(top)


def test_demo_pages_tagged_media_and_creator(demo: Demo) -> None:
    pages = demo.ok(demo.get("/me/accounts", fields="name,instagram_business_account"))["data"]
    assert [p["name"] for p in pages] == ["Acme Coffee", "Acme Bakery", "Acme Fan Club"]
    assert "instagram_business_account" not in pages[2]
    assert len(demo.ok(demo.get(f"/{demo.acme}/tags"))["data"]) == 8
    me = demo.ok(demo.get("/me", host="instagram", fields="user_id,username,account_type"))
    assert me["user_id"] == demo.creator and me["account_type"] == "Media_Creator"


def test_same_seed_same_world_other_seed_other_world() -> None:
    with (
        running_sandbox("demo", 7, frozen=True, start_time=1_790_000_000) as a,
        running_sandbox("demo", 7, frozen=True, start_time=1_790_000_000) as b,
        running_sandbox("demo", 8, frozen=True, start_time=1_790_000_000) as c,
    ):
        ta, tb, tc = (s.client().tokens() for s in (a, b, c))
        assert ta == tb
        assert ta["accounts"][0]["account_id"] != tc["accounts"][0]["account_id"]


def test_large_and_empty_scenarios() -> None:
    with running_sandbox("large", 1, frozen=True) as large:
        big = large.client().accounts()[0]
        assert big["media"] == 5000
        assert len(large.backend.world.comments) >= 50000
    with running_sandbox("empty", 1, frozen=True) as empty:
        row = empty.client().tokens()["accounts"][0]
        answer = empty.client().session.get(
            f"{empty.base_url}/v25.0/{row['account_id']}/media",
            headers={"Authorization": f"Bearer {row['access_token']}"},
        )
        assert answer.json() == {"data": []}
