"""Bad settings stop the tap at start in one line naming the setting (no traceback, no call)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.testing import Demo

from .conftest import demo_config
from .test_cli import config_file, run

BATCH = {"encoding": {"format": "jsonl", "compression": "gzip"}, "storage": {"root": "file:///tmp"}}


@pytest.mark.parametrize(
    ("overrides", "setting", "words"),
    [
        ({"start_date": "yesterday"}, "start_date", "'yesterday' is not a date"),
        ({"end_date": "2020-01-01"}, "end_date", "is not after start_date"),
        ({"login": "instagram"}, "login", "looks like a token of Facebook Login"),
        ({"batch_config": BATCH, "stream_maps": {"media": {"caption": "__NULL__"}}},
         "batch_config", "meltano/sdk#1117"),
        ({"batch_config": BATCH, "flattening_enabled": True, "flattening_max_depth": 1},
         "batch_config", "would ignore flattening_enabled"),
        ({"page_size": 0}, "page_size", "0 is below 1"),
        ({"insights_lookback_days": -1}, "insights_lookback_days", "-1 is below 0"),
        ({"ig_user_ids": ["acme_coffee"]}, "ig_user_ids", "'acme_coffee' is not an Instagram account id"),
    ],
)  # fmt: skip
def test_a_bad_setting_stops_the_tap_before_any_call(
    demo: Demo, tmp_path: Path, overrides: dict[str, Any], setting: str, words: str
) -> None:
    before = demo.control.stats()["requests_total"]
    done = run("--config", str(config_file(tmp_path, demo_config(demo, **overrides))))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"Setting `{setting}`" in done.stderr and words in done.stderr, done.stderr[-2000:]
    assert demo.control.stats()["requests_total"] == before
    assert '"type":"RECORD"' not in done.stdout.replace(" ", "")


def test_a_misspelled_setting_is_named_with_the_nearest_one(demo: Demo, tmp_path: Path) -> None:
    config = {**demo_config(demo), "page_sise": 10}
    done = run("--config", str(config_file(tmp_path, config)), "--discover")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "unknown setting `page_sise` is ignored (did you mean `page_size`?)" in done.stderr


def test_an_unreachable_api_url_stops_the_run_with_the_fix(tmp_path: Path) -> None:
    config = {"access_token": "EAA" + "x" * 30, "api_url": "http://127.0.0.1:9",
              "unreachable_timeout_seconds": 1}  # fmt: skip
    done = run("--config", str(config_file(tmp_path, config)))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert "cannot reach 127.0.0.1:9 (connection refused)" in last
    assert "check api_url (http://127.0.0.1:9) and proxy (none)" in last and "gave up after" in last


def test_sdk_noise_is_off_and_progress_and_a_summary_are_logged(demo: Demo, tmp_path: Path) -> None:
    done = run("--config", str(config_file(tmp_path, demo_config(demo))))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "METRIC" not in done.stderr and "assumed to be unsorted" not in done.stderr
    records = [json.loads(x) for x in done.stdout.splitlines() if '"RECORD"' in x]
    summary = next(x for x in done.stderr.splitlines() if "run summary:" in x and "records" in x)
    assert f"run summary: {len(records)} records (" in summary
    media = sum(r["stream"] == "media" for r in records)
    assert f"media {media}," in summary
    requests = demo.control.stats()["requests_total"]
    assert f"; {requests} requests, " in summary
    loud = run("--config", str(config_file(tmp_path, demo_config(demo, verbose_sdk_logs=True))))
    assert "METRIC" in loud.stderr and "assumed to be unsorted" in loud.stderr
