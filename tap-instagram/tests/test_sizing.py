""" "Please reduce the amount of data" (code 1): every record still comes out, over HTTP."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections import Counter

import pytest

from instagram_sandbox.server import running_sandbox
from instagram_sandbox.testing import Demo
from tap_instagram.tap import TapInstagram

from .conftest import Run, demo_config, run_tap

STREAMS = ("media", "media_children", "comments", "media_insights", "stories")


def keys(run: Run, stream: str) -> set[tuple[object, ...]]:
    key_props = run.schemas()[stream]["key_properties"]
    return {tuple(r[k] for k in key_props) for r in run.records(stream)}


@pytest.mark.parametrize(("budget", "comments_alone"), [(200, False), (60, True)])
def test_a_sync_over_the_size_budget_loses_nothing(
    demo: Demo, caplog: pytest.LogCaptureFixture, budget: int, comments_alone: bool
) -> None:
    demo.control.configure(max_answer_objects=0)
    clean = run_tap(demo_config(demo))
    demo.control.configure(max_answer_objects=budget)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        run = run_tap(demo_config(demo))
    for stream in STREAMS:
        assert keys(run, stream) == keys(clean, stream), stream
    assert run.records("comments") and run.records("media_children")
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert sum("GET /{id}/media: Graph asked for less data" in m for m in messages) == 1
    assert any("on their own" in m for m in messages) is comments_alone
    assert demo.control.stats()["requests_by_status"].get("500")  # the rule did fire


def test_the_large_scenario_with_the_size_rule_syncs_completely() -> None:
    with running_sandbox("large", 1, frozen=True) as sandbox:
        control = sandbox.client()
        control.configure(max_answer_objects=500)
        row = control.tokens()["accounts"][0]
        config = {"access_token": row["access_token"], "api_url": sandbox.base_url,
                  "ig_user_ids": [row["account_id"]], "start_date": "2020-01-01T00:00:00Z",
                  "initial_retry_interval_millis": 1, "maximum_retries_interval_millis": 5}  # fmt: skip
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            TapInstagram(config=config).sync_all()
        world = sandbox.backend.world
        media = [m for m in world.media.values() if m.owner_id == row["account_id"]]
        child_ids = {c for m in media for c in m.children}
        stats = control.stats()
    counts = Counter(
        m["stream"] for m in map(json.loads, out.getvalue().splitlines()) if m["type"] == "RECORD"
    )
    feed = [m for m in media if m.media_product_type != "STORY" and m.id not in child_ids]
    assert counts["media"] == len(feed) == 5000
    assert counts["media_children"] == len(child_ids) > 0
    assert counts["comments"] == len(world.comments) >= 50000
    assert stats["requests_by_status"].get("500")  # pages were refused and asked again smaller
