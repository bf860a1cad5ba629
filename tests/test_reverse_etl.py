"""Reverse ETL: a PostgreSQL table of operations → `meltano run tap-postgres target-instagram`."""

from __future__ import annotations

import uuid
from pathlib import Path

from postgres import postgres_env, sql

from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import demo_for

from .conftest import Meltano


def test_operations_table_applied_exactly_once(
    sandbox: SandboxServer, pg_dsn: str, meltano_db: Path, tmp_path: Path
) -> None:
    demo = demo_for(sandbox)
    control = sandbox.client()
    made = control.add_media(account_id=demo.acme, count=2, comments_per_media=3)
    c = made["comments"]
    schema = f"ops_{uuid.uuid4().hex[:8]}"
    sql(pg_dsn, f"""
        create schema {schema};
        create table {schema}.replies (op_id text primary key, comment_id text, message text,
                                       updated_at timestamptz not null default now());
        create table {schema}.execute (op_id text primary key, procedure text, params jsonb,
                                       updated_at timestamptz not null default now());
        create table {schema}.media (op_id text primary key, image_url text, caption text,
                                     updated_at timestamptz not null default now());
        create table {schema}.comments (op_id text primary key, comment_id text, action text,
                                        updated_at timestamptz not null default now());
        insert into {schema}.replies (op_id, comment_id, message)
            values ('reply-1', '{c[0]}', 'Thanks for coming by!');
        insert into {schema}.execute (op_id, procedure, params)
            values ('hide-1', 'hide_comment', '{{"comment_id": "{c[1]}"}}');
        insert into {schema}.media (op_id, image_url, caption)
            values ('post-1', 'https://cdn.example.com/weekend.jpg', 'Weekend hours');
        insert into {schema}.comments (op_id, comment_id, action)
            values ('delete-1', '{c[4]}', 'delete');
    """)  # fmt: skip
    meltano = Meltano(meltano_db, {
        **postgres_env("TAP_POSTGRES", pg_dsn), "TAP_POSTGRES_FILTER_SCHEMAS": f'["{schema}"]',
        "TARGET_INSTAGRAM_API_URL": demo.base, "TARGET_INSTAGRAM_ACCESS_TOKEN": demo.fb_token,
        "TARGET_INSTAGRAM_ACCOUNT_ID": demo.acme,
        "TARGET_INSTAGRAM_LEDGER_PATH": str(tmp_path / "ledger.sqlite"),
        "TARGET_INSTAGRAM_PUBLISH_POLL_TIMEOUT_SECONDS": "0",
    })  # fmt: skip
    meltano("run", "--state-id-suffix", schema, "tap-postgres", "target-instagram")
    writes = control.writes()
    kinds = sorted(w["kind"] for w in writes)
    assert kinds == ["comment.delete", "comment.hide", "comment.reply", "container.create",
                     "media.publish"]  # fmt: skip
    by_kind = {w["kind"]: w for w in writes}
    assert by_kind["comment.reply"]["object_id"] == c[0]
    assert by_kind["comment.reply"]["message"] == "Thanks for coming by!"
    assert by_kind["comment.hide"]["object_id"] == c[1]
    assert by_kind["comment.delete"]["object_id"] == c[4]

    control.reset_stats()
    meltano("run", "--state-id-suffix", schema, "tap-postgres", "target-instagram")
    assert len(control.writes()) == len(writes)  # nothing applied twice
    assert control.stats()["requests_total"] == 0  # incremental: no row was even sent again

    sql(pg_dsn, f"insert into {schema}.replies (op_id, comment_id, message) "
                f"values ('reply-2', '{c[2]}', 'See you soon')")  # fmt: skip
    meltano("run", "--state-id-suffix", schema, "tap-postgres", "target-instagram")
    assert [w["kind"] for w in control.writes()[len(writes) :]] == ["comment.reply"]
