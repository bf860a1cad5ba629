"""Field selection, type-dependent fields, expansion, multi-id reads and the four paging shapes (§3, §5)."""

from __future__ import annotations

import requests

from instagram_sandbox.testing import Demo, graph_error


def _media(demo: Demo, **params: object) -> list[dict]:
    params.setdefault("limit", 100)
    return demo.ok(demo.get(f"/{demo.acme}/media", **params))["data"]


def test_default_fields_are_id_only_and_unknown_field_is_exact(demo: Demo) -> None:
    first = _media(demo)[0]
    assert set(first) == {"id"}
    err = graph_error(demo.get(f"/{first['id']}", fields="id,foo"))
    assert err["message"] == "(#100) Tried accessing nonexisting field (foo) on node type (IGMedia)"
    comments = demo.ok(demo.get(f"/{_media(demo, fields='comments_count')[0]['id']}/comments"))[
        "data"
    ]
    assert comments and set(comments[0]) == {"id", "text", "timestamp"}
    assert demo.ok(demo.get(f"/{demo.acme}/content_publishing_limit"))["data"][0].keys() == {
        "quota_usage"
    }
    user = graph_error(demo.get("/me", fields="instagram_business_account"))
    assert (
        user["message"]
        == "(#100) Tried accessing nonexisting field (instagram_business_account) on node type (User)"
    )


def test_type_dependent_fields(demo: Demo) -> None:
    fields = "media_type,media_product_type,thumbnail_url,is_shared_to_feed,caption,permalink,children{id,caption,permalink,media_type},owner,username"
    media = _media(demo, fields=fields)
    for m in media:
        assert ("thumbnail_url" in m) == (m["media_type"] == "VIDEO")
        assert ("is_shared_to_feed" in m) == (m["media_product_type"] == "REELS")
        assert m["owner"] == {"id": demo.acme} and m["username"] == "acmecoffee"
        assert (
            "/reel/" in m["permalink"]
            if m["media_product_type"] == "REELS"
            else "/p/" in m["permalink"]
        )
    children = next(m for m in media if "children" in m)["children"]
    child = children["data"][0]
    assert "caption" not in child and child["permalink"].startswith("https://www.instagram.com/p/")
    assert "paging" not in children  # children carry no paging (§11)
    tagged = demo.ok(demo.get(f"/{demo.acme}/tags", fields="owner,username"))["data"]
    assert all("owner" not in t and t["username"].endswith(".roasts") for t in tagged)


def test_hidden_likes_are_omitted_when_queried_indirectly(demo: Demo) -> None:
    hidden = [
        m
        for m in demo.server.backend.world.media.values()
        if m.owner_id != demo.acme and m.likes_hidden and m.parent_id is None
    ]
    owner = demo.server.backend.world.accounts[hidden[0].owner_id]
    expr = f"business_discovery.username({owner.username}){{media.limit(100){{id,like_count}}}}"
    data = demo.ok(demo.get(f"/{demo.acme}", fields=expr))["business_discovery"]["media"]["data"]
    by_id = {m["id"]: m for m in data}
    assert "like_count" not in by_id[hidden[0].id]
    assert any("like_count" in m for m in data)


def test_multi_id_read(demo: Demo) -> None:
    ids = [m["id"] for m in _media(demo)[:3]]
    body = demo.ok(demo.get("/", ids=",".join(ids), fields="media_type"))
    assert set(body) == set(ids) and all("media_type" in v for v in body.values())


def test_cursor_paging_limits_and_echoed_query(demo: Demo) -> None:
    first = demo.ok(demo.get(f"/{demo.acme}/media", fields="id,timestamp", bearer=False))
    assert len(first["data"]) == 25
    nxt = first["paging"]["next"]
    assert (
        "fields=id%2Ctimestamp" in nxt
        and "access_token=" in nxt
        and "previous" not in first["paging"]
    )
    second = requests.get(nxt, timeout=10).json()
    assert (
        second["data"][0]["id"] not in {m["id"] for m in first["data"]}
        and "previous" in second["paging"]
    )
    header = demo.ok(demo.get(f"/{demo.acme}/media"))
    assert "access_token" not in header["paging"]["next"]
    assert len(_media(demo, limit=500)) == 60  # limit capped at 100
    comments = demo.ok(
        demo.get(f"/{_media(demo, fields='comments_count')[0]['id']}/comments", limit=500)
    )
    assert len(comments["data"]) <= 50


def test_last_page_and_past_the_end(demo: Demo) -> None:
    page = demo.ok(demo.get(f"/{demo.acme}/media", limit=40))
    last = demo.ok(
        demo.get(f"/{demo.acme}/media", limit=40, after=page["paging"]["cursors"]["after"])
    )
    assert len(last["data"]) == 20 and "next" not in last["paging"] and "cursors" in last["paging"]
    past = demo.ok(
        demo.get(f"/{demo.acme}/media", limit=40, after=last["paging"]["cursors"]["after"])
    )
    assert past == {"data": []}
    demo.control.configure(last_page_cursors=False)
    bare = demo.ok(
        demo.get(f"/{demo.acme}/media", limit=40, after=page["paging"]["cursors"]["after"])
    )
    assert (
        "cursors" not in bare["paging"]
        and "next" not in bare["paging"]
        and "previous" in bare["paging"]
    )
    assert graph_error(demo.get(f"/{demo.acme}/media", after="garbage!"))["code"] == 100


