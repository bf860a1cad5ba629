"""Per-stream behaviour: unique keys, valid records, parent ids, opt-in streams, both logins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from instagram_sandbox.testing import Demo
from instagram_webhooks.store import SqliteStore
from tap_instagram.schema_parts import TOTAL

from .conftest import Run, demo_config, run_tap


@pytest.fixture
def full_run(demo: Demo, tmp_path: Path, store: SqliteStore) -> Run:
    demo.control.mention(demo.acme)
    demo.control.webhooks("POST", "/flush")  # the demo's two expired stories: final insights
    return run_tap(
        demo_config(
            demo,
            hashtags=["coffee"],
            business_discovery_usernames=["bluebottle", "nobody.here"],
            media_files_url=str(tmp_path / "media"),
            webhook_store=str(store.path),
        )
    )


def test_every_stream_has_unique_keys_and_valid_records(full_run: Run) -> None:
    schemas = full_run.schemas()
    assert len(schemas) == 22
    for stream, message in schemas.items():
        keys = message["key_properties"]
        records = full_run.records(stream)
        assert records, stream
        seen = [tuple(r[k] for k in keys) for r in records]
        assert len(seen) == len(set(seen)), f"duplicate keys in {stream}"
        validator = jsonschema.Draft7Validator(
            message["schema"], format_checker=jsonschema.FormatChecker()
        )
        for record in records:
            errors = list(validator.iter_errors(record))
            assert not errors, f"{stream}: {errors[0].message}"
            assert all(record[k] not in (None,) for k in keys), f"{stream}: null key in {record}"


def test_children_comments_and_insights_carry_their_parent(full_run: Run) -> None:
    media = {r["id"]: r for r in full_run.records("media")}
    children = full_run.records("media_children")
    assert children and all(
        media[c["media_id"]]["media_type"] == "CAROUSEL_ALBUM" for c in children
    )
    assert all(media[c["media_id"]]["children_count"] == 3 for c in children)
    comments = full_run.records("comments")
    top = {c["id"] for c in comments if c["parent_id"] is None}
    replies = [c for c in comments if c["parent_id"] is not None]
    assert replies and all(r["parent_id"] in top for r in replies)
    assert all(c["media_id"] in media for c in comments)
    assert all(r["media_id"] in media for r in full_run.records("media_insights"))


def test_metrics_follow_product_type_and_skips_are_not_failures(full_run: Run) -> None:
    media = {r["id"]: r for r in full_run.records("media")}
    by_media: dict[str, set[str]] = {}
    for row in full_run.records("media_insights"):
        by_media.setdefault(row["media_id"], set()).add(row["metric"])
    reels = [m for m in by_media if media[m]["media_product_type"] == "REELS"]
    feed = [m for m in by_media if media[m]["media_product_type"] == "FEED"]
    assert reels and all("ig_reels_avg_watch_time" in by_media[m] for m in reels)
    assert feed and all(
        "profile_visits" in by_media[m] and "ig_reels_avg_watch_time" not in by_media[m]
        for m in feed
    )
    breakdowns = {r["breakdown"] for r in full_run.records("media_insights")}
    assert "action_type" in breakdowns
    stories = {r["story_id"] for r in full_run.records("story_insights")}
    assert len(stories) == 2  # the third story has fewer than 5 viewers: skipped, not fatal
    assert "story_navigation_action_type" in {
        r["breakdown"] for r in full_run.records("story_insights")
    }


def test_missing_data_is_null_never_zero_and_times_have_offsets(full_run: Run) -> None:
    for row in full_run.records("media"):
        assert row["timestamp"].endswith("+00:00")
        if row["media_type"] != "VIDEO":
            assert row["thumbnail_url"] is None
    assert all(r["end_time"].endswith("+00:00") for r in full_run.records("account_insights"))


def test_opt_in_discovery_streams(full_run: Run) -> None:
    assert [r["name"] for r in full_run.records("hashtags")] == ["coffee"]
    kinds = {r["kind"] for r in full_run.records("hashtag_media")}
    assert kinds == {"top", "recent"}
    profiles = full_run.records("business_discovery")
    assert [p["username"] for p in profiles] == ["bluebottle"]  # the unknown username is skipped
    assert len(full_run.records("business_discovery_media")) == 40


def test_opt_in_streams_cost_nothing_when_not_configured(demo: Demo) -> None:
    run = run_tap(demo_config(demo))
    assert (
        run.counts["hashtags"]
        == run.counts["hashtag_media"]
        == run.counts["business_discovery"]
        == 0
    )
    paths = demo.control.stats()["requests_by_path"]
    assert not any("hashtag" in p or "business" in p for p in paths)


def test_two_accounts_keep_their_own_bookmarks(demo: Demo) -> None:
    run = run_tap(demo_config(demo, ig_user_ids=[demo.acme, demo.bakery]))
    assert {r["account_id"] for r in run.records("media")} == {demo.acme, demo.bakery}
    partitions = run.state["bookmarks"]["media"]["partitions"]
    assert {p["context"]["account_id"] for p in partitions} == {demo.acme, demo.bakery}
    # the bakery has < 100 followers: its demographics are skipped, the acme ones are not
    assert {r["account_id"] for r in run.records("audience_demographics")} == {demo.acme}


def test_accounts_found_by_page_name(demo: Demo) -> None:
    config: dict[str, Any] = demo_config(demo, facebook_page_name="Acme Bakery")
    del config["ig_user_ids"]
    run = run_tap(config)
    assert [r["id"] for r in run.records("accounts")] == [demo.bakery]
    assert run.records("accounts")[0]["page_name"] == "Acme Bakery"


def test_instagram_login_account(demo: Demo) -> None:
    config = demo_config(demo, access_token=demo.ig_token, login="instagram", api_url=demo.ig_base)
    del config["ig_user_ids"]
    run = run_tap(config)
    assert [r["username"] for r in run.records("accounts")] == ["lena.creates"]
    assert run.counts["media"] > 0 and run.counts["media_insights"] > 0
    assert all(
        r["total_like_count"] is None for r in run.records("media")
    )  # Facebook-Login-only field


def test_instagram_login_sync_when_the_host_refuses_batches(demo: Demo) -> None:
    config = demo_config(demo, access_token=demo.ig_token, login="instagram", api_url=demo.ig_base)
    del config["ig_user_ids"]
    batched = run_tap(config)
    demo.control.configure(instagram_batch=False)
    demo.control.reset_stats()
    run = run_tap(config)
    assert demo.control.stats()["requests_by_path"].get("POST /") == 1
    for stream in ("media", "media_insights"):
        assert run.counts[stream] == batched.counts[stream] > 0, stream
    # Unsettled days move on every read (and a zero bucket is not listed), so the keys of the
    # totals are compared, not their breakdown rows.
    assert totals_keys(run) == totals_keys(batched) != set()


def totals_keys(run: Run) -> set[tuple[str, str]]:
    rows = run.records("account_insights_totals")
    return {(r["metric"], r["date"]) for r in rows if r["breakdown"] == TOTAL}


def test_v21_configuration_asks_only_for_v21_metrics(demo: Demo) -> None:
    run = run_tap(demo_config(demo, days=30, api_version="v21.0"))
    metrics = {r["metric"] for r in run.records("media_insights")}
    assert metrics and "views" not in metrics and "reach" in metrics
    assert "views" not in {r["metric"] for r in run.records("account_insights_totals")}


def test_carousel_children_carry_their_permalink(full_run: Run) -> None:
    children = full_run.records("media_children")
    assert children and all(
        c["permalink"].startswith("https://www.instagram.com/p/") for c in children
    )


def test_hashtags_carry_the_name_graph_gives(demo: Demo) -> None:
    run = run_tap(demo_config(demo, days=7, hashtags=["#CoffeeLovers"]))
    assert [r["name"] for r in run.records("hashtags")] == ["coffeelovers"]


def test_breakdown_values_come_as_graph_writes_them(full_run: Run) -> None:
    totals = {r["breakdown_value"] for r in full_run.records("account_insights_totals")
              if r["breakdown"] == "media_product_type"}  # fmt: skip
    assert totals and totals <= {"AD", "STORY", "REEL", "CAROUSEL_CONTAINER", "POST"}
    navigation = {r["breakdown_value"] for r in full_run.records("story_insights")
                  if r["breakdown"] == "story_navigation_action_type"}  # fmt: skip
    assert navigation and navigation <= {"tap_forward", "tap_back", "tap_exit", "swipe_forward"}


def test_records_already_conform(full_run: Run) -> None:
    """The tap skips the SDK's per-value conformance: its records must be what it would make."""
    import logging

    from singer_sdk.helpers._typing import conform_record_data_types
    from singer_sdk.helpers.conform import TypeConformanceLevel

    log = logging.getLogger("conformance-check")
    schemas = full_run.schemas()
    checked = 0
    for stream, message in schemas.items():
        for record in full_run.records(stream):
            conformed = conform_record_data_types(
                stream, dict(record), message["schema"], TypeConformanceLevel.RECURSIVE, log
            )
            assert conformed == record, stream
            checked += 1
    assert checked > 1000


def test_graph_timestamps_become_rfc3339_the_quick_way_and_the_long_way() -> None:
    from tap_instagram.schema_parts import rfc3339

    assert rfc3339("2026-05-04T07:00:00+0000") == "2026-05-04T07:00:00+00:00"
    assert rfc3339("2026-05-04T07:00:00.250000+0000") == "2026-05-04T07:00:00.250000+00:00"
    assert rfc3339("2026-05-04T09:00:00+0200") == "2026-05-04T09:00:00+02:00"
    assert rfc3339(0) == "1970-01-01T00:00:00+00:00" and rfc3339(None) is None
