"""Bad settings stop the target before any write, in one line naming the setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.testing import Demo

from .conftest import World, case, run_target_process, writes


@pytest.mark.parametrize("setting", ["results_path", "reject_path", "ledger_path"])
def test_an_unwritable_path_stops_the_run_before_any_write(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path, setting: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    config = {**config, setting: str(blocker / "out.jsonl")}  # its folder is a file
    done = run_target_process(config, case("comment_on_media", world), tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"Setting `{setting}`: cannot create the folder {blocker}" in done.stderr
    assert writes(demo) == []


def test_a_folder_given_as_a_file_is_named(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path
) -> None:
    done = run_target_process({**config, "results_path": str(tmp_path)},
                              case("comment_on_media", world), tmp_path)  # fmt: skip
    assert done.returncode == 1 and f"Setting `results_path`: {tmp_path} is a folder" in done.stderr
    assert writes(demo) == []


def test_a_misspelled_setting_is_warned_and_the_run_goes_on(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path
) -> None:
    done = run_target_process({**config, "dryrun": True}, case("comment_on_media", world), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "unknown setting `dryrun` is ignored (did you mean `dry_run`?)" in done.stderr
    assert len(writes(demo, "comment.create")) == 2  # the case comments on two media: not a dry run


@pytest.mark.parametrize(
    ("setting", "value"),
    [("publish_poll_interval_seconds", 0), ("publish_poll_timeout_seconds", -5),
     ("ledger_wait_seconds", -1)],
)  # fmt: skip
def test_a_negative_wait_is_refused_not_clamped(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path, setting: str, value: int
) -> None:
    done = run_target_process({**config, setting: value}, case("comment_on_media", world), tmp_path)
    assert done.returncode == 1 and f"Setting `{setting}`: {value} is below" in done.stderr
    assert "Traceback" not in done.stderr and writes(demo) == []
