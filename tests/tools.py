"""The tools `make` bootstraps, by the paths the Makefile resolves (never by bare name)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_paths() -> dict[str, str]:
    """`make paths`: uv, the interpreter, Meltano and the workspace venv."""
    out = subprocess.run(["make", "-s", "--no-print-directory", "paths"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return dict(part.split("=", 1) for part in out.split())


def tool(name: str) -> Path:
    """The absolute path of a bootstrapped tool (`uv`, `meltano`)."""
    return ROOT / make_paths()[name]
