"""The embedded warehouse of `make demo`: target-jsonl's files, loaded into DuckDB, checked whole.

`meltano run tap-instagram target-jsonl` appends each record as one JSON line to
`output/jsonl/STREAM.jsonl`. Nothing there guesses a header or a type from the first rows, so a
one-row, all-text stream lands like any other. `check` compares the lines each file gained in a
run with the records the tap says it emitted (its `run summary` line) and names every stream that
differs; `build` makes one DuckDB table per file (`instagram.STREAM`), reading every line.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

_SUMMARY = re.compile(r"run summary: \d+ records \(([^)]*)\)")


def emitted(log: str) -> dict[str, int]:
    """Records per stream from the tap's last `run summary` line (0 streams: none emitted)."""
    found = _SUMMARY.findall(log)
    if not found:
        raise ValueError("the tap's `run summary` line is missing from the log")
    counts = {}
    for part in found[-1].split(", "):
        if part and part != "none":
            name, number = part.rsplit(" ", 1)
            counts[name] = int(number)
    return counts


def lines(folder: Path) -> dict[str, int]:
    """Lines per `STREAM.jsonl` file of the folder."""
    counts = {}
    for path in sorted(folder.glob("*.jsonl")):
        with path.open("rb") as fh:
            counts[path.stem] = sum(1 for _ in fh)
    return counts


def check(emitted_now: dict[str, int], before: dict[str, int], after: dict[str, int]) -> list[str]:
    """Streams whose files did not gain exactly the records emitted (empty: nothing was lost)."""
    problems = []
    for stream in sorted(set(emitted_now) | set(after)):
        landed = after.get(stream, 0) - before.get(stream, 0)
        if landed != emitted_now.get(stream, 0):
            problems.append(
                f"{stream}: {emitted_now.get(stream, 0)} records emitted, {landed} landed"
            )
    return problems


def build(folder: Path, database: Path, schema: str = "instagram") -> dict[str, int]:
    """One table per JSONL file, every line read (types from all rows); rows per table."""
    rows = {}
    with duckdb.connect(str(database)) as con:
        con.execute(f"create schema if not exists {schema}")
        for path in sorted(folder.glob("*.jsonl")):
            table = f'{schema}."{path.stem}"'
            con.execute(f"create or replace table {table} as select * from read_json(?, "
                        "format = 'newline_delimited', sample_size = -1)", [str(path)])  # fmt: skip
            result = con.execute(f"select count(*) from {table}").fetchone()
            rows[path.stem] = int(result[0]) if result else 0
    return rows
