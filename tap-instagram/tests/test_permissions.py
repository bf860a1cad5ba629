"""A token without some scopes: those streams are skipped with one warning each, the rest syncs."""

from __future__ import annotations

import logging

import pytest

from instagram_graph.scopes import STREAMS
from instagram_sandbox.testing import Demo
from tap_instagram.tap import TapInstagram

from .conftest import demo_config, run_tap

READ_ONLY = ["instagram_basic", "pages_show_list", "pages_read_engagement"]
MISSING = ("instagram_content_publish", "instagram_manage_comments", "instagram_manage_insights")
INSIGHT_STREAMS = {"media_insights", "story_insights", "account_insights",
                   "account_insights_totals", "audience_demographics", "online_followers"}  # fmt: skip


def test_read_only_token_syncs_every_readable_stream_and_names_each_missing_scope(
    demo: Demo, caplog: pytest.LogCaptureFixture
) -> None:
    full = run_tap(demo_config(demo))
    token = demo.control.issue_token(demo.acme, scopes=READ_ONLY)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        run = run_tap(demo_config(demo, access_token=token))
    for stream in ("accounts", "media", "stories", "media_children", "account_snapshots"):
        assert {r["id"] if "id" in r else str(r) for r in run.records(stream)} == {
            r["id"] if "id" in r else str(r) for r in full.records(stream)
        }, stream
    assert run.records("media") and run.records("media_children")
    for stream in (*INSIGHT_STREAMS, "comments", "tags", "content_publishing_limit"):
        assert run.records(stream) == [], stream
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for scope in MISSING:
        named = [w for w in warnings if scope in w and "skipped for account" in w]
        assert len(named) == 1, (scope, named)
        assert "re-authorise" in named[0]
    assert not any("too few viewers" in w for w in warnings)
    summary = next(w for w in warnings if w.startswith("run summary"))
    for stream in (*INSIGHT_STREAMS, "comments", "tags", "content_publishing_limit"):
        assert stream in summary


def test_fail_on_skipped_streams_makes_the_run_exit_non_zero(demo: Demo) -> None:
    token = demo.control.issue_token(demo.acme, scopes=[*READ_ONLY, "instagram_manage_comments",
                                                        "instagram_manage_insights"])  # fmt: skip
    run_tap(demo_config(demo, access_token=token))  # exits normally by default
    with pytest.raises(SystemExit) as exited:
        run_tap(demo_config(demo, access_token=token, fail_on_skipped_streams=True))
    assert exited.value.code == 1


def test_a_page_linked_account_whose_media_needs_page_permission_skips_only_media(
    demo: Demo, caplog: pytest.LogCaptureFixture
) -> None:
    scopes = [s for s in READ_ONLY if s != "pages_read_engagement"]
    token = demo.control.issue_token(demo.acme, scopes=scopes)
    demo.control.configure(media_requires_page_permission=True)
    with caplog.at_level(logging.WARNING):
        run = run_tap(demo_config(demo, access_token=token))
    assert run.records("accounts") and run.records("stories") is not None
    assert run.records("media") == []
    assert any("pages_read_engagement" in r.getMessage() for r in caplog.records)


def test_one_refused_totals_metric_costs_only_that_metric(
    demo: Demo, caplog: pytest.LogCaptureFixture
) -> None:
    clean = run_tap(demo_config(demo))
    demo.control.add_fault(kind="reject_metric", path="*/insights", every=1,
                           params={"metric": "website_clicks"})  # fmt: skip
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        run = run_tap(demo_config(demo))

    def totals(r: dict[str, object]) -> tuple[object, ...]:
        return (r["metric"], r["date"], r["breakdown"], r["breakdown_value"])

    expected = {totals(r) for r in clean.records("account_insights_totals")
                if r["metric"] != "website_clicks"}  # fmt: skip
    got = {totals(r) for r in run.records("account_insights_totals")}
    assert got == expected and expected
    messages = [r.getMessage() for r in caplog.records]
    refused = [m for m in messages if "website_clicks" in m and not m.startswith("run summary")]
    assert len(refused) == 1
    assert "website_clicks" in next(m for m in messages if m.startswith("run summary"))


