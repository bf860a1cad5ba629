"""`meltano run tap-instagram target-postgres` into a real PostgreSQL, twice; state; --test."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from postgres import postgres_env, sql

from instagram_sandbox.server import SandboxServer, running_sandbox
from instagram_sandbox.testing import demo_for
from instagram_webhooks import open_store
from instagram_webhooks.receiver import Receiver
from instagram_webhooks.serving import running

from .conftest import Meltano

STREAM_KEYS = {
    "accounts": ["id"], "account_snapshots": ["account_id", "snapshot_date"], "media": ["id"],
    "media_children": ["media_id", "id"], "comments": ["id"], "stories": ["id"],
    "media_insights": ["media_id", "metric", "breakdown", "breakdown_value", "snapshot_date"],
    "story_insights": ["story_id", "metric", "breakdown", "breakdown_value", "snapshot_date"],
    "account_insights": ["account_id", "metric", "period", "end_time"],
    "account_insights_totals": ["account_id", "metric", "date", "breakdown", "breakdown_value"],
    "audience_demographics": ["account_id", "metric", "timeframe", "breakdown", "key", "snapshot_date"],
    "online_followers": ["account_id", "date", "hour"], "tags": ["account_id", "id"],
    "hashtags": ["id"], "hashtag_media": ["hashtag_id", "id", "kind"],
    "business_discovery": ["username", "snapshot_date"], "business_discovery_media": ["id"],
    "content_publishing_limit": ["account_id", "snapshot_time"],
    "media_files": ["account_id", "media_id", "rendition"],
    "webhook_events": ["id"], "story_insights_final": ["story_id", "metric"], "mentions": ["id"],
}  # fmt: skip


def primary_keys(dsn: str, schema: str) -> dict[str, list[str]]:
    rows = sql(dsn, f"""
        select tc.table_name, kcu.column_name from information_schema.table_constraints tc
        join information_schema.key_column_usage kcu
          on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
        where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = '{schema}'
        order by tc.table_name, kcu.ordinal_position""")  # fmt: skip
    keys: dict[str, list[str]] = {}
    for table, column in rows:
        keys.setdefault(table, []).append(column)
    return keys


def count(dsn: str, query: str) -> int:
    return int(sql(dsn, query)[0][0])


@pytest.fixture
def tap_env(sandbox: SandboxServer, pg_dsn: str) -> dict[str, str]:
    demo = demo_for(sandbox)
    return {**postgres_env("TARGET_POSTGRES", pg_dsn),
        "TAP_INSTAGRAM_API_URL": demo.base, "TAP_INSTAGRAM_ACCESS_TOKEN": demo.fb_token,
        "TAP_INSTAGRAM_HASHTAGS": '["coffee"]',
        "TAP_INSTAGRAM_BUSINESS_DISCOVERY_USERNAMES": '["bluebottle"]',
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": f"ig_{uuid.uuid4().hex[:8]}",
    }  # fmt: skip


def test_every_stream_lands_with_its_key_and_a_second_run_adds_only_new_rows(
    sandbox: SandboxServer, pg_dsn: str, meltano_db: Path, tap_env: dict[str, str]
) -> None:
    schema = tap_env["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"]
    # Webhooks into a PostgreSQL store (its own schema): a mention and two stories' final insights.
    sql(pg_dsn, f"create schema hooks_{schema}")
    store_url = f"{pg_dsn}{'&' if '?' in pg_dsn else '?'}options=-csearch_path%3Dhooks_{schema}"
    store = open_store(store_url)
    demo = demo_for(sandbox)
    with running(Receiver(store, str(demo.apps["facebook"]["app_secret"]), "v")) as url:
        demo.ok(
            demo.post(f"/{demo.acme}/subscribed_apps", subscribed_fields="mentions,story_insights")
        )
        assert sandbox.client().webhooks("POST", "", {"callback_url": url, "verify_token": "v"})[
            "verified"
        ]
        sandbox.client().mention(demo.acme)
        assert sandbox.client().webhooks("POST", "/flush")["pending"] == 0
    assert store.count() == 3
    store.close()
    meltano = Meltano(meltano_db, {**tap_env, "TAP_INSTAGRAM_WEBHOOK_STORE": store_url})
    state_id = f"test-{schema}"
    meltano("run", "--state-id-suffix", state_id, "tap-instagram", "target-postgres")
    assert primary_keys(pg_dsn, schema) == STREAM_KEYS
    assert count(pg_dsn, f"select count(*) from {schema}.webhook_events") == 3
    assert count(pg_dsn, f"select count(*) from {schema}.mentions where enriched") == 1
    assert count(pg_dsn, f"select count(distinct story_id) from {schema}.story_insights_final") == 2
    media_before = count(pg_dsn, f"select count(*) from {schema}.media")
    assert media_before == 72  # 60 + 12 media of the two accounts the token reaches
    comments_before = count(pg_dsn, f"select count(*) from {schema}.comments")

    control = sandbox.client()
    acme = demo_for(sandbox).acme
    added = control.add_media(account_id=acme, count=3, comments_per_media=2)
    control.advance(86400)
    meltano("run", "--state-id-suffix", state_id, "tap-instagram", "target-postgres")
    assert count(pg_dsn, f"select count(*) from {schema}.media") == media_before + 3
    assert count(pg_dsn, f"select count(*) from {schema}.media where id in "
                 f"({','.join(repr(m) for m in added['media'])})") == 3  # fmt: skip
    assert count(pg_dsn, f"select count(*) from {schema}.comments") == comments_before + 6
    assert count(pg_dsn, f"select count(*) from {schema}.webhook_events") == 3  # read once
    for table, keys in (("media", "id"), ("comments", "id"),
                        ("account_insights", "account_id, metric, period, end_time")):  # fmt: skip
        assert (
            count(pg_dsn, f"select count(*) - count(distinct ({keys})) from {schema}.{table}") == 0
        )

    states = meltano("state", "list").stdout
    [full_id] = [line.strip() for line in states.splitlines() if state_id in line]
    bookmarks = meltano.state(full_id)["singer_state"]["bookmarks"]
    partitions = bookmarks["media"]["partitions"]
    assert {p["context"]["account_id"] for p in partitions} == {acme, demo_for(sandbox).bakery}
    assert all(p.get("replication_key_value") for p in partitions)


def test_invoke_test_and_config_test(
    sandbox: SandboxServer, meltano_db: Path, tap_env: dict[str, str]
) -> None:
    meltano = Meltano(meltano_db, tap_env)
    assert meltano("invoke", "tap-instagram", "--test").returncode == 0
    tested = meltano("config", "test", "tap-instagram")
    assert "Plugin configuration is valid" in tested.stdout
    bad = Meltano(meltano_db, {**tap_env, "TAP_INSTAGRAM_ACCESS_TOKEN": "EAAnot-a-token"})
    assert bad("config", "test", "tap-instagram", check=False).returncode != 0


def test_batch_messages_land_the_same_rows_as_record_messages(
    pg_dsn: str, meltano_db: Path, tap_env: dict[str, str], tmp_path: Path
) -> None:
    """`batch_config`: gzipped JSONL files and BATCH messages, loaded by target-postgres."""
    folder = tmp_path / "batches"
    folder.mkdir()
    batch_config = {"encoding": {"format": "jsonl", "compression": "gzip"},
                    "storage": {"root": folder.as_uri(), "prefix": "demo-"}, "batch_size": 25}  # fmt: skip
    landed = {}
    with running_sandbox("demo", 1, frozen=True) as frozen:  # both runs read the very same data
        demo = demo_for(frozen)
        env = {
            **tap_env,
            "TAP_INSTAGRAM_API_URL": demo.base,
            "TAP_INSTAGRAM_ACCESS_TOKEN": demo.fb_token,
        }
        for name, extra in (
            ("records", {}),
            ("batches", {"TAP_INSTAGRAM_BATCH_CONFIG": json.dumps(batch_config)}),
        ):
            schema = f"{tap_env['TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA']}_{name}"
            meltano = Meltano(
                meltano_db, {**env, **extra, "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema}
            )
            meltano(
                "run",
                "--state-id-suffix",
                f"{tmp_path.name}-{name}",
                "tap-instagram",
                "target-postgres",
            )
            landed[name] = {
                table: count(pg_dsn, f"select count(*) from {schema}.{table}")
                for table in STREAM_KEYS
            }
            # the two newest days are unsettled (48 h): the sandbox moves their figures between two
            # reads, and a breakdown lists only its non-zero buckets
            landed[name]["account_insights_totals"] = count(pg_dsn, (
                f"select count(*) from {schema}.account_insights_totals where date::date < "
                f"(select max(date::date) - 1 from {schema}.account_insights_totals)"))  # fmt: skip
    assert landed["batches"] == landed["records"]
    assert landed["records"]["media"] == 72 and landed["records"]["comments"] > 25  # several files
    files = list(folder.glob("demo-*"))
    assert len(files) > len(STREAM_KEYS), (
        files
    )  # streams over 25 records were cut into several files
