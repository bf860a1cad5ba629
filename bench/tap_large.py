"""tap-instagram on big accounts: peak memory, speed against the floor tap, and at 50 ms latency.

Every figure comes from real processes: the sandbox (`instagram-sandbox serve`) in one, the tap in
another, measured with `os.wait4` (wall time, peak RSS of that process alone). Runs, all with
every default stream:

- `large` (5,000 media, 50,000 comments) and `xlarge` (15,000 media, of which Graph lists the
  newest 10,000): peak RSS, the goal being 100 MB for both (flat in the account's size);
- the floor tap (`floor_tap.py`) emitting the `large` run's records from memory: records per second
  of ours as a ratio of the floor's (goal 0.70);
- `large` with 50 ms added to every answer: wall time (goal 10 s), and the same with
  `max_concurrent_requests` 1 as the reference of that invocation.

Results are appended to bench/results/tap_large.jsonl with the machine's load averages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
GOALS = {"peak_rss_mb": 100, "records_per_second_ratio": 0.70, "latency_50ms_wall_s": 10}


@dataclass
class Served:
    """A sandbox serving in its own process."""

    base_url: str
    token: str

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        request = urllib.request.Request(f"{self.base_url}/__sandbox/{path}", method=method, data=data,
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(request) as answer:
            return dict(json.load(answer))


@contextmanager
def serve(scenario: str, latency_ms: float = 0) -> Iterator[Served]:
    """`instagram-sandbox serve` on a free port; its base URL and the first account's token."""
    command = [str(BIN / "instagram-sandbox"), "serve", "--scenario", scenario, "--port", "0",
               "--frozen", "--latency-ms", str(latency_ms)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert proc.stdout is not None
        base = None
        for line in proc.stdout:
            if "base URL (Facebook Login)" in line:
                base = line.split()[-1]
            elif "access token" in line and base:
                yield Served(base, line.split()[-1])
                return
        raise RuntimeError(f"the {scenario} sandbox ended before announcing a token")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@dataclass
class Measured:
    """One process run to completion."""

    wall_s: float
    cpu_s: float  # user + system time of that process
    peak_rss_mb: float
    log: str


def measure(command: list[str], out: Path) -> Measured:
    """Run a command to completion: wall and CPU seconds, its peak RSS in MB, its stderr."""
    with out.open("w") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=stdout, stderr=stderr)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        log = stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({proc.returncode}):\n{log[-2000:]}")
    # ru_maxrss is in KB on Linux
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, log)


def record_result(name: str, load_before: tuple[float, ...], **fields: Any) -> dict[str, Any]:
    """Print one invocation's result and append it to results/NAME.jsonl, with the machine load."""
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "load_before": [round(x, 2) for x in load_before],
              "load_after": [round(x, 2) for x in os.getloadavg()], **fields}  # fmt: skip
    print(json.dumps(result, indent=2))
    with (HERE / "results" / f"{name}.jsonl").open("a") as fh:
        fh.write(json.dumps(result) + "\n")
    return result


def records_in(path: Path) -> int:
    """RECORD messages in a Singer file."""
    with path.open() as lines:
        return sum(1 for line in lines if json.loads(line).get("type") == "RECORD")


def tap_run(served: Served, work: Path, name: str, **settings: object) -> dict[str, Any]:
    """One tap run with every default stream: wall, peak RSS, records, requests, Graph calls."""
    config = work / f"{name}.json"
    config.write_text(
        json.dumps({"access_token": served.token, "api_url": served.base_url, **settings})
    )
    served.control("POST", "stats/reset")
    out = work / f"{name}.singer"
    run = measure([str(BIN / "tap-instagram"), "--config", str(config)], out)
    stats = served.control("GET", "stats")
    return {"wall_s": round(run.wall_s, 2), "cpu_s": round(run.cpu_s, 2),
            "peak_rss_mb": round(run.peak_rss_mb, 1), "records": records_in(out),
            "requests": stats["requests_total"], "graph_calls": stats["graph_calls"],
            "in_flight_max": stats["in_flight_max"], "output": str(out)}  # fmt: skip


def floor_run(large: dict[str, Any], work: Path) -> dict[str, Any]:
    """The floor tap on the large run's output: its emitting time (its loading taken off)."""
    config = work / "floor.json"
    config.write_text(json.dumps({"input": large["output"]}))
    run = measure([sys.executable, str(HERE / "floor_tap.py"), "--config", str(config)],
                  work / "floor.singer")  # fmt: skip
    loaded = float(re.findall(r"floor-tap loaded in ([0-9.]+) s", run.log)[-1])
    return {"wall_s": round(run.wall_s, 2), "loading_s": round(loaded, 2),
            "emitting_s": round(run.wall_s - loaded, 2), "cpu_s": round(run.cpu_s, 2),
            "peak_rss_mb": round(run.peak_rss_mb, 1)}  # fmt: skip


def figures_of(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The headline figures from the runs of one invocation."""
    large, floor = runs["large"], runs["floor"]
    ours_rate = large["records"] / large["wall_s"]
    floor_rate = large["records"] / floor["emitting_s"]
    return {
        "peak_rss_mb": {"large": large["peak_rss_mb"], "xlarge": runs["xlarge"]["peak_rss_mb"]},
        "records_per_second": {"ours": round(ours_rate), "floor": round(floor_rate)},
        "records_per_second_ratio": round(ours_rate / floor_rate, 2),
        # the same per CPU-second of the tap's own process (the sandbox shares the machine)
        "records_per_cpu_second_ratio": round(floor["cpu_s"] / large["cpu_s"], 2),
        "latency_50ms_wall_s": runs["large_50ms"]["wall_s"],
        "latency_50ms_speedup_vs_serial": round(
            runs["large_50ms_serial"]["wall_s"] / runs["large_50ms"]["wall_s"], 2),
    }  # fmt: skip


def main() -> int:
    load_before = os.getloadavg()
    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with serve("large") as served:
            runs["large"] = tap_run(served, work, "large")
        runs["floor"] = floor_run(runs["large"], work)
        with serve("xlarge") as served:
            runs["xlarge"] = tap_run(served, work, "xlarge")
        with serve("large", latency_ms=50) as served:
            runs["large_50ms"] = tap_run(served, work, "large_50ms")
            runs["large_50ms_serial"] = tap_run(served, work, "large_50ms_serial",
                                                max_concurrent_requests=1)  # fmt: skip
    figures = figures_of(runs)
    met = {
        "peak_rss_mb": max(figures["peak_rss_mb"].values()) <= GOALS["peak_rss_mb"],
        "records_per_second_ratio": figures["records_per_second_ratio"]
        >= GOALS["records_per_second_ratio"],
        "latency_50ms_wall_s": figures["latency_50ms_wall_s"] <= GOALS["latency_50ms_wall_s"],
    }
    for run in runs.values():
        run.pop("output", None)
    record_result("tap_large", load_before, figures=figures, goals=GOALS, met=met, runs=runs)
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
