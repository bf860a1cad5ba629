"""Comments, replies, deletes, hides, comment switches and mention replies, end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from instagram_sandbox.testing import Demo
from target_instagram.ledger import Ledger
from target_instagram.operations import Operation
from target_instagram.writer import Writer

from .conftest import World, case, make_world, run_target, singer_lines, writes


def comments_of(demo: Demo, media_id: str) -> list[dict[str, Any]]:
    return list(demo.ok(demo.get(f"/{media_id}/comments", fields="id,text,hidden",
                                 limit=50))["data"])  # fmt: skip


def test_comments_are_created_and_state_follows(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    run = run_target(config, case("comment_on_media", world))
    created = writes(demo, "comment.create")
    assert [(w["object_id"], w["message"]) for w in created] == [
        (world.media[0], "Fresh beans are in this week"),
        (world.media[1], "See you at the roastery"),
    ]
    assert [r["instagram_id"] for r in run.by_status("applied")] == [
        w["result_id"] for w in created
    ]
    assert "Fresh beans are in this week" in [c["text"] for c in comments_of(demo, world.media[0])]
    assert run.states == [{"bookmarks": {"public-comments": {"replication_key_value": "c2"}}}]


def test_running_the_same_input_again_applies_nothing(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    run_target(config, case("reply_and_hide", world))
    demo.control.reset_stats()
    again = run_target(config, case("reply_and_hide", world))
    assert len(writes(demo)) == 2
    assert [r["status"] for r in again.results] == ["skipped", "skipped"]
    assert demo.control.stats()["requests_total"] == 0
    assert again.states  # STATE still moves on


def test_a_changed_payload_under_an_applied_op_id_is_rejected(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    run_target(config, case("reply_and_hide", world))
    changed = case("reply_and_hide", world).replace("Thanks for visiting!", "Something else")
    run = run_target(config, changed)
    assert len(writes(demo, "comment.reply")) == 1
    [reject] = run.rejects
    assert reject["op_id"] == "r1" and "different payload" in reject["reason"]
    assert "use a new op_id" in reject["reason"]


def test_deletes_by_action_and_by_sdc_deleted_at(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    run = run_target(config, case("delete_comments", world))
    assert [w["object_id"] for w in writes(demo, "comment.delete")] == world.comments[:2]
    remaining = {c["id"] for c in comments_of(demo, world.media[0])}
    assert not remaining & set(world.comments[:2])
    assert len(run.by_status("applied")) == 2


def test_hide_unhide_and_comment_switches(demo: Demo, world: World, config: dict[str, Any]) -> None:
    run_target(config, case("moderation_switches", world))
    kinds = [(w["kind"], w["object_id"]) for w in writes(demo)]
    assert kinds == [
        ("comment.hide", world.comments[0]),
        ("comment.hide", world.comments[1]),
        ("comment.unhide", world.comments[1]),  # same object: sent after the hide, in order
        ("media.comment_enabled", world.media[1]),
        ("media.comment_enabled", world.media[2]),
    ]
    hidden = {c["id"]: c["hidden"] for c in comments_of(demo, world.media[0])}
    assert hidden[world.comments[0]] is True and hidden[world.comments[1]] is False
    enabled = demo.ok(demo.get(f"/{world.media[1]}", fields="is_comment_enabled"))
    assert enabled["is_comment_enabled"] is False


def test_hide_missing_comment(demo: Demo, world: World, config: dict[str, Any]) -> None:
    run = run_target(config, case("hide_missing_comment", world))
    [reject] = run.rejects
    assert reject["op_id"] == "gone" and reject["graph_error"]["type"] == "NotFoundError"
    assert reject["record"]["params"]["comment_id"] == "17999999999999999"
    assert [w["object_id"] for w in writes(demo, "comment.hide")] == [world.comments[0]]
    assert run.states, "the run goes on and STATE is emitted"


def test_mention_reply(demo: Demo, world: World, config: dict[str, Any]) -> None:
    run = run_target(config, case("mention_reply", world))
    [write] = writes(demo, "mention.reply")
    assert write["object_id"] == world.ids["mentioned"]
    assert run.by_status("applied")[0]["instagram_id"] == write["result_id"]


def test_delete_media(demo: Demo, world: World, config: dict[str, Any]) -> None:
    run_target(config, case("delete_media", world))
    assert [w["object_id"] for w in writes(demo, "media.delete")] == [world.media[0]]
    assert demo.get(f"/{world.media[0]}").status_code == 400


def test_delete_media_is_refused_on_instagram_login(demo: Demo, config: dict[str, Any]) -> None:
    media = demo.ok(demo.get(f"/{demo.creator}/media", token=demo.ig_token, host="instagram"))
    text = singer_lines("media", [{"op_id": "x", "media_id": media["data"][0]["id"],
                                   "action": "delete"}])  # fmt: skip
    ig = {**config, "access_token": demo.ig_token, "login": "instagram", "api_url": demo.ig_base,
          "account_id": demo.creator}  # fmt: skip
    run = run_target(ig, text)
    assert "Unsupported delete request" in run.rejects[0]["reason"]
    assert not writes(demo, "media.delete")


def test_500_moderation_operations_in_at_most_15_requests(
    demo: Demo, config: dict[str, Any]
) -> None:
    world = make_world(demo, media=10, comments_per_media=50)
    c = world.comments
    hides = [{"op_id": f"h{i}", "procedure": "hide_comment", "params": {"comment_id": c[i]}}
             for i in range(0, 150)]  # fmt: skip
    unhides = [{"op_id": f"u{i}", "procedure": "unhide_comment", "params": {"comment_id": c[i]}}
               for i in range(150, 250)]  # fmt: skip
    replies = [{"op_id": f"r{i}", "comment_id": c[i], "message": f"Thank you, friend {i}"}
               for i in range(250, 400)]  # fmt: skip
    deletes = [{"op_id": f"d{i}", "comment_id": c[i], "action": "delete"}
               for i in range(400, 500)]  # fmt: skip
    text = (singer_lines("public-execute", hides + unhides) + singer_lines("public-replies", replies)
            + singer_lines("public-comments", deletes))  # fmt: skip
    demo.control.reset_stats()
    run = run_target(config, text)
    stats = demo.control.stats()
    assert len(run.by_status("applied")) == 500 and not run.rejects
    assert stats["requests_total"] <= 15, stats["requests_by_path"]
    assert stats["requests_by_path"]["POST /"] == 10
    kinds = [w["kind"] for w in writes(demo)]
    assert (kinds.count("comment.hide"), kinds.count("comment.unhide"),
            kinds.count("comment.reply"), kinds.count("comment.delete")) == (150, 100, 150, 100)  # fmt: skip


def test_a_lost_batch_answer_is_reconciled_not_repeated(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    demo.control.add_fault(kind="drop", method="POST", path="/", params={"applied": True})
    run = run_target(config, case("reply_and_hide", world))
    assert len(writes(demo, "comment.reply")) == 1  # found on Instagram, not sent twice
    assert len(writes(demo, "comment.hide")) == 2  # a hide is repeatable: sent again
    applied = {r["op_id"]: r for r in run.by_status("applied")}
    assert applied["r1"]["instagram_id"] == writes(demo, "comment.reply")[0]["result_id"]
    assert applied["r1"]["note"] == "reconciled: found on Instagram"


def test_a_null_write_in_a_batch_is_reconciled(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    demo.control.add_fault(kind="batch_null", path="/{ig-media-id}/comments",
                           params={"applied": True})  # fmt: skip
    demo.control.add_fault(kind="batch_null", path="/{ig-comment-id}/replies")
    text = case("comment_on_media", world) + case("reply_and_hide", world)
    run = run_target(config, text)
    created = writes(demo, "comment.create")
    assert len(created) == 2 and len(writes(demo, "comment.reply")) == 1
    assert {r["op_id"] for r in run.by_status("applied")} == {"c1", "c2", "r1", "x1"}


def test_token_refresh_mid_run(demo: Demo, world: World, config: dict[str, Any]) -> None:
    apps = demo.apps["facebook"]
    spare = demo.control.issue_token(demo.acme, kind="fb_user_long")  # an expired token is dead
    cfg = {**config, "oauth_mode": "REFRESH", "client_id": apps["app_id"], "refresh_token": spare,
           "client_secret": apps["app_secret"], "token_store": config["ledger_path"] + ".token"}  # fmt: skip
    first = singer_lines("public-comments", [{"op_id": "a", "media_id": world.media[0],
                                              "message": "Before the expiry"}])  # fmt: skip
    demo.control.add_fault(kind="expired_token", path="/", method="POST", nth=1)
    run = run_target(cfg, first + case("reply_and_hide", world))
    assert [r["status"] for r in run.results] == ["applied"] * 3
    assert len(writes(demo, "comment.create")) == 1 and len(writes(demo, "comment.reply")) == 1
    stored = json.loads(Path(cfg["token_store"]).read_text())
    assert stored["access_token"] not in (demo.fb_token, spare)


def test_instagram_login_writes_once_each_when_the_host_refuses_batches(
    demo: Demo, config: dict[str, Any]
) -> None:
    demo.control.configure(instagram_batch=False)
    media = demo.ok(demo.get(f"/{demo.creator}/media", token=demo.ig_token, host="instagram"))
    ids = [m["id"] for m in media["data"][:3]]
    text = singer_lines("public-comments", [{"op_id": f"c{i}", "media_id": m, "message": f"Hi {i}"}
                                            for i, m in enumerate(ids)])  # fmt: skip
    ig = {**config, "access_token": demo.ig_token, "login": "instagram", "api_url": demo.ig_base,
          "account_id": demo.creator}  # fmt: skip
    demo.control.reset_stats()
    run = run_target(ig, text)
    assert len(run.by_status("applied")) == 3 and not run.rejects
    created = sorted((w["object_id"], w["message"]) for w in writes(demo, "comment.create"))
    assert created == sorted((m, f"Hi {i}") for i, m in enumerate(ids))  # each once
    assert demo.control.stats()["requests_by_path"]["POST /"] == 1


def test_a_delete_whose_answer_was_lost_and_then_not_found_is_applied(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    demo.control.add_fault(kind="batch_null", path="/{ig-comment-id}", method="DELETE",
                           params={"applied": True})  # the delete ran; its answer was lost  # fmt: skip
    run = run_target(config, case("delete_comments", world))
    assert [w["object_id"] for w in writes(demo, "comment.delete")] == world.comments[:2]
    assert len(run.by_status("applied")) == 2 and not run.rejects


def test_a_write_whose_batch_entry_is_unreadable_is_reconciled_not_sent_again(
    demo: Demo, world: World, config: dict[str, Any]
) -> None:
    demo.control.add_fault(kind="batch_unreadable", path="/{ig-media-id}/comments", every=1)
    first = run_target(config, case("comment_on_media", world))
    assert len(writes(demo, "comment.create")) == 2
    demo.control.clear_faults()
    again = run_target(config, case("comment_on_media", world))  # the next run
    assert len(writes(demo, "comment.create")) == 2  # never sent twice
    assert {r["op_id"] for r in first.by_status("applied") + again.by_status("applied")} == {
        "c1",
        "c2",
    }


def test_a_single_write_whose_answer_is_unreadable_is_reconciled(
    demo: Demo, config: dict[str, Any]
) -> None:
    demo.control.configure(instagram_batch=False)
    media = demo.ok(demo.get(f"/{demo.creator}/media", token=demo.ig_token, host="instagram"))
    target_media = media["data"][0]["id"]
    demo.control.add_fault(kind="non_json", path="/{ig-media-id}/comments", method="POST",
                           params={"applied": True})  # fmt: skip
    ig = {**config, "access_token": demo.ig_token, "login": "instagram", "api_url": demo.ig_base,
          "account_id": demo.creator}  # fmt: skip
    text = singer_lines("public-comments", [{"op_id": "u1", "media_id": target_media,
                                             "message": "Hello from the unreadable path"}])  # fmt: skip
    first = run_target(ig, text)
    run_target(ig, text)
    assert len(writes(demo, "comment.create")) == 1
    assert [r["op_id"] for r in first.by_status("applied")] == ["u1"]


def test_an_operation_that_cannot_be_encoded_does_not_block_its_batch(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path
) -> None:
    # The sinks' rules reject such text; the writer holds even when an operation gets past them.
    writer = Writer(config)
    for n, text in enumerate(["First", "Broken \ud800 text", "Third"]):
        op = Operation("public-comments", f"e{n}", "comment", demo.acme,
                       {"media_id": world.media[0], "message": text})  # fmt: skip
        writer.submit(op, {})
    writer.flush()
    writer.finish()
    assert [w["message"] for w in writes(demo, "comment.create")] == ["First", "Third"]
    [reject] = [json.loads(line) for line in (tmp_path / "target-instagram-rejects.jsonl")
                .read_text().splitlines()]  # fmt: skip
    assert reject["op_id"] == "e1" and "surrogates not allowed" in reject["reason"]
    ledger = Ledger(Path(config["ledger_path"]))
    assert [ledger.get("public-comments", f"e{n}").status for n in range(3)] == [  # type: ignore[union-attr]
        "applied", "rejected", "applied"]  # fmt: skip
