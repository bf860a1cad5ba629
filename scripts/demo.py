"""`make demo`: the sandbox, `meltano run tap-instagram target-jsonl`, DuckDB, and a short report.

Starts the demo sandbox in this process on a free port (or DEMO_SANDBOX_PORT), with the real
clock, runs the pipeline in Meltano's `dev` environment with the sandbox's starter token and URL,
stops the sandbox, checks that every record the tap emitted landed (one JSON line each, under
output/jsonl; it fails loudly on any difference), loads the files into output/demo.duckdb and
prints rows per table, the top posts by reach and the follower trend read back from DuckDB. The `dev` environment copies the demo's pictures (and a 400×400 square of
each) under output/media; the report counts the CDN downloads and the files stored. Run it twice:
Meltano keeps the tap's state, so the second run is incremental, makes fewer requests and
downloads no file already stored. Webhooks too: a receiver in this process takes the sandbox's
deliveries (two mentions, comments on an old post, the final insights of expired stories) into
output/webhooks.sqlite, the dev environment's webhook_store, and the tap reads them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import landing
import requests

from instagram_sandbox.server import SandboxClient, SandboxServer
from instagram_webhooks.receiver import Receiver
from instagram_webhooks.serving import running
from instagram_webhooks.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("DEMO_SANDBOX_PORT", "0"))  # 0: a free port
DUCKDB = ROOT / "output" / "demo.duckdb"
MEDIA = ROOT / "output" / "media"  # the dev environment's media_files_url
HOOKS = ROOT / "output" / "webhooks.sqlite"  # the dev environment's webhook_store
JSONL = ROOT / "output" / "jsonl"  # the dev environment's target-jsonl destination_path


def report(con: duckdb.DuckDBPyConnection) -> None:
    """Rows per table, top posts by reach, the follower trend."""
    print("Rows per table")
    for (name,) in con.execute("select table_name from information_schema.tables "
                               "where table_schema = 'instagram' order by 1").fetchall():  # fmt: skip
        total = con.execute(f'select count(*) from instagram."{name}"').fetchone()  # noqa: S608
        print(f"  {name:<28} {total[0] if total else 0:>8}")
    print("\nTop posts by reach")
    for caption, kind, reach in con.execute("""
        select coalesce(m.caption, ''), m.media_type, max(i.value) as reach
        from instagram.media_insights i join (select distinct id, caption, media_type from instagram.media) m
          on m.id = i.media_id
        where i.metric = 'reach' group by 1, 2 order by reach desc limit 5""").fetchall():
        print(f"  {int(reach):>7}  {kind:<15} {caption[:50]}")
    print("\nFollowers (last 7 days)")
    for day, followers in con.execute("""select snapshot_date, max(followers_count)
        from instagram.account_snapshots group by 1 order by 1 desc limit 7""").fetchall():
        print(f"  {day}  {followers}")


def send_webhooks(control: SandboxClient) -> int:
    """Deliveries of the sandbox to a receiver in this process; the new events stored."""
    HOOKS.parent.mkdir(exist_ok=True)
    store = SqliteStore(HOOKS)
    before = store.count()
    apps = control.tokens()["apps"]
    acct = control.tokens()["accounts"][0]
    try:
        with running(Receiver(store, apps["facebook"]["app_secret"], "demo")) as url:
            control.webhooks("POST", "", {"callback_url": url, "verify_token": "demo"})
            requests.post(f"{control.base_url}/{acct['account_id']}/subscribed_apps", timeout=30,
                          data={"subscribed_fields": "comments,mentions,story_insights"},
                          headers={"Authorization": f"Bearer {acct['access_token']}"}).raise_for_status()  # fmt: skip
            control.mention(acct["account_id"], count=2)
            oldest = control.add_media(
                account_id=acct["account_id"], count=1, age_seconds=200 * 86400
            )
            control.add_media(media_id=oldest["media"][0], comments=3)
            control.webhooks("POST", "/flush")
        return store.count() - before
    finally:
        store.close()


def main() -> int:
    """Run the demo; the exit status is that of the first step that failed."""
    meltano = (
        sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".tools" / "meltano" / "bin" / "meltano")
    )
    try:
        sandbox = SandboxServer("demo", 1, port=PORT).start()
    except RuntimeError as exc:
        print(f"{exc}: is something else listening there? Set DEMO_SANDBOX_PORT to a free port, "
              "or leave it unset to pick one")  # fmt: skip
        return 1
    try:
        control = sandbox.client()
        hooks = send_webhooks(control)
        token = control.tokens()["accounts"][0]["access_token"]
        env = {**os.environ, "TAP_INSTAGRAM_ACCESS_TOKEN": token, "MELTANO_ENVIRONMENT": "dev",
               "TAP_INSTAGRAM_API_URL": sandbox.base_url}  # fmt: skip
        DUCKDB.parent.mkdir(exist_ok=True)
        before = landing.lines(JSONL) if JSONL.exists() else {}
        started = time.monotonic()
        run = subprocess.run([meltano, "run", "tap-instagram", "target-jsonl"], cwd=ROOT, env=env,
                             capture_output=True, text=True)  # fmt: skip
        seconds = time.monotonic() - started
        if run.returncode != 0:
            print(run.stderr[-4000:])
            print("meltano run failed")
            return run.returncode
        stats = control.stats()
    finally:
        sandbox.stop()
    lost = landing.check(landing.emitted(run.stderr), before, landing.lines(JSONL))
    if lost:
        print("Records were lost on the way to output/jsonl:\n  " + "\n  ".join(lost))
        return 1
    print(
        f"meltano run tap-instagram target-jsonl: {stats['requests_total']} Graph API requests, "
        f"{seconds:.1f} s (sandbox on {sandbox.base_url})"
    )
    downloads = sum(stats.get("downloads_by_status", {}).values())
    stored = sum(1 for p in MEDIA.rglob("*") if p.is_file() and p.name != "files.json")
    print(f"Media files: {downloads} CDN downloads this run; {stored} files (originals and 400×400 "
          f"squares) under {MEDIA.relative_to(ROOT)}")  # fmt: skip
    print(f"Webhooks: {hooks} events received this run into {HOOKS.relative_to(ROOT)} "
          "(mentions, comments on an old post, final story insights); the tap read them")  # fmt: skip
    DUCKDB.unlink(missing_ok=True)  # made afresh from every line of the files
    landing.build(JSONL, DUCKDB)
    print(
        f"Every record landed ({sum(landing.lines(JSONL).values())} lines under "
        f"{JSONL.relative_to(ROOT)}); DuckDB file: {DUCKDB.relative_to(ROOT)}\n"
    )
    with duckdb.connect(str(DUCKDB), read_only=True) as con:
        report(con)
    return 0


if __name__ == "__main__":
    sys.exit(main())
