"""The Meltano project a partition runs in: `meltano run EXTRACTOR LOADER` for one share of accounts.

The run gets the share through the tap's settings as environment variables
(`TAP_INSTAGRAM_PARTITION_INDEX`, `TAP_INSTAGRAM_PARTITION_COUNT`), its own state id suffix, and a
Meltano system folder of its own (see `partition_sys_dir`).
Its state goes wherever the project keeps state: for several workers, a shared PostgreSQL system
database (`MELTANO_DATABASE_URI=postgresql+psycopg://…`), where Meltano also refuses to run one
state id twice at once.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from instagram_orchestration.partitions import state_id_suffix

SUMMARY = re.compile(r"run summary: (\d+) records .*?; (\d+) requests, (\d+) Graph calls")


@dataclass(frozen=True)
class PartitionRun:
    """What one partition's run did."""

    index: int
    count: int
    started: float
    finished: float
    records: int | None
    requests: int | None
    graph_calls: int | None

    def metadata(self) -> dict[str, Any]:
        """Dagster metadata of the run (no secret: counts and times only)."""
        return {"partition": f"{self.index}-of-{self.count}", "seconds": round(self.finished - self.started, 1),
                "records": self.records, "requests": self.requests, "graph_calls": self.graph_calls}  # fmt: skip


def partition_sys_dir(project_dir: Path, name: str) -> Path:
    """A Meltano system folder of the partition's own, with the project's installed plugins in it.

    Meltano 4.4 writes a tap's catalog and config to one folder per project
    (`.meltano/run/tap-instagram/`): two runs of one tap at once in the same folder overwrite each
    other's catalog. Each partition gets its own `run/` and `logs/`; the plugins' environments,
    installed once, are linked in.
    """
    shared = project_dir / ".meltano"
    own = shared / "partitions" / name
    own.mkdir(parents=True, exist_ok=True)
    for entry in shared.iterdir() if shared.is_dir() else []:
        link = own / entry.name
        if entry.name not in ("run", "logs", "partitions") and not link.is_symlink():
            link.symlink_to(entry)
    return own


class MeltanoProject(dg.ConfigurableResource["MeltanoProject"]):
    """Where the Meltano project is and which pipeline a partition runs."""

    project_dir: str
    executable: str = "meltano"
    environment: str = "prod"
    extractor: str = "tap-instagram"
    loader: str = "target-postgres"
    timeout_seconds: int = 6 * 3600

    def run_partition(self, index: int, count: int, log: Any = None) -> PartitionRun:
        """`meltano run` for one share of the accounts; a failure raises with Meltano's last lines."""
        suffix = state_id_suffix(index, count)
        env = {**os.environ, "MELTANO_ENVIRONMENT": self.environment,
               "MELTANO_SYS_DIR_ROOT": str(partition_sys_dir(Path(self.project_dir), suffix)),
               "TAP_INSTAGRAM_PARTITION_INDEX": str(index), "TAP_INSTAGRAM_PARTITION_COUNT": str(count)}  # fmt: skip
        command = [self.executable, "run", "--state-id-suffix", suffix,
                   self.extractor, self.loader]  # fmt: skip
        started = time.time()
        done = subprocess.run(command, cwd=self.project_dir, env=env, capture_output=True,  # noqa: S603 - the configured Meltano
                              text=True, timeout=self.timeout_seconds, check=False)  # fmt: skip
        finished = time.time()
        if done.returncode != 0:
            tail = "\n".join(done.stderr.splitlines()[-25:])
            raise dg.Failure(description=f"meltano run failed for partition {index}-of-{count} "
                                         f"(exit {done.returncode}):\n{tail}", metadata={"log": tail})  # fmt: skip
        found = SUMMARY.search(done.stderr)
        numbers = [int(n) for n in found.groups()] if found else [None, None, None]
        run = PartitionRun(index, count, started, finished, *numbers)
        if log is not None:
            log.info(f"partition {index}-of-{count}: {run.metadata()}")
        return run