def test_scopes_learned_up_front_cost_no_refused_call(demo: Demo) -> None:
    token = demo.control.issue_token(demo.acme, scopes=READ_ONLY)
    demo.control.reset_stats()
    run = run_tap(demo_config(demo, access_token=token))
    paths = demo.control.stats()["requests_by_path"]
    assert paths["GET /debug_token"] == 1
    assert not [p for p in paths if "insights" in p or "tags" in p or "publishing" in p], paths
    assert "comments" not in str(paths) and run.records("media")
    assert sum(paths.values()) <= 6, paths


def test_a_scope_granted_for_another_account_only_skips_this_one(
    demo: Demo, caplog: pytest.LogCaptureFixture
) -> None:
    user = demo.control.issue_token(demo.acme, kind="fb_user_long",
                                    scope_targets={"instagram_manage_insights": [demo.bakery]})  # fmt: skip
    insights = demo.get(f"/{demo.acme}/insights", token=user, metric="reach", period="day")
    assert insights.json()["error"]["code"] == 10  # the sandbox refuses it for this account
    with caplog.at_level(logging.WARNING):
        run = run_tap(demo_config(demo, access_token=user, ig_user_ids=[demo.acme, demo.bakery]))
    accounts = {r["account_id"] for r in run.records("account_insights")}
    assert accounts == {demo.bakery}
    named = [r.getMessage() for r in caplog.records if "instagram_manage_insights" in r.getMessage()
             and "skipped for account" in r.getMessage()]  # fmt: skip
    assert len(named) == 1 and demo.acme in named[0]


def test_a_failing_debug_token_falls_back_to_learning_per_endpoint(demo: Demo) -> None:
    token = demo.control.issue_token(demo.acme, scopes=READ_ONLY)
    demo.control.add_fault(kind="server_error", path="/debug_token", every=1)
    run = run_tap(demo_config(demo, access_token=token))
    assert run.records("media") and run.records("media_insights") == []
    assert demo.control.stats()["requests_by_path"].get("GET /{ig-user-id}/tags")


def test_the_shared_scope_map_matches_every_stream(demo: Demo) -> None:
    tap = TapInstagram(config=demo_config(demo))
    by_kind = {name: kind for kind, names in STREAMS.items() for name in names}
    assert by_kind == {name: stream.scope for name, stream in tap.streams.items()}  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ["unreadable_object", "deleted_object"])
def test_one_unreadable_story_or_media_costs_only_that_object(demo: Demo, kind: str) -> None:
    clean = run_tap(demo_config(demo))
    story = next(r["story_id"] for r in clean.records("story_insights"))
    media = next(r["media_id"] for r in clean.records("media_insights"))
    for object_id in (story, media):
        demo.control.add_fault(kind=kind, path=f"/{object_id}/insights", every=1)
    run = run_tap(demo_config(demo))
    for stream, key, gone in (("story_insights", "story_id", story),
                              ("media_insights", "media_id", media)):  # fmt: skip
        expected = {r[key] for r in clean.records(stream)} - {gone}
        assert {r[key] for r in run.records(stream)} == expected, stream
    assert run.records("stories") == clean.records("stories")


def test_an_insights_answer_of_the_wrong_shape_costs_only_that_object(demo: Demo) -> None:
    clean = run_tap(demo_config(demo))
    media = next(r["media_id"] for r in clean.records("media_insights"))
    demo.control.add_fault(kind="wrong_type", path=f"/{media}/insights", every=1,
                           params={"field": "data", "value": "oops"})  # fmt: skip
    run = run_tap(demo_config(demo))
    expected = {r["media_id"] for r in clean.records("media_insights")} - {media}
    assert {r["media_id"] for r in run.records("media_insights")} == expected