def test_pages_stay_consistent_when_media_arrive_between_reads(demo: Demo) -> None:
    first = demo.ok(demo.get(f"/{demo.acme}/media", limit=30))
    demo.control.add_media(account_id=demo.acme, count=2)
    second = demo.ok(
        demo.get(f"/{demo.acme}/media", limit=30, after=first["paging"]["cursors"]["after"])
    )
    seen = [m["id"] for m in first["data"] + second["data"]]
    assert len(seen) == len(set(seen)) == 60
    assert len(_media(demo)) == 62


def test_since_and_until_on_media(demo: Demo) -> None:
    now = demo.control.now()
    recent = _media(demo, since=now - 30 * 86400, fields="timestamp")
    older = _media(demo, until=now - 30 * 86400)
    assert recent and older and len(recent) + len(older) == 60


def test_cursors_only_and_after_only_shapes(demo: Demo) -> None:
    tags = demo.ok(demo.get(f"/{demo.acme}/tags", limit=5))
    assert set(tags["paging"]) == {"cursors"}
    rest = demo.ok(
        demo.get(f"/{demo.acme}/tags", limit=5, after=tags["paging"]["cursors"]["after"])
    )
    assert len(tags["data"]) + len(rest["data"]) == 8
    tag_id = demo.ok(demo.get("/ig_hashtag_search", user_id=demo.acme, q="latteart"))["data"][0][
        "id"
    ]
    first = demo.ok(
        demo.get(f"/{tag_id}/recent_media", user_id=demo.acme, limit=50, fields="id,caption")
    )
    cursor = first["paging"]["cursors"]["after"]
    assert set(first["paging"]["cursors"]) == {"after"}
    second = demo.ok(demo.get(f"/{tag_id}/recent_media", user_id=demo.acme, limit=50, after=cursor))
    assert second["paging"]["cursors"]["after"] == cursor and "next" not in second["paging"]
    assert len(first["data"]) + len(second["data"]) == 80
    assert (
        graph_error(demo.get(f"/{tag_id}/recent_media", user_id=demo.acme, fields="username"))[
            "code"
        ]
        == 100
    )


def test_field_expansion_children_comments_replies_and_nested_next(demo: Demo) -> None:
    media = _media(demo, fields="comments_count,comments.limit(2){id,text,replies{id,text}}")
    busy = next(m for m in media if m["comments_count"] > 4)
    nested = busy["comments"]
    assert len(nested["data"]) == 2
    assert nested["paging"]["next"].split("?")[0].endswith(f"/{busy['id']}/comments")
    more = requests.get(
        nested["paging"]["next"], headers={"Authorization": f"Bearer {demo.fb_token}"}, timeout=10
    ).json()
    assert more["data"] and set(more["data"][0]) >= {"id", "text"}
    err = graph_error(demo.get(f"/{demo.acme}/media", fields="id,children{id"))
    assert err["message"].startswith("(#100) Syntax error")


def test_business_discovery_with_after_cursor(demo: Demo) -> None:
    expr = "business_discovery.username(bluebottle){followers_count,media_count,media.limit(25){id,view_count,media_product_type}}"
    bd = demo.ok(demo.get(f"/{demo.acme}", fields=expr))["business_discovery"]
    assert bd["followers_count"] == 267788 and bd["media_count"] == 40
    assert set(bd["media"]["paging"]) == {"cursors"}
    assert all(
        ("view_count" in m) == (m["media_product_type"] == "REELS") for m in bd["media"]["data"]
    )
    after = bd["media"]["paging"]["cursors"]["after"]
    expr2 = f"business_discovery.username(bluebottle){{media.limit(25).after({after}){{id}}}}"
    rest = demo.ok(demo.get(f"/{demo.acme}", fields=expr2))["business_discovery"]["media"]["data"]
    assert len(rest) == 15 and not {m["id"] for m in rest} & {m["id"] for m in bd["media"]["data"]}
    missing = graph_error(
        demo.get(f"/{demo.acme}", fields="business_discovery.username(nobody_here){id}")
    )
    assert (missing["code"], missing["error_subcode"]) == (110, 2207013)


def test_a_thread_pages_forward_and_back_and_follows_new_and_deleted_comments(demo: Demo) -> None:
    media = max(_media(demo, fields="comments_count"), key=lambda m: m["comments_count"])["id"]
    path = f"/{media}/comments"
    whole = [c["id"] for c in demo.ok(demo.get(path, fields="id", limit=50))["data"]]
    first = demo.ok(demo.get(path, fields="id", limit=3))
    second = demo.ok(
        demo.get(path, fields="id", limit=3, after=first["paging"]["cursors"]["after"])
    )
    assert [c["id"] for c in first["data"] + second["data"]] == whole[:6]
    back = demo.ok(
        demo.get(path, fields="id", limit=3, before=second["paging"]["cursors"]["before"])
    )
    assert [c["id"] for c in back["data"]] == whole[:3]
    gone = second["data"][0]["id"]
    assert demo.ok(demo.delete(f"/{gone}")) == {"success": True}
    again = demo.ok(demo.get(path, fields="id", limit=3, after=first["paging"]["cursors"]["after"]))
    assert [c["id"] for c in again["data"]] == [i for i in whole if i != gone][3:6]
    new = demo.ok(demo.post(path, message="Newest"))["id"]
    assert demo.ok(demo.get(path, fields="id", limit=1))["data"][0]["id"] == new
