"""The headline: request counts read from the sandbox's counters (deterministic)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from instagram_sandbox.testing import Demo

from .conftest import run_tap

FIRST_SYNC_BUDGET = 30
NEXT_DAY_BUDGET = 10


def test_first_sync_and_next_day_stay_within_budget(demo: Demo, config: dict[str, Any]) -> None:
    demo.control.reset_stats()
    first = run_tap(config)
    stats = demo.control.stats()
    assert stats["requests_total"] <= FIRST_SYNC_BUDGET, stats["requests_by_path"]
    # recorded figure: any change should be deliberate (15 since one-page lists carry no paging,
    # so tags end after their one page instead of asking for an empty second one; 16 since the
    # token's scopes are learned once per run from debug_token, so refused streams cost no call)
    assert stats["requests_total"] == 16
    assert stats["requests_by_path"]["GET /debug_token"] == 1
    for stream in ("accounts", "media", "media_children", "comments", "stories", "media_insights",
                   "story_insights", "account_insights", "account_insights_totals", "audience_demographics",
                   "online_followers", "tags", "content_publishing_limit", "account_snapshots"):  # fmt: skip
        assert first.counts[stream] > 0, stream

    demo.control.advance(86400)
    new_ids = set(
        demo.control.add_media(account_id=demo.acme, count=2, comments_per_media=3)["media"]
    )
    demo.control.reset_stats()
    second = run_tap(config, first.state)
    stats = demo.control.stats()
    assert stats["requests_total"] <= NEXT_DAY_BUDGET, stats["requests_by_path"]
    assert stats["requests_total"] == 8  # 7 + debug_token
    media_ids = {r["id"] for r in second.records("media")}
    assert new_ids <= media_ids
    assert new_ids <= {r["media_id"] for r in second.records("media_insights")}
    assert len([c for c in second.records("comments") if c["media_id"] in new_ids]) == 6
    # nothing older than the refresh window comes back
    assert len(media_ids) < len({r["id"] for r in first.records("media")})


def test_page_size_sets_the_media_page_and_every_page_is_followed(
    demo: Demo, config: dict[str, Any]
) -> None:
    full = run_tap(config)
    demo.control.reset_stats()
    small = run_tap({**config, "page_size": 10})
    paths = demo.control.stats()["requests_by_path"]
    media = len(full.records("media"))
    assert media > 20 and paths["GET /{ig-user-id}/media"] == -(-media // 10)  # ceil: all pages
    assert {r["id"] for r in small.records("media")} == {r["id"] for r in full.records("media")}


def test_graph_calls_of_a_first_sync_and_the_account_totals_cap(
    demo: Demo, config: dict[str, Any]
) -> None:
    demo.control.reset_stats()
    full = run_tap(config)
    full_calls = demo.control.stats()["graph_calls"]
    days = {r["date"] for r in full.records("account_insights_totals")}
    # recorded figures: 90 days of account totals at 4 calls a day are 360 of the 481 (the
    # oldest day has no totals, and Graph leaves about one day in 89 without data); 489 while
    # each demographics metric had calls of its own
    assert full_calls == 481 and 86 <= len(days) <= 89
    demo.control.reset_stats()
    capped = run_tap({**config, "account_totals_days": 28})
    assert demo.control.stats()["graph_calls"] == full_calls - (90 - 28) * 4 == 233
    # the last 28 complete UTC days (a day Graph left without data stays missing)
    today = demo.control.now() // 86400 * 86400
    first = datetime.fromtimestamp(today - 28 * 86400, UTC).date().isoformat()
    assert {r["date"] for r in capped.records("account_insights_totals")} == {
        d for d in days if d >= first
    }
    for stream in full.counts:  # every other stream keeps every record
        if stream != "account_insights_totals":
            assert capped.counts[stream] == full.counts[stream], stream


def test_a_default_first_sync_of_the_demo_account_costs_263_graph_calls(demo: Demo) -> None:
    # recorded figure (271 while each demographics metric had calls of its own): the floor is
    # bench/README.md's arithmetic (30 days of totals at 4 calls, 2 calls per feed media, …)
    config = {"access_token": demo.fb_token, "api_url": demo.base, "ig_user_ids": [demo.acme]}
    demo.control.reset_stats()
    run = run_tap(config)
    assert demo.control.stats()["graph_calls"] == 263
    metrics = {r["metric"] for r in run.records("audience_demographics")}
    assert metrics == {"follower_demographics", "engaged_audience_demographics",
                       "reached_audience_demographics"}  # fmt: skip


def test_demographics_that_share_a_call_lose_only_the_metric_graph_refuses(
    demo: Demo, config: dict[str, Any]
) -> None:
    clean = run_tap(config)
    demo.control.add_fault(
        kind="reject_metric", every=1, params={"metric": "engaged_audience_demographics"}
    )
    run = run_tap(config)

    def keys(r: Any, metric: str) -> set[tuple[str, str, str]]:
        return {(x["timeframe"], x["breakdown"], x["key"]) for x in r.records("audience_demographics")
                if x["metric"] == metric}  # fmt: skip

    assert keys(run, "follower_demographics") == keys(clean, "follower_demographics") != set()
    assert keys(run, "reached_audience_demographics") == keys(
        clean, "reached_audience_demographics"
    )
    assert keys(run, "engaged_audience_demographics") == set()
