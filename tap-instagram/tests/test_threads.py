"""Threads longer than a page: every comment and every reply comes out, paged to the end."""

from __future__ import annotations

from typing import Any

from instagram_sandbox.testing import Demo

from .conftest import demo_config, run_tap


def test_a_comment_with_120_replies_yields_all_120(demo: Demo) -> None:
    media = demo.control.add_media(account_id=demo.acme, count=1, comments_per_media=60)
    top = demo.control.add_media(media_id=media["media"][0], comments=1)["comments"][0]
    replies = set(demo.control.add_media(comment_id=top, replies=120)["comments"])
    run = run_tap(demo_config(demo))
    comments = run.records("comments")
    got = {c["id"] for c in comments if c["parent_id"] == top}
    assert got == replies
    assert next(c for c in comments if c["id"] == top)["replies_count"] == 120
    on_media = [c for c in comments if c["media_id"] == media["media"][0] and not c["parent_id"]]
    assert len(on_media) == 61  # and the comment pages past the first one too
    ids = [c["id"] for c in comments]
    assert len(ids) == len(set(ids))


def test_a_thread_that_vanishes_between_pages_costs_only_its_later_pages(demo: Demo) -> None:
    media = demo.control.add_media(account_id=demo.acme, count=1, comments_per_media=60)["media"][0]
    clean = run_tap(demo_config(demo))
    demo.control.add_fault(kind="deleted_object", method="GET", path=f"/{media}/comments", every=1,
                           params={"object_id": media})  # fmt: skip
    run = run_tap(demo_config(demo))
    assert {m["id"] for m in run.records("media")} == {m["id"] for m in clean.records("media")}
    on_media = [c for c in run.records("comments") if c["media_id"] == media]
    assert len(on_media) == 50  # the first page, expanded with the media
    others = {c["id"] for c in clean.records("comments") if c["media_id"] != media}
    assert others == {c["id"] for c in run.records("comments") if c["media_id"] != media}


def test_one_media_whose_video_is_gone_costs_only_its_copyright_field(demo: Demo) -> None:
    clean = run_tap(demo_config(demo))
    videos = [m for m in clean.records("media") if m["media_type"] == "VIDEO"]
    gone = videos[0]["id"]
    demo.control.configure(video_gone_media_ids=[gone])
    run = run_tap(demo_config(demo))
    by_id = {m["id"]: m for m in run.records("media")}
    assert set(by_id) == {m["id"] for m in clean.records("media")}
    assert by_id[gone]["copyright_check_information"] is None
    kept = videos[1]["id"]
    assert by_id[kept]["copyright_check_information"]["status"]["status"] == "completed"
    assert {c["id"] for c in run.records("comments")} == {
        c["id"] for c in clean.records("comments")
    }


def test_object_fields_declare_their_properties() -> None:
    from tap_instagram.tap import TapInstagram

    def bare_objects(schema: dict[str, object], where: str) -> list[str]:
        found = []
        props = schema.get("properties")
        if "object" in str(schema.get("type")) and not props:
            found.append(where)
        for name, sub in (props or {}).items():  # type: ignore[attr-defined]
            found += bare_objects(sub, f"{where}.{name}")
        return found

    catalog = TapInstagram(config={"access_token": "EAAxxxxxxxxxxxxxxxxxxxxxxxx"}).catalog_dict
    bare = [b for s in catalog["streams"] for b in bare_objects(s["schema"], s["tap_stream_id"])]
    assert bare == []


def test_later_comment_and_reply_pages_go_out_in_batch_requests(demo: Demo) -> None:
    made = demo.control.add_media(account_id=demo.acme, count=3, comments_per_media=120)
    first = made["media"][0]
    top = demo.control.add_media(media_id=first, comments=1)["comments"][0]
    replies = set(demo.control.add_media(comment_id=top, replies=75)["comments"])
    demo.control.reset_stats()
    run = run_tap(demo_config(demo))
    paths = demo.control.stats()["requests_by_path"]
    assert not any(p.endswith(("/comments", "/replies")) for p in paths), paths  # no one-by-one
    comments = run.records("comments")
    for media in made["media"]:
        expected = 121 if media == first else 120
        assert sum(c["media_id"] == media and not c["parent_id"] for c in comments) == expected
    assert {c["id"] for c in comments if c["parent_id"] == top} == replies
    ids = [c["id"] for c in comments]
    assert len(ids) == len(set(ids))


