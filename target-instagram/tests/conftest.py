"""Fixtures for target tests: the demo sandbox, fresh media with comments, and a target runner.

Behaviour tests replay `.singer` files from `data_files/`. Object ids in those files are
placeholders (`%media0%`, `%comment3%`, `%acme%` …) filled in from the sandbox at test time.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import Demo, demo_for
from target_instagram.target import TargetInstagram

DATA = Path(__file__).parent / "data_files"
CRASH_RUNNER = Path(__file__).parent / "crash_runner.py"


@pytest.fixture
def demo(sandbox: SandboxServer) -> Demo:
    return demo_for(sandbox)


@dataclass
class World:
    """Fresh objects to act on: media of the main account, each with comments."""

    demo: Demo
    media: list[str]
    comments: list[str]
    ids: dict[str, str] = field(default_factory=dict)

    def fill(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.ids:
                raise KeyError(f"no placeholder {name!r} in this world")
            return self.ids[name]

        return re.sub(r"%([a-z_]+\d*)%", value, text)


def make_world(demo: Demo, media: int = 3, comments_per_media: int = 4) -> World:
    made = demo.control.add_media(
        account_id=demo.acme, count=media, comments_per_media=comments_per_media
    )
    world = World(demo, made["media"], made["comments"])
    world.ids.update({f"media{i}": m for i, m in enumerate(made["media"])})
    world.ids.update({f"comment{i}": c for i, c in enumerate(made["comments"])})
    world.ids.update({"acme": demo.acme, "bakery": demo.bakery})
    tagged = demo.ok(demo.get(f"/{demo.acme}/tags", fields="id"))["data"]
    world.ids["mentioned"] = tagged[0]["id"]
    return world


@pytest.fixture
def world(demo: Demo) -> World:
    return make_world(demo)


@pytest.fixture
def config(demo: Demo, tmp_path: Path) -> dict[str, Any]:
    return {
        "access_token": demo.fb_token,
        "api_url": demo.base,
        "account_id": demo.acme,
        "ledger_path": str(tmp_path / "ledger.sqlite"),
        "initial_retry_interval_millis": 1,
        "maximum_retries_interval_millis": 5,
        "publish_poll_timeout_seconds": 0,
    }


@dataclass
class TargetRun:
    """What one target run emitted and wrote."""

    stdout: list[dict[str, Any]]
    results: list[dict[str, Any]]
    rejects: list[dict[str, Any]]

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m for m in self.stdout if "bookmarks" in m]

    def by_status(self, status: str) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] == status]


def _jsonl(path: Path, skip: int = 0) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()[skip:] if line.strip()]


def singer_lines(stream: str, records: list[dict[str, Any]], *, keys: tuple[str, ...] = ("op_id",),
                 state: dict[str, Any] | None = None) -> str:  # fmt: skip
    """A SCHEMA, the RECORDs and a STATE, as a tap (tap-postgres) would send them."""
    props: dict[str, Any] = {}
    for record in records:
        for name in record:
            props.setdefault(name, {})
    lines = [{"type": "SCHEMA", "stream": stream, "schema": {"type": "object", "properties": props},
              "key_properties": list(keys)}]  # fmt: skip
    lines += [{"type": "RECORD", "stream": stream, "record": r} for r in records]
    lines.append({"type": "STATE", "value": state or {"bookmarks": {stream: {"n": len(records)}}}})
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def case(name: str, world: World) -> str:
    """A `.singer` file from data_files with the world's ids filled in."""
    return world.fill((DATA / f"{name}.singer").read_text())


def run_target(config: dict[str, Any], text: str) -> TargetRun:
    """Run the target in-process on `text`; collect its STATE lines and this run's output lines."""
    ledger = Path(config["ledger_path"])
    results = ledger.with_name("target-instagram-results.jsonl")
    rejects = ledger.with_name("target-instagram-rejects.jsonl")
    before = (len(_jsonl(results)), len(_jsonl(rejects)))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TargetInstagram(config=config).listen(file_input=io.StringIO(text))
    stdout = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    return TargetRun(stdout, _jsonl(results, before[0]), _jsonl(rejects, before[1]))


def run_target_process(
    config: dict[str, Any], text: str, tmp_path: Path, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `target-instagram` executable; `crash_at` kills it at a named point."""
    config_file = tmp_path / "target-config.json"
    config_file.write_text(json.dumps(config))
    command = [sys.executable, str(CRASH_RUNNER), crash_at or "", "--config", str(config_file)]
    return subprocess.run(command, input=text, capture_output=True, text=True, timeout=120)


def writes(demo: Demo, *kinds: str) -> list[dict[str, Any]]:
    return [w for w in demo.control.writes() if not kinds or w["kind"] in kinds]
