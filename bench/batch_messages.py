"""BATCH messages against RECORD messages: the large account loaded into PostgreSQL by target-postgres.

One sandbox (`large`: 5,000 media, 50,000 comments, about 143,000 records with every default
stream) and one PostgreSQL (the one at INSTAGRAM_TEST_PG_DSN, else a throwaway cluster). Twice:

- RECORD: `tap-instagram` writes RECORD messages; `target-postgres` loads them (schema `records`);
- BATCH: `tap-instagram` with `batch_config` writes gzipped JSONL files into a local folder and
  BATCH messages naming them; `target-postgres` loads the files (schema `batches`).

Each side's tap and target run as their own processes (wall time and peak RSS of each, from
`os.wait4`); the rows landed per table must be the same on both sides. Results are appended to
bench/results/batch_messages.jsonl with the machine's load averages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tap_large import BIN, HERE, Served, measure, record_result, serve

sys.path.insert(0, str(HERE.parent))
from tests.postgres import postgres, sql

TARGET = (
    HERE.parent / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
)
BATCH_SIZE = 10_000


def tap(served: Served, work: Path, name: str, **settings: object) -> tuple[Path, dict[str, Any]]:
    """The tap's Singer output as a file, with its wall time and peak RSS."""
    config = work / f"{name}-tap.json"
    config.write_text(
        json.dumps({"access_token": served.token, "api_url": served.base_url, **settings})
    )
    out = work / f"{name}.singer"
    run = measure([str(BIN / "tap-instagram"), "--config", str(config)], out)
    return out, {"wall_s": round(run.wall_s, 2), "peak_rss_mb": round(run.peak_rss_mb, 1),
                 "output_mb": round(out.stat().st_size / 1e6, 1)}  # fmt: skip


def load(dsn: str, singer: Path, schema: str, work: Path) -> dict[str, Any]:
    """target-postgres reading `singer` on stdin into `schema`."""
    parts = dsn.removeprefix("postgresql://")
    user_host, database = parts.split("/", 1)
    user, host_port = user_host.split("@")
    host, port = host_port.split(":")
    config = work / f"{schema}-target.json"
    config.write_text(json.dumps({"host": host, "port": int(port), "user": user,
                                  "password": "unused-with-trust-auth", "database": database,
                                  "default_target_schema": schema}))  # fmt: skip
    with singer.open() as stdin, tempfile.TemporaryFile("w+") as stderr:
        started = datetime.now(UTC)
        proc = subprocess.Popen([str(TARGET), "--config", str(config)], stdin=stdin,  # noqa: S603
                                stdout=subprocess.DEVNULL, stderr=stderr)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        wall = (datetime.now(UTC) - started).total_seconds()
        if os.waitstatus_to_exitcode(status) != 0:
            stderr.seek(0)
            raise RuntimeError(f"target-postgres failed on {singer.name}:\n{stderr.read()[-2000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def rows(dsn: str, schema: str) -> dict[str, int]:
    """Rows per table of a schema."""
    listing = "select table_name from information_schema.tables where table_schema = '{}'"
    tables = [t for (t,) in sql(dsn, listing.format(schema))]
    count = 'select count(*) from "{}"."{}"'
    return {t: int(sql(dsn, count.format(schema, t))[0][0]) for t in tables}


def main() -> int:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, postgres() as dsn:
        work = Path(tmp)
        (work / "batches").mkdir()
        batch_config = {"encoding": {"format": "jsonl", "compression": "gzip"},
                        "storage": {"root": (work / "batches").as_uri(), "prefix": "large-"},
                        "batch_size": BATCH_SIZE}  # fmt: skip
        with serve("large") as served:
            records_out, records_tap = tap(served, work, "records")
            batch_out, batch_tap = tap(served, work, "batches", batch_config=batch_config)
        records_load = load(dsn, records_out, "records", work)
        batch_load = load(dsn, batch_out, "batches", work)
        landed = {"records": rows(dsn, "records"), "batches": rows(dsn, "batches")}
        files = [f.stat().st_size for f in (work / "batches").glob("*")]
    same = landed["records"] == landed["batches"] and sum(landed["records"].values()) > 0
    records_total = records_tap["wall_s"] + records_load["wall_s"]
    batch_total = batch_tap["wall_s"] + batch_load["wall_s"]
    record_result(
        "batch_messages", load_before,
        rows_landed=sum(landed["records"].values()), same_rows_per_table=same,
        batch_files=len(files), batch_files_mb=round(sum(files) / 1e6, 1),
        figures={"load_ratio_batch_vs_records": round(batch_load["wall_s"] / records_load["wall_s"], 2),
                 "end_to_end_ratio_batch_vs_records": round(batch_total / records_total, 2)},
        runs={"records": {"tap": records_tap, "target": records_load},
              "batches": {"tap": batch_tap, "target": batch_load}},
    )  # fmt: skip
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