def test_next_run_pages_a_thread_only_down_to_the_comments_bookmark(demo: Demo) -> None:
    media = demo.control.add_media(account_id=demo.acme, count=1, comments_per_media=300)["media"][
        0
    ]
    demo.control.advance(86400)  # a later comment elsewhere moves the bookmark past these 300
    other = demo.control.add_media(account_id=demo.acme, count=1)["media"][0]
    demo.control.add_media(media_id=other, comments=1)
    config = demo_config(demo)
    first = run_tap(config)
    assert len([c for c in first.records("comments") if c["media_id"] == media]) == 300
    demo.control.advance(3600)
    new = set(demo.control.add_media(media_id=media, comments=120)["comments"])  # 3 pages' worth
    demo.control.reset_stats()
    second = run_tap(config, first.state)
    on_media = {c["id"] for c in second.records("comments") if c["media_id"] == media}
    assert new <= on_media  # every new comment, on the first page and on the two after it
    assert len(on_media) < 300  # the old pages past the new ones were not asked again
    cut = demo.control.stats()["graph_calls"]
    demo.control.reset_stats()
    full = run_tap({**config, "refresh_all_comment_pages": True}, first.state)
    assert {c["id"] for c in full.records("comments") if c["media_id"] == media} >= on_media | new
    assert len([c for c in full.records("comments") if c["media_id"] == media]) == 420
    assert demo.control.stats()["graph_calls"] > cut


class PagedThreads:
    """A client whose batch answers comment and reply pages from a table, counting rounds."""

    def __init__(self, pages: dict[tuple[str, str], dict[str, Any]]) -> None:
        self.pages = pages
        self.rounds: list[list[str]] = []

    def batch(self, ops: list[Any], *, account: str | None = None) -> list[Any]:
        from instagram_graph import BatchResult

        self.rounds.append([f"{op.path}@{op.params['after']}" for op in ops])
        return [BatchResult(op, 200, self.pages[(op.path, op.params["after"])]) for op in ops]


def page(
    ids: list[str], after: str | None, replies: dict[str, Any] | None = None
) -> dict[str, Any]:
    data = [
        {"id": i, "timestamp": "2026-11-01T00:00:00+0000", **(replies or {}).get(i, {})}
        for i in ids
    ]
    return {
        "data": data,
        **({"paging": {"cursors": {"after": after}, "next": "n"}} if after else {}),
    }


def test_later_comment_pages_are_written_out_and_a_page_waits_for_its_replies() -> None:
    from tap_instagram.skips import Skips
    from tap_instagram.threads import ThreadFields, complete_threads

    more_replies = {"c5": {"replies": page(["r1"], "ra")}}  # c5's replies go on past a page
    client = PagedThreads({
        ("m/comments", "a1"): page(["c3", "c4"], "a2"),
        ("m/comments", "a2"): page(["c5", "c6"], "a3", more_replies),
        ("m/comments", "a3"): page(["c7"], None),
        ("c5/replies", "ra"): page(["r2", "r3"], None),
    })  # fmt: skip
    media = {
        "id": "m",
        "timestamp": "2026-10-01T00:00:00+0000",
        "comments": page(["c1", "c2"], "a1"),
    }
    written: list[list[dict[str, Any]]] = []
    fields = ThreadFields(comments="id", replies="id", limit=2)
    complete_threads(client, "1", [media], Skips(), fields, written.append)  # type: ignore[arg-type]
    assert client.rounds == [
        ["m/comments@a1"],
        ["m/comments@a2"],
        ["c5/replies@ra", "m/comments@a3"],
    ]
    # one write per round that finished pages: c5's page waits a round for its replies
    assert [[[c["id"] for c in p["comments"]] for p in group] for group in written] == [
        [["c3", "c4"]],
        [["c5", "c6"], ["c7"]],
    ]
    parts = [p for group in written for p in group]
    assert all(p["thread"] == "m" and p["timestamp"] == media["timestamp"] for p in parts)
    c5 = parts[1]["comments"][0]
    assert [r["id"] for r in c5["replies"]["data"]] == ["r1", "r2", "r3"]  # written once complete
    assert [c["id"] for c in media["comments"]["data"]] == ["c1", "c2"]  # only the first page stays
