"""The installed `tap-instagram` command: --about documents every setting; no secret in any output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from instagram_sandbox.testing import Demo
from tap_instagram.tap import TapInstagram

from .conftest import demo_config

SCRIPT = shutil.which("tap-instagram", path=str(Path(sys.executable).parent))


def config_file(tmp_path: Path, config: dict[str, Any]) -> Path:
    """The config as a file the command reads."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT is not None
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, check=False, timeout=120)


def test_about_markdown_documents_every_setting() -> None:
    out = run("--about", "--format=markdown")
    assert out.returncode == 0, out.stderr
    for name in TapInstagram.config_jsonschema["properties"]:
        assert f"| {name} |" in out.stdout, name
    assert "`test`" in out.stdout or "- `test`" in out.stdout


def test_discover_and_sync_without_leaking_the_token(demo: Demo, tmp_path: Path) -> None:
    config = config_file(tmp_path, demo_config(demo, days=7))
    catalog = run("--config", str(config), "--discover")
    assert catalog.returncode == 0, catalog.stderr
    assert len(json.loads(catalog.stdout)["streams"]) == 22
    sync = run("--config", str(config))
    assert sync.returncode == 0, sync.stderr[-2000:]
    assert '"stream":"media"' in sync.stdout.replace(" ", "")
    for text in (catalog.stdout, catalog.stderr, sync.stdout, sync.stderr):
        assert demo.fb_token not in text


def test_bad_config_names_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "access_token": "EAAxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                "metrics": {"media_feed": ["impressions"]},
            }
        )
    )
    out = run("--config", str(config), "--discover")
    assert out.returncode != 0
    assert "metrics.media_feed" in out.stderr and "retired" in out.stderr


def test_an_expired_token_stops_the_run_with_its_date_and_the_commands(
    demo: Demo, tmp_path: Path
) -> None:
    config = config_file(tmp_path, demo_config(demo, days=7))
    demo.control.add_fault(kind="expired_token", path="/{ig-user-id}/media", count=1)
    sync = run("--config", str(config))
    assert sync.returncode != 0
    last = sync.stderr.strip().splitlines()[-1]
    assert "Traceback" not in sync.stderr, sync.stderr[-3000:]
    assert "expired on " in last and "cannot be refreshed" in last, last
    assert "instagram-auth url" in last and "instagram-auth exchange CODE" in last, last
    assert demo.fb_token not in sync.stderr


def test_connection_test_says_which_streams_the_token_serves(demo: Demo, tmp_path: Path) -> None:
    token = demo.control.issue_token(
        demo.acme, scopes=["instagram_basic", "pages_show_list", "pages_read_engagement"]
    )
    config = config_file(tmp_path, demo_config(demo, days=7, access_token=token))
    out = run("--config", str(config), "--test")
    assert out.returncode == 0, out.stderr[-2000:]
    line = next(x for x in out.stderr.splitlines() if "connection test: account" in x)
    served, not_served = line.split("the token serves ", 1)[1].split("; not served: ")
    assert {"accounts", "media", "stories"} <= set(served.split(", "))
    assert "media_insights (missing permission instagram_manage_insights)" in not_served
    assert "comments (missing permission instagram_manage_comments)" in not_served
    assert "content_publishing_limit (missing permission instagram_content_publish)" in not_served
    assert token not in out.stderr


def test_a_field_of_the_wrong_type_stops_with_the_endpoint_and_field(
    demo: Demo, tmp_path: Path
) -> None:
    config = config_file(tmp_path, demo_config(demo, days=7))
    demo.control.add_fault(kind="wrong_type", path="/{ig-user-id}/media", every=1,
                           params={"field": "media_type", "value": 5})  # fmt: skip
    sync = run("--config", str(config))
    assert sync.returncode == 1 and "Traceback" not in sync.stderr, sync.stderr[-3000:]
    last = sync.stderr.strip().splitlines()[-1]
    assert f"GET /{demo.acme}/media" in last and ".media_type` is a number" in last, last


def test_a_long_throttle_ends_the_run_cleanly_with_state_for_what_is_done(
    demo: Demo, tmp_path: Path
) -> None:
    config = config_file(tmp_path, demo_config(demo, days=7))
    demo.control.add_fault(kind="throttle", path="/{ig-user-id}/media", count=1,
                           params={"code": 80002, "regain_minutes": 120})  # fmt: skip
    sync = run("--config", str(config))  # would sleep two hours without the budget
    assert sync.returncode == 1 and "Traceback" not in sync.stderr, sync.stderr[-2000:]
    last = sync.stderr.strip().splitlines()[-1]
    assert "max_throttle_wait_seconds" in last and "120 more minute" in last, last
    states = [
        json.loads(x) for x in sync.stdout.splitlines() if '"type":"STATE"' in x.replace(" ", "")
    ]
    assert states and "accounts" in states[-1]["value"]["bookmarks"]  # done streams are saved
