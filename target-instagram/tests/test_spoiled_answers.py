"""Answers to writes spoiled on the way back (cut, an HTML gateway page, empty, unreadable batch
entries) by a real proxy between real target processes and the sandbox: every operation is
applied exactly once, read from the sandbox's write log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.proxy import MODES, SpoilingProxy
from instagram_sandbox.testing import Demo

from .conftest import World, run_target_process, singer_lines, writes


@pytest.fixture(params=MODES)
def proxy(request: pytest.FixtureRequest, demo: Demo) -> Iterator[SpoilingProxy]:
    spoiling = SpoilingProxy(demo.base, request.param, every=2).start()
    yield spoiling
    spoiling.stop()


def operations(world: World) -> str:
    comments = [{"op_id": f"c{n}", "media_id": world.media[n % 3],
                 "message": f"Spoiled answers, comment {n}"} for n in range(24)]  # fmt: skip
    replies = [{"op_id": f"r{n}", "comment_id": world.comments[n],
                "message": f"Spoiled answers, reply {n}"} for n in range(8)]  # fmt: skip
    hides = [{"op_id": f"h{n}", "procedure": "hide_comment",
              "params": {"comment_id": world.comments[n + 8]}} for n in range(4)]  # fmt: skip
    posts = [{"op_id": "p1", "image_url": "https://cdn.example.com/latte.jpg",
              "caption": "Spoiled answers, the post"}]  # fmt: skip
    return (singer_lines("public-comments", comments) + singer_lines("public-replies", replies)
            + singer_lines("public-execute", hides) + singer_lines("public-media", posts))  # fmt: skip


def test_spoiled_write_answers_never_cause_a_second_write(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path, proxy: SpoilingProxy
) -> None:
    text = operations(world)
    spoiled = {**config, "api_url": proxy.base_url}
    for run_config in (spoiled, spoiled, config):  # two spoiled runs, then a clean one
        done = run_target_process(run_config, text, tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
    assert proxy.spoiled > 0
    made = Counter(w["message"] for w in writes(demo, "comment.create", "comment.reply"))
    assert all(n == 1 for n in made.values()), [m for m, n in made.items() if n > 1]
    assert len(made) == 32  # every comment and reply, once
    assert len(writes(demo, "media.publish")) == 1
    hidden = {w["object_id"] for w in writes(demo, "comment.hide")}
    assert hidden == set(world.comments[8:12])
