"""A target process killed at chosen points, then run again, ends with exactly the intended writes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from instagram_sandbox.testing import Demo

from .conftest import CRASH_RUNNER, World, case, run_target_process, singer_lines, writes

KILLED = 137


def comments(world: World, n: int) -> str:
    rows = [{"op_id": f"k{i}", "media_id": world.media[i % 3], "message": f"Welcome back {i}"}
            for i in range(n)]  # fmt: skip
    return singer_lines("public-comments", rows)


@pytest.mark.parametrize("killed_after", [1, 3, 5])
def test_killed_after_n_records(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path, killed_after: int
) -> None:
    config = {**config, "batch_size": 2}
    text = comments(world, 6)
    crashed = run_target_process(config, text, tmp_path, f"records:{killed_after}")
    assert crashed.returncode == KILLED
    # The run was killed before its first drain: it must not have confirmed anything.
    assert crashed.stdout.strip() == "", crashed.stdout[-500:]
    done = run_target_process(config, text, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    messages = sorted(w["message"] for w in writes(demo, "comment.create"))
    assert messages == sorted(f"Welcome back {i}" for i in range(6))


def test_killed_after_the_batch_answered_before_the_ledger_write(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path
) -> None:
    text = comments(world, 4) + case("moderation_switches", world)
    crashed = run_target_process(config, text, tmp_path, "applied")
    assert crashed.returncode == KILLED and len(writes(demo, "comment.create")) == 4
    assert crashed.stdout.strip() == ""  # no STATE: nothing was confirmed
    done = run_target_process(config, text, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(writes(demo, "comment.create")) == 4  # reconciled, not sent again
    # Hides are repeatable: the two whose answer was lost are sent again, the unhide runs after.
    assert [w["object_id"] for w in writes(demo, "comment.hide", "comment.unhide")] == [
        world.comments[0], world.comments[1], world.comments[0], world.comments[1],
        world.comments[1],
    ]  # fmt: skip
    assert writes(demo)[-1]["kind"] == "media.comment_enabled"
    assert '"bookmarks"' in done.stdout


def test_killed_after_the_container_was_created(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path
) -> None:
    crashed = run_target_process(config, case("publish_image", world), tmp_path,
                                 "container_created")  # fmt: skip
    assert crashed.returncode == KILLED and len(writes(demo, "container.create")) == 1
    done = run_target_process(config, case("publish_image", world), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(writes(demo, "container.create")) == 1  # resumed with the same container
    assert len(writes(demo, "media.publish")) == 1


def test_killed_after_publish_before_the_ledger_write(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path
) -> None:
    crashed = run_target_process(config, case("publish_image", world), tmp_path, "published")
    assert crashed.returncode == KILLED
    [published] = writes(demo, "media.publish")
    done = run_target_process(config, case("publish_image", world), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(writes(demo, "media.publish")) == 1 and len(writes(demo, "container.create")) == 1
    results = Path(config["ledger_path"]).with_name("target-instagram-results.jsonl").read_text()
    assert f'"instagram_id": "{published["result_id"]}"' in results
    assert "the container was already published" in results


def test_two_runs_started_together_on_one_ledger_write_once(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path
) -> None:
    text = case("reply_and_hide", world) + case("comment_on_media", world)
    config_file = tmp_path / "target-config.json"
    config_file.write_text(json.dumps(config))
    command = [sys.executable, str(CRASH_RUNNER), "", "--config", str(config_file)]
    demo.control.add_fault(kind="hang", path="/me", count=1, params={"seconds": 2})  # overlap
    runs = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    for run in runs:  # both get their input before either is waited for
        assert run.stdin is not None
        run.stdin.write(text)
        run.stdin.close()
    outputs = []
    for run in runs:
        assert run.stdout is not None and run.stderr is not None
        run.wait(timeout=120)
        outputs.append((run.stdout.read(), run.stderr.read()))
    assert [run.returncode for run in runs] == [0, 0], [o[1][-2000:] for o in outputs]
    kinds = [w["kind"] for w in writes(demo)]
    assert kinds.count("comment.create") == 2 and kinds.count("comment.reply") == 1
    assert len(kinds) == len(
        set((w["kind"], w["object_id"], w.get("message")) for w in writes(demo))
    )
    assert sum("holds the ledger" in o[1] for o in outputs) == 1


def test_a_run_that_cannot_get_the_ledger_stops_with_a_clear_message(
    config: dict[str, Any], world: World, tmp_path: Path
) -> None:
    from target_instagram import ledger_lock

    held = ledger_lock.hold(Path(config["ledger_path"]), 0)
    try:
        done = run_target_process({**config, "ledger_wait_seconds": 0},
                                  case("comment_on_media", world), tmp_path)  # fmt: skip
    finally:
        held.release()
    assert done.returncode != 0
    assert "another target-instagram run" in done.stderr and "ledger_wait_seconds" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr[-2000:]


def test_malformed_input_lines_are_rejected_and_the_run_goes_on(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path
) -> None:
    good = case("comment_on_media", world).splitlines()
    bad = [
        '{"type": "RECORD", "stream": "public-replies", "record": {"op_id": "early"}}',
        "this is not json",
        '{"type": "GOSSIP", "stream": "x"}',
        '{"type": "RECORD", "str',
    ]
    text = "\n".join([bad[0], good[0], bad[1], *good[1:], bad[2], bad[3]]) + "\n"
    done = run_target_process(config, text, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(writes(demo, "comment.create")) == 2  # every good record still applied
    rejects = [
        json.loads(x)
        for x in (tmp_path / "target-instagram-rejects.jsonl").read_text().splitlines()
    ]
    lines = {r["record"]["line"]: r["reason"] for r in rejects if r["stream"] == "input"}
    assert sorted(lines) == [1, 3, len(good) + 3, len(good) + 4]
    assert "before its SCHEMA" in lines[1] and "not a JSON line" in lines[3]
    assert "unknown message type 'GOSSIP'" in lines[len(good) + 3]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopping_signal_is_not_success_and_loses_nothing(
    demo: Demo, world: World, config: dict[str, Any], tmp_path: Path, signum: int, code: int
) -> None:
    config = {**config, "batch_size": 2}
    config_file = tmp_path / "target-config.json"
    config_file.write_text(json.dumps(config))
    lines = comments(world, 5).splitlines(keepends=True)
    run = subprocess.Popen([sys.executable, str(CRASH_RUNNER), "", "--config", str(config_file)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)  # fmt: skip
    assert run.stdin is not None
    run.stdin.writelines(lines[:4])  # the schema and three records: one batch of two goes out
    run.stdin.flush()
    deadline = time.monotonic() + 30
    while len(writes(demo, "comment.create")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signum)  # while the target waits for more input
    out, err = run.communicate(timeout=60)
    assert run.returncode == code, err[-2000:]
    assert "bookmarks" not in out  # no STATE after the signal
    assert "stopped by" in err and "Traceback" not in err, err[-2000:]
    done = run_target_process(config, "".join(lines), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    messages = sorted(w["message"] for w in writes(demo, "comment.create"))
    assert messages == sorted(f"Welcome back {i}" for i in range(5))  # each exactly once
