"""The resume guarantee on the large scenario (5,000 media, 50,000 comments): real tap processes
resumed from the STATE messages of a clean run and SIGKILLed at seeded points lose no record."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.server import running_sandbox

from .test_resume import keys, killed_at, sync

Message = dict[str, Any]


@dataclass
class Large:
    config: Path
    clean: list[Message]
    pks: dict[str, list[str]]

    @property
    def expected(self) -> set[tuple[Any, ...]]:
        return keys(self.clean, self.pks)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Large]:
    tmp = tmp_path_factory.mktemp("large")
    with running_sandbox("large", 1, frozen=True) as sandbox:
        row = sandbox.client().tokens()["accounts"][0]
        config = tmp / "config.json"
        config.write_text(json.dumps({
            "access_token": row["access_token"], "api_url": sandbox.base_url,
            "ig_user_ids": [row["account_id"]], "start_date": "2020-01-01T00:00:00Z",
            "initial_retry_interval_millis": 1, "maximum_retries_interval_millis": 5,
        }))  # fmt: skip
        clean = sync(config, None, tmp)
        pks = {m["stream"]: m["key_properties"] for m in clean if m["type"] == "SCHEMA"}
        yield Large(config, clean, pks)


def stream_ends(messages: list[Message]) -> list[int]:
    """The index of the last STATE before each change of stream: where a stream completes."""
    ends, current = [], None
    for i, m in enumerate(messages):
        if m["type"] == "RECORD" and m["stream"] != current:
            current = m["stream"]
            previous = [j for j in range(i) if messages[j]["type"] == "STATE"]
            if previous:
                ends.append(previous[-1])
    return sorted(set(ends))


def test_resuming_from_the_state_after_each_stream_loses_nothing(
    large: Large, tmp_path: Path
) -> None:
    expected = large.expected
    assert len({k for k in expected if k[0] == "media"}) == 5000
    points = stream_ends(large.clean)
    assert len(points) >= 6  # media, children, comments, insights … each end a resume point
    for index in points:
        before = keys(large.clean[:index], large.pks)
        resumed = keys(sync(large.config, large.clean[index]["value"], tmp_path), large.pks)
        lost = expected - before - resumed
        assert not lost, (index, sorted({k[0] for k in lost}), len(lost))


@pytest.mark.parametrize("seed", [11, 12])
def test_a_tap_killed_at_a_seeded_point_on_large_resumes_without_loss(
    large: Large, tmp_path: Path, seed: int
) -> None:
    cut = random.Random(seed).randrange(1000, len(large.clean) - 1000)
    first = killed_at(large.config, cut)
    states = [m["value"] for m in first if m["type"] == "STATE"]
    resumed = sync(large.config, states[-1] if states else None, tmp_path)
    lost = large.expected - keys(first, large.pks) - keys(resumed, large.pks)
    assert not lost, (cut, sorted({k[0] for k in lost}), len(lost))
