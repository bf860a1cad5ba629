"""What no selected stream emits costs no request: media alone reads no comment pages."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from instagram_graph.auth import GraphAuthenticator
from instagram_sandbox.testing import Demo
from tap_instagram.tap import TapInstagram

from .conftest import run_tap


def only(config: dict[str, Any], *streams: str) -> dict[str, Any]:
    """A catalog selecting `streams` and nothing else."""
    GraphAuthenticator._shared.clear()
    catalog = TapInstagram(config=config).catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if not item["breadcrumb"]:
                item["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def test_media_alone_reads_no_comments_and_no_children(demo: Demo, config: dict[str, Any]) -> None:
    demo.control.add_media(account_id=demo.acme, count=2, comments_per_media=120)  # 3 pages each
    full = run_tap(config)
    catalog = only(config, "media")
    demo.control.reset_stats()
    alone = run_tap(config, catalog=catalog)
    paths = demo.control.stats()["requests_by_path"]
    assert {r["id"] for r in alone.records("media")} == {r["id"] for r in full.records("media")}
    assert not alone.records("comments") and not alone.records("media_children")
    assert not any("comments" in p or "replies" in p for p in paths), paths
    assert paths == {"GET /debug_token": 1, "GET /{ig-user-id}/media": 1}  # 62 media: one page


def test_an_account_past_the_media_horizon_is_warned_once(
    demo: Demo, config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    demo.control.add_media(account_id=demo.bakery, count=10_001)
    config = {**config, "ig_user_ids": [demo.bakery]}
    with caplog.at_level(logging.WARNING, logger="tap_instagram"):
        run = run_tap(config, catalog=only(config, "media"))
    assert len(run.records("media")) == 10_000  # what Graph lists
    warned = [
        r.getMessage() for r in caplog.records if "Graph lists only the newest" in r.getMessage()
    ]
    assert len(warned) == 1 and "newest 10,000" in warned[0] and demo.bakery in warned[0]
