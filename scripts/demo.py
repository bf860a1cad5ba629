"""`make demo`: the sandbox, `meltano run tap-instagram target-duckdb`, and a short report.

Starts the demo sandbox in this process on a free port (or DEMO_SANDBOX_PORT), with the real
clock, runs the pipeline in Meltano's `dev` environment with the sandbox's starter token and URL,
stops the sandbox, and prints rows per table, the top posts by reach and the follower trend read
back from DuckDB. The `dev` environment copies the demo's pictures (and a 400×400 square of
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
REPORT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute("select table_name from information_schema.tables where table_schema = 'instagram' order by 1").fetchall()
print("Rows per table")
for (name,) in rows:
    print(f"  {name:<28} {con.execute(f'select count(*) from instagram.{name}').fetchone()[0]:>8}")
print("\\nTop posts by reach")
for caption, kind, reach in con.execute('''
    select coalesce(m.caption, ''), m.media_type, max(i.value) as reach
    from instagram.media_insights i join instagram.media m on m.id = i.media_id
    where i.metric = 'reach' group by 1, 2 order by reach desc limit 5''').fetchall():
    print(f"  {int(reach):>7}  {kind:<15} {caption[:50]}")
print("\\nFollowers (last 7 days)")
for day, followers in con.execute('''
    select snapshot_date, max(followers_count) from instagram.account_snapshots
    group by 1 order by 1 desc limit 7''').fetchall():
    print(f"  {day}  {followers}")
for end_time, value in con.execute('''
    select end_time, sum(value) from instagram.account_insights
    where metric = 'follower_count' group by 1 order by 1 desc limit 7''').fetchall():
    print(f"  {str(end_time)[:10]}  {int(value):+d} new followers")
"""


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
        started = time.monotonic()
        run = subprocess.run([meltano, "run", "tap-instagram", "target-duckdb"], cwd=ROOT, env=env,
                             capture_output=True, text=True)  # fmt: skip
        seconds = time.monotonic() - started
        if run.returncode != 0:
            print(run.stderr[-4000:])
            print("meltano run failed")
            return run.returncode
        stats = control.stats()
    finally:
        sandbox.stop()
    print(
        f"meltano run tap-instagram target-duckdb: {stats['requests_total']} Graph API requests, "
        f"{seconds:.1f} s (sandbox on {sandbox.base_url})"
    )
    downloads = sum(stats.get("downloads_by_status", {}).values())
    stored = sum(1 for p in MEDIA.rglob("*") if p.is_file() and p.name != "files.json")
    print(f"Media files: {downloads} CDN downloads this run; {stored} files (originals and 400×400 "
          f"squares) under {MEDIA.relative_to(ROOT)}")  # fmt: skip
    print(f"Webhooks: {hooks} events received this run into {HOOKS.relative_to(ROOT)} "
          "(mentions, comments on an old post, final story insights); the tap read them")  # fmt: skip
    print(f"DuckDB file: {DUCKDB.relative_to(ROOT)}\n")
    python = ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    return subprocess.run([str(python), "-c", REPORT, str(DUCKDB)], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
