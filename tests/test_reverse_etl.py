"""Reverse ETL: a PostgreSQL table of operations → `meltano run tap-postgres target-instagram`."""

from __future__ import annotations

import uuid
from pathlib import Path

from postgres import postgres_env, sql, sql_file

from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import demo_for

from .conftest import ROOT, Meltano


def test_operations_table_applied_exactly_once(
    sandbox: SandboxServer, pg_dsn: str, meltano_db: Path, tmp_path: Path
) -> None:
    demo = demo_for(sandbox)
    control = sandbox.client()
    made = control.add_media(account_id=demo.acme, count=2, comments_per_media=3)
    c = made["comments"]
    suffix = uuid.uuid4().hex[:8]
    invite = demo.ok(demo.get(f"/{demo.acme}/collaboration_invites"))["data"][0]["media_id"]
    schema = "ops"  # the schema meltano.yml's tap-postgres reads (filter_schemas)
    sql(pg_dsn, "drop schema if exists ops cascade")
    sql_file(pg_dsn, ROOT / "target-instagram" / "ops.sql")
    sql(pg_dsn, f"""
        create schema if not exists instagram;  -- landed data: must never be read as operations
        create table if not exists instagram.media (id text primary key, caption text,
                                                    updated_at timestamptz default now());
        insert into instagram.media values ('{made["media"][0]}', 'landed, not an operation')
            on conflict do nothing;
        insert into ops.replies (op_id, comment_id, message)
            values ('reply-1', '{c[0]}', 'Thanks for coming by!');
        insert into ops.execute (op_id, procedure, params)
            values ('hide-1', 'hide_comment', '{{"comment_id": "{c[1]}"}}');
        insert into ops.media (op_id, image_url, caption)
            values ('post-1', 'https://cdn.example.com/weekend.jpg', 'Weekend hours');
        insert into ops.comments (op_id, comment_id, action)
            values ('delete-1', '{c[4]}', 'delete');
        insert into ops.likes (op_id, media_id) values ('like-1', '{made["media"][1]}');
        insert into ops.collaboration_invites (op_id, media_id, accept)
            values ('invite-1', '{invite}', true);
    """)  # fmt: skip
    meltano = Meltano(meltano_db, {
        **postgres_env("TAP_POSTGRES", pg_dsn),
        "TARGET_INSTAGRAM_API_URL": demo.base, "TARGET_INSTAGRAM_ACCESS_TOKEN": demo.fb_token,
        "TARGET_INSTAGRAM_ACCOUNT_ID": demo.acme,
        "TARGET_INSTAGRAM_LEDGER_PATH": str(tmp_path / "ledger.sqlite"),
        "TARGET_INSTAGRAM_PUBLISH_POLL_TIMEOUT_SECONDS": "0",
    })  # fmt: skip
    meltano("run", "--state-id-suffix", suffix, "tap-postgres", "target-instagram")
    writes = control.writes()
    kinds = sorted(w["kind"] for w in writes)
    assert kinds == ["collaboration.accept", "comment.delete", "comment.hide", "comment.reply",
                     "container.create", "media.like", "media.publish"]  # fmt: skip
    by_kind = {w["kind"]: w for w in writes}
    assert by_kind["comment.reply"]["object_id"] == c[0]
    assert by_kind["comment.reply"]["message"] == "Thanks for coming by!"
    assert by_kind["comment.hide"]["object_id"] == c[1]
    assert by_kind["comment.delete"]["object_id"] == c[4]

    control.reset_stats()
    meltano("run", "--state-id-suffix", suffix, "tap-postgres", "target-instagram")
    assert len(control.writes()) == len(writes)  # nothing applied twice
    # tap-postgres sends the row at its bookmark again; the ledger skips it: no Graph request
    assert control.stats()["requests_total"] == 0

    sql(pg_dsn, f"insert into {schema}.replies (op_id, comment_id, message) "
                f"values ('reply-2', '{c[2]}', 'See you soon')")  # fmt: skip
    meltano("run", "--state-id-suffix", suffix, "tap-postgres", "target-instagram")
    assert [w["kind"] for w in control.writes()[len(writes) :]] == ["comment.reply"]
