"""`make demo`: the sandbox, `meltano run tap-instagram target-jsonl`, dbt on DuckDB, a report.

Starts the demo sandbox in this process on a free port (or DEMO_SANDBOX_PORT), with the real
clock, and a webhook receiver that takes the sandbox's deliveries (two mentions, comments on an old
post, the final insights of expired stories) into output/webhooks.sqlite. Runs the pipeline in
Meltano's `dev` environment with the sandbox's starter token and URL (the tap reads the webhook
store too, and copies the demo's pictures and 400×400 squares under output/media), stops the
sandbox, checks that every record the tap emitted landed (one JSON line each under output/jsonl;
it fails naming each stream that differs), loads the files into output/demo.duckdb, builds and
tests the dbt project (transform/) there, and writes output/report.html with its PNG charts. Run
it twice: Meltano keeps the tap's state, so the second run is incremental, makes fewer requests
and downloads no file already stored.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import landing
import report
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


def send_webhooks(control: SandboxClient, tokens: dict[str, Any]) -> int:
    """Deliveries of the sandbox to a receiver in this process; the new events stored."""
    HOOKS.parent.mkdir(exist_ok=True)
    store = SqliteStore(HOOKS)
    before = store.count()
    apps, acct = tokens["apps"], tokens["accounts"][0]
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
        tokens = control.tokens()
        hooks = send_webhooks(control, tokens)
        token = tokens["accounts"][0]["access_token"]
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
    emitted_now, landed = landing.emitted(run.stderr), landing.lines(JSONL)
    lost = landing.check(emitted_now, before, landed)
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
    print(f"Every record landed: {sum(emitted_now.values()):,} this run "
          f"({sum(landed.values()):,} lines under {JSONL.relative_to(ROOT)})")  # fmt: skip
    DUCKDB.unlink(missing_ok=True)  # made afresh from every line of the files
    landing.build(JSONL, DUCKDB)
    dbt = subprocess.run([meltano, "invoke", "dbt-duckdb:build"], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "MELTANO_ENVIRONMENT": "dev"})  # fmt: skip
    summary = [line for line in dbt.stdout.splitlines() if "Done. PASS=" in line]
    if dbt.returncode != 0 or not summary:
        print(dbt.stdout[-4000:] + dbt.stderr[-2000:])
        print("dbt build failed")
        return dbt.returncode or 1
    print(f"dbt build (transform/, 5 marts): {summary[-1].split('Done. ', 1)[1]}")
    page = report.write(DUCKDB, ROOT / "output", landed, opt_in_notes(landed))
    print(f"Report: {page.relative_to(ROOT)} (and its PNG charts beside it); DuckDB file: "
          f"{DUCKDB.relative_to(ROOT)}")  # fmt: skip
    return 0


# Streams that land nothing until their setting is given (so an empty table is never a mystery).
OPT_IN = {"hashtags": "hashtags", "hashtag_media": "hashtags",
          "business_discovery": "business_discovery_usernames",
          "business_discovery_media": "business_discovery_usernames", "media_files": "media_files_url",
          "webhook_events": "webhook_store", "mentions": "webhook_store",
          "story_insights_final": "webhook_store"}  # fmt: skip


def opt_in_notes(landed: dict[str, int]) -> list[str]:
    """A line per opt-in stream with no rows: which setting turns it on."""
    return [f"{stream}: no rows — it is opt-in; set `{setting}` in tap-instagram's config"
            for stream, setting in OPT_IN.items() if not landed.get(stream)]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
