"""A bare machine: make reaches uv and Meltano by the paths it resolves, and keeps `.venv` as it is."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tools import make_paths

ROOT = Path(__file__).resolve().parent.parent
BARE_NAME = re.compile(r"""\[\s*["'](uv|meltano|tap-instagram|target-instagram|pip)["']""")


def test_make_reaches_uv_and_meltano_inside_the_checkout() -> None:
    paths = make_paths()
    for tool in ("uv", "meltano"):
        assert not Path(paths[tool]).is_absolute() and "/" in paths[tool], paths
        assert (ROOT / paths[tool]).is_file(), f"{tool} was not bootstrapped at {paths[tool]}"
    assert "shims" not in paths["python"], "UV_PYTHON must be the interpreter, not a shim"


def test_bootstrapping_again_keeps_the_environment() -> None:
    cfg = ROOT / ".venv" / "pyvenv.cfg"
    before = cfg.stat()
    subprocess.run(["make", "-s", "--no-print-directory", "bootstrap"], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    after = cfg.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), (
        ".venv re-created"
    )


def test_no_script_or_test_runs_a_tool_by_bare_name() -> None:
    offenders = []
    for folder in ("tests", "scripts", "hub", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if BARE_NAME.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "run tools by their resolved paths:\n" + "\n".join(offenders)


def test_the_demo_refuses_a_port_that_is_taken() -> None:
    import socket
    import sys

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py")], cwd=ROOT,
                              env={**os.environ, "DEMO_SANDBOX_PORT": str(port)},
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert (
        f"could not start on 127.0.0.1:{port}" in done.stdout and "DEMO_SANDBOX_PORT" in done.stdout
    )
