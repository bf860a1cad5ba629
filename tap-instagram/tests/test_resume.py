"""Resuming from any STATE the real tap process emitted loses no record (duplicates are fine)."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.testing import Demo

from .conftest import demo_config

SCRIPT = shutil.which("tap-instagram", path=str(Path(sys.executable).parent))
STREAMS = ("media", "media_children", "comments", "media_insights", "account_insights",
           "account_insights_totals", "stories", "story_insights", "tags")  # fmt: skip


def sync(config: Path, state: dict[str, Any] | None, tmp: Path) -> list[dict[str, Any]]:
    assert SCRIPT is not None
    args = [SCRIPT, "--config", str(config)]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp / "state.json")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def keys(messages: list[dict[str, Any]], pks: dict[str, list[str]]) -> set[tuple[Any, ...]]:
    return {(m["stream"], *(m["record"][k] for k in pks[m["stream"]])) for m in messages
            if m["type"] == "RECORD" and m["stream"] in STREAMS}  # fmt: skip


def test_resuming_from_every_state_the_tap_emitted_loses_nothing(
    demo: Demo, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(demo_config(demo, days=60)))
    clean = sync(config, None, tmp_path)
    pks = {m["stream"]: m["key_properties"] for m in clean if m["type"] == "SCHEMA"}
    expected = keys(clean, pks)
    states = [i for i, m in enumerate(clean) if m["type"] == "STATE"]
    seen: set[str] = set()
    for index in states:
        state = clean[index]["value"]
        if json.dumps(state, sort_keys=True) in seen:
            continue
        seen.add(json.dumps(state, sort_keys=True))
        before = keys(clean[:index], pks)  # what a run killed right after this STATE had sent
        resumed = keys(sync(config, state, tmp_path), pks)
        lost = expected - before - resumed
        assert not lost, (index, sorted({k[0] for k in lost}), len(lost))


def killed_at(config: Path, lines: int) -> list[dict[str, Any]]:
    """The messages a real tap process wrote before SIGKILL after `lines` lines."""
    assert SCRIPT is not None
    run = subprocess.Popen([SCRIPT, "--config", str(config)], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert run.stdout is not None
    got = []
    for line in run.stdout:
        got.append(json.loads(line))
        if len(got) >= lines:
            run.send_signal(signal.SIGKILL)
            break
    run.wait(timeout=60)
    return got


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_tap_killed_at_a_random_point_and_resumed_loses_nothing(
    demo: Demo, tmp_path: Path, seed: int
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(demo_config(demo, days=60)))
    clean = sync(config, None, tmp_path)
    pks = {m["stream"]: m["key_properties"] for m in clean if m["type"] == "SCHEMA"}
    cut = random.Random(seed).randrange(10, len(clean) - 10)
    first = killed_at(config, cut)
    states = [m["value"] for m in first if m["type"] == "STATE"]
    resumed = sync(config, states[-1] if states else None, tmp_path)
    lost = keys(clean, pks) - keys(first, pks) - keys(resumed, pks)
    assert not lost, (cut, sorted({k[0] for k in lost}), len(lost))
