"""Webhook streams end to end over real HTTP: sandbox sender → receiver → store → tap."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.testing import Demo
from instagram_webhooks.store import SqliteStore

from .conftest import demo_config, run_tap
from .test_selection import only

STREAMS = ("webhook_events", "story_insights_final", "mentions", "comments")


def _config(demo: Demo, store: SqliteStore, **more: Any) -> dict[str, Any]:
    return demo_config(demo, webhook_store=f"sqlite:///{store.path}", **more)


def _oldest_media(demo: Demo) -> str:
    media = demo.ok(demo.get(f"/{demo.acme}/media", fields="id,timestamp", limit=100))["data"]
    return str(media[-1]["id"])  # 119 days old: outside the 90-day start_date


def test_events_mentions_story_insights_and_comments_from_webhooks(
    demo: Demo, store: SqliteStore
) -> None:
    old = _oldest_media(demo)
    made = demo.control.add_media(media_id=old, comments=3)["comments"]
    demo.control.add_media(comment_id=made[0], replies=1)
    mentions = demo.control.mention(demo.acme, count=2)
    caption = demo.control.mention(demo.acme, where="caption")
    live = demo.ok(demo.get(f"/{demo.acme}/stories", fields="id,timestamp"))["data"]
    demo.control.advance(30 * 3600)  # every live story expires: Meta sends their final insights
    assert demo.control.webhooks("POST", "/flush")["pending"] == 0
    config = _config(demo, store)
    run = run_tap(config, catalog=only(config, *STREAMS))

    events = run.records("webhook_events")
    assert len(events) == store.count() and len({e["id"] for e in events}) == len(events)
    assert {e["field"] for e in events} == {"comments", "mentions", "story_insights"}

    finals = run.records("story_insights_final")
    stories = {e["object_id"] for e in events if e["field"] == "story_insights"}
    assert {f["story_id"] for f in finals} == stories and len(stories) == 5
    assert len({(f["story_id"], f["metric"]) for f in finals}) == len(finals)
    assert {"reach", "replies", "taps_forward"} <= {f["metric"] for f in finals}
    for story in live:  # sent when the story expired, on the sandbox clock
        expired = datetime.strptime(story["timestamp"], "%Y-%m-%dT%H:%M:%S%z") + timedelta(days=1)
        times = {f["event_time"] for f in finals if f["story_id"] == story["id"]}
        assert times == {expired.astimezone(UTC).isoformat()}

    found = {m["id"]: m for m in run.records("mentions")}
    expected = [m["comment_id"] for m in mentions] + [caption[0]["media_id"]]
    assert sorted(found) == sorted(expected)
    assert all(m["enriched"] and "@acmecoffee" in m["text"] for m in found.values())
    assert found[caption[0]["media_id"]]["kind"] == "caption"

    comments = run.records("comments")
    ids = [c["id"] for c in comments]
    assert len(ids) == len(set(ids))  # the window's and the webhooks' merged on the key
    from_hooks = {c["id"]: c for c in comments if c["media_id"] == old}
    assert set(made) <= set(from_hooks) and all(from_hooks[m]["timestamp"] for m in made)
    assert from_hooks[made[0]]["replies_count"] == 1


def test_each_event_is_emitted_once_across_incremental_runs(demo: Demo, store: SqliteStore) -> None:
    old = _oldest_media(demo)
    demo.control.add_media(media_id=old, comments=4)
    demo.control.webhooks("POST", "/flush")
    demo.control.webhooks("POST", "/replay", {"times": 2})  # Meta sends it again: stored once
    config = _config(demo, store)
    catalog = only(config, "webhook_events")
    first = run_tap(config, catalog=catalog)
    assert len(first.records("webhook_events")) == store.count() >= 4
    demo.control.add_media(media_id=old, comments=2)
    demo.control.webhooks("POST", "/flush")
    second = run_tap(config, state=first.state, catalog=catalog)
    assert [e["field"] for e in second.records("webhook_events")] == ["comments", "comments"]
    third = run_tap(config, state=second.state, catalog=catalog)
    assert third.records("webhook_events") == []


def test_the_run_summary_counts_webhook_records(
    demo: Demo, store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    demo.control.mention(demo.acme, count=2)
    demo.control.webhooks("POST", "/flush")
    config = _config(demo, store)
    run = run_tap(config, catalog=only(config, "webhook_events", "mentions"))
    summary = next(r.getMessage() for r in caplog.records if "run summary" in r.getMessage())
    assert f"mentions {len(run.records('mentions'))}" in summary
    assert f"webhook_events {len(run.records('webhook_events'))}" in summary


def test_off_without_a_store_and_skipped_with_a_warning_when_unreadable(
    demo: Demo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = demo_config(demo)
    run = run_tap(config, catalog=only(config, "webhook_events", "mentions", "media"))
    assert run.records("webhook_events") == [] and run.records("media")
    bad = demo_config(demo, webhook_store="postgresql://nobody@127.0.0.1:1/none")
    run = run_tap(bad, catalog=only(bad, "webhook_events", "media"))
    assert run.records("webhook_events") == [] and run.records("media")
    assert "webhook_store unreadable" in caplog.text and "skipped" in caplog.text


def test_only_the_first_share_of_workers_emits_the_store(demo: Demo, store: SqliteStore) -> None:
    demo.control.mention(demo.acme)
    demo.control.webhooks("POST", "/flush")
    config = _config(demo, store, partition_count=2, partition_index=1)
    assert run_tap(config, catalog=only(config, "webhook_events")).records("webhook_events") == []
