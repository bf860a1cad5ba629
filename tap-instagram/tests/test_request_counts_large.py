"""Request counts on the large scenario (5,000 media, 50,000 comments): deterministic, so asserted.

Recorded figures: media alone 52 requests (was 444), the first sync with every default stream
276 (was 632; 292 while chunks were weighed by each media's `comments_count`, before later comment
pages were written out as thread parts as they came; 277 before demographics shared calls), the
next day 18 (was 383; 37 before later comment pages stopped at the comments bookmark). 276 is near
the floor of 205 that Graph's 50 operations per batch set for the 10,195 Graph calls
(bench/README.md). Any change should be deliberate.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from instagram_sandbox.server import SandboxClient, running_sandbox

from .conftest import run_tap
from .test_selection import only


@pytest.fixture(scope="module")
def large() -> Iterator[tuple[SandboxClient, dict[str, Any]]]:
    with running_sandbox("large", 1, frozen=True) as sandbox:
        row = sandbox.client().tokens()["accounts"][0]
        config = {"access_token": row["access_token"], "api_url": sandbox.base_url,
                  "initial_retry_interval_millis": 1, "maximum_retries_interval_millis": 5}  # fmt: skip
        yield sandbox.client(), config


def test_media_alone_costs_one_request_per_page(
    large: tuple[SandboxClient, dict[str, Any]],
) -> None:
    control, config = large
    catalog = only(config, "media")
    control.reset_stats()
    run = run_tap(config, catalog=catalog)
    stats = control.stats()
    assert len(run.records("media")) == 5000
    assert stats["requests_by_path"]["GET /{ig-user-id}/media"] == 50
    assert stats["requests_total"] == 52, stats["requests_by_path"]


def test_first_sync_and_next_day(large: tuple[SandboxClient, dict[str, Any]]) -> None:
    control, config = large
    control.reset_stats()
    first = run_tap(config)
    stats = control.stats()
    assert stats["requests_total"] == 276, stats["requests_by_path"]
    assert not any(p.endswith(("/comments", "/replies")) for p in stats["requests_by_path"])
    assert len(first.records("comments")) > 50_000
    control.advance(86400)
    control.reset_stats()
    run_tap(config, first.state)
    stats = control.stats()
    assert stats["requests_total"] == 18, stats["requests_by_path"]
