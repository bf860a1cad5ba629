"""The README's commands marked runnable (```bash runnable) work as written, against the sandbox."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tools import ROOT

from instagram_sandbox.server import SandboxServer

BLOCK = re.compile(r"^```bash runnable\n(.*?)^```", re.M | re.S)
README_PORT = 8765  # the port the README's commands (and meltano.yml's dev environment) use


def runnable_blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text())


def test_the_readme_has_runnable_commands_for_the_tap_and_meltano() -> None:
    text = "\n".join(runnable_blocks(ROOT / "README.md"))
    assert ".venv/bin/tap-instagram" in text and ".tools/meltano/bin/meltano" in text
    assert "uv run" not in text and not re.search(r"^meltano ", text, re.M)


def test_the_readme_commands_run_as_written(tmp_path: Path) -> None:
    try:
        sandbox = SandboxServer("demo", 1, port=README_PORT).start()
    except RuntimeError as exc:
        raise AssertionError(f"{exc}: the README's commands need port {README_PORT}") from None
    try:
        script = "set -euo pipefail\n" + "\n".join(runnable_blocks(ROOT / "README.md"))
        env = {**os.environ, "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path}/meltano.db",
               "TARGET_JSONL_DESTINATION_PATH": str(tmp_path / "jsonl"),
               "TAP_INSTAGRAM_MEDIA_FILES_URL": str(tmp_path / "media"),
               "TAP_INSTAGRAM_WEBHOOK_STORE": str(tmp_path / "webhooks.sqlite"),
               "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
        env.pop("MELTANO_ENVIRONMENT", None)
        done = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=900)  # fmt: skip
        requests = sandbox.client().stats()["requests_total"]
    finally:
        sandbox.stop()
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    counts = [int(line) for line in done.stdout.splitlines() if line.strip().isdigit()]
    assert counts and counts[0] > 1000, done.stdout[-2000:]  # RECORD lines of the tap's own run
    assert "Plugin configuration is valid" in done.stdout + done.stderr
    assert (tmp_path / "jsonl" / "media.jsonl").exists() and requests > 30


def test_the_tap_readme_names_the_total_breakdown_the_data_uses() -> None:
    from tap_instagram.schema_parts import TOTAL

    text = (ROOT / "tap-instagram" / "README.md").read_text()
    assert f"Breakdown columns are `{TOTAL}` for totals" in text
    assert "empty string" not in text.lower()


def test_the_readme_install_command_is_the_hub_pip_url() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "hub"))
    import generate

    text = (ROOT / "README.md").read_text()
    for part in generate.pip_url("tap-instagram").split():
        assert f'"{part.removeprefix("git+")}"' in text.replace('"git+', '"'), part
