"""End-to-end fixtures: the installed Meltano project, a PostgreSQL server, the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from postgres import postgres

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".tools" / "meltano" / "bin" / "meltano"


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    with postgres() as dsn:
        yield dsn


@pytest.fixture(scope="session")
def meltano_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("meltano") / "meltano.db"


class Meltano:
    """Runs the repository's Meltano project with a system database and environment of its own."""

    def __init__(self, db: Path, env: dict[str, str]) -> None:
        if not MELTANO.exists():
            pytest.fail("Meltano is not installed: run `make test` (it installs the project)")
        self.env = {**os.environ, "MELTANO_DATABASE_URI": f"sqlite:///{db}",
                    "MELTANO_ENVIRONMENT": "dev", "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                    "TAP_INSTAGRAM_MEDIA_FILES_URL": str(db.parent / "media"),
                    "TAP_INSTAGRAM_WEBHOOK_STORE": str(db.parent / "webhooks.sqlite"),
                    "TARGET_JSONL_DESTINATION_PATH": str(db.parent / "jsonl"), **env}  # fmt: skip

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(MELTANO), *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=600)  # fmt: skip
        if check and done.returncode != 0:
            pytest.fail(f"meltano {' '.join(args)} failed:\n{_errors(done.stderr)}")
        return done

    def state(self, state_id: str) -> dict[str, Any]:
        return dict(json.loads(self("state", "get", state_id).stdout.strip().splitlines()[-1]))


def _errors(stderr: str) -> str:
    """The plugin error lines of a failed run (Meltano's own traceback follows them)."""
    lines = [line for line in stderr.splitlines() if "│" not in line and "─" not in line]
    wanted = [
        line for line in lines if any(w in line for w in ("Error", "error", "Exception", ".py"))
    ]
    return "\n".join((wanted or lines)[:60])
