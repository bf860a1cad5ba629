"""Incremental correctness: interrupted runs lose nothing; faults during a sync lose nothing."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest
import requests

from instagram_sandbox.testing import Demo
from tap_instagram.tap import TapInstagram

from .conftest import Run, demo_config, run_tap

KEYED_STREAMS = ("media", "comments", "media_children", "media_insights", "account_insights",
                 "account_insights_totals", "online_followers", "tags", "accounts")  # fmt: skip


class Killed(Exception):
    pass


class KillAfter(io.StringIO):
    """stdout that dies after `limit` RECORD lines, like a killed process."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.records = 0

    def write(self, text: str) -> int:
        if '"type":"RECORD"' in text.replace(" ", ""):
            self.records += 1
            if self.records > self.limit:
                raise Killed
        return super().write(text)


def interrupted_run(config: dict[str, Any], state: dict[str, Any], limit: int) -> Run:
    out = KillAfter(limit)
    with contextlib.suppress(Killed), contextlib.redirect_stdout(out):
        TapInstagram(config=config, state=state).sync_all()
    return Run([json.loads(line) for line in out.getvalue().splitlines() if line.strip()])


def keys(run: Run, stream: str) -> set[tuple[Any, ...]]:
    key_props = run.schemas()[stream]["key_properties"] if stream in run.schemas() else []
    return {tuple(r[k] for k in key_props) for r in run.records(stream)}


@pytest.mark.parametrize("limit", [50, 700, 3000])
def test_killed_run_resumed_from_its_last_state_loses_nothing(demo: Demo, limit: int) -> None:
    config = demo_config(demo)
    clean = run_tap(config)
    demo.control.reset()
    config = demo_config(demo)
    first = interrupted_run(config, {}, limit)
    assert sum(first.counts.values()) == limit
    second = run_tap(config, first.state)
    for stream in KEYED_STREAMS:
        got = (
            keys(first, stream) | keys(second, stream)
            if stream in second.schemas()
            else keys(first, stream)
        )
        assert keys(clean, stream) <= got, stream


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "server_error", "every": 3},
        {"kind": "throttle", "every": 4, "params": {"code": 80002, "regain_minutes": 0}},
        {"kind": "throttle", "every": 5, "params": {"code": 4, "status": 403}},
        {"kind": "http_429", "every": 4},
        {"kind": "reduce_data", "every": 4},
        {"kind": "drop", "every": 4},
        {"kind": "truncated", "every": 4},
        {"kind": "non_json", "every": 4},
        {"kind": "hang", "every": 6, "params": {"seconds": 2}},
        {"kind": "drip", "method": "GET", "every": 6, "params": {"interval": 0.05}},
        {"kind": "batch_null", "every": 7},
    ],
    ids=lambda f: (
        f"{f['kind']}-{f['params']['code']}" if "code" in f.get("params", {}) else f["kind"]
    ),
)
def test_sync_under_faults_loses_nothing(demo: Demo, fault: dict[str, Any]) -> None:
    clean = run_tap(demo_config(demo, days=30))
    demo.control.reset()
    demo.control.add_fault(**fault)
    # One request at a time: a fault firing on every nth request then meets each re-sent
    # operation at a different count, whatever the threads' order (the case below is concurrent).
    faulty = run_tap(demo_config(demo, days=30, response_timeout_millis=1000, maximum_retries=5,
                                 max_concurrent_requests=1))  # fmt: skip
    fired = requests.get(f"{demo.base}/__sandbox/faults", timeout=10).json()["faults"][0]["fired"]
    assert fired > 0, "the fault never fired"
    for stream in (*KEYED_STREAMS, "audience_demographics", "stories", "story_insights"):
        assert keys(faulty, stream) == keys(clean, stream), stream


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "throttle", "count": 3, "params": {"code": 80002, "regain_minutes": 0}},
        {"kind": "http_429", "count": 3},
        {"kind": "server_error", "count": 3},
        {"kind": "batch_null", "count": 3},
    ],
    ids=lambda f: f["kind"],
)
def test_concurrent_batches_under_faults_lose_nothing_and_go_one_at_a_time(
    demo: Demo, fault: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    clean = run_tap(demo_config(demo, days=30))
    demo.control.reset()
    demo.control.add_fault(path="*/insights", **fault)
    demo.control.reset_stats()
    faulty = run_tap(demo_config(demo, days=30, max_concurrent_requests=4))
    fired = requests.get(f"{demo.base}/__sandbox/faults", timeout=10).json()["faults"][0]["fired"]
    assert fired == 3
    assert "one request at a time" in caplog.text
    for stream in (*KEYED_STREAMS, "audience_demographics", "stories", "story_insights"):
        assert keys(faulty, stream) == keys(clean, stream), stream


def test_token_expiring_during_a_sync_is_refreshed_and_nothing_is_lost(
    demo: Demo, tmp_path: Any
) -> None:
    app = demo.apps["facebook"]
    clean = run_tap(demo_config(demo, days=30))
    demo.control.reset()
    spare = demo.control.issue_token(demo.acme, kind="fb_user_long")  # an expired token is dead
    refreshing = {"oauth_mode": "REFRESH", "client_id": app["app_id"], "client_secret": app["app_secret"],
                  "token_store": str(tmp_path / "token.json"), "refresh_token": spare}  # fmt: skip
    demo.control.add_fault(kind="expired_token", path="/{ig-user-id}/media", count=1)
    demo.control.add_fault(kind="expired_token", path="*/insights", nth=30, count=1)  # in a batch
    faulty = run_tap(demo_config(demo, days=30, **refreshing))
    assert (tmp_path / "token.json").exists()
    for stream in KEYED_STREAMS:
        assert keys(faulty, stream) == keys(clean, stream), stream
