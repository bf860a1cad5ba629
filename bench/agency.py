"""tap-instagram over many accounts: the sandbox's `agency` (200 accounts, one Facebook Login user
and 50 Instagram Login creators, one creator's token expired) in one run, every default stream.

Real processes: the sandbox (`instagram-sandbox serve`) in one, the tap in another. Reported per
run: wall and CPU time, peak RSS, records, requests, Graph calls, accounts read, and the most
credentials with requests in flight at once. Runs: `max_concurrent_accounts` 4 (the default) and 1
(the reference of the invocation), both a first sync with the defaults, then the next day from the
first's state; then the same pair with 50 ms added to every answer, where reading accounts at once
pays.

Results are appended to bench/results/agency.jsonl with the machine's load averages.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from tap_large import BIN, Served, measure, record_result, serve


def agency_config(served: Served) -> dict[str, Any]:
    """Every credential of the scenario: the agency's Facebook token and each creator's."""
    rows = served.control("GET", "tokens")["accounts"]
    assert isinstance(rows, list)
    facebook = sorted({r["access_token"] for r in rows if "(Facebook Login)" in r["label"]})
    creators = [{"access_token": r["access_token"], "login": "instagram",
                 "api_url": f"{served.base_url}/graph.instagram.com"}
                for r in rows if "(Instagram Login)" in r["label"]]  # fmt: skip
    return {"api_url": served.base_url, "credentials": [{"access_token": facebook[0]}, *creators]}


def state_of(path: Path) -> dict[str, Any]:
    """The last STATE of a Singer file."""
    state: dict[str, Any] = {}
    with path.open() as lines:
        for line in lines:
            message = json.loads(line)
            if message.get("type") == "STATE":
                state = message["value"]
    return state


def tap_run(served: Served, work: Path, name: str, config: dict[str, Any],
            state: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """One tap run: wall, CPU, peak RSS, records, accounts, requests, Graph calls."""
    (work / f"{name}.json").write_text(json.dumps(config))
    command = [str(BIN / "tap-instagram"), "--config", str(work / f"{name}.json")]
    if state is not None:
        (work / f"{name}.state.json").write_text(json.dumps(state))
        command += ["--state", str(work / f"{name}.state.json")]
    served.control("POST", "stats/reset")
    out = work / f"{name}.singer"
    run = measure(command, out)
    stats = served.control("GET", "stats")
    streams: Counter[str] = Counter()
    accounts = set()
    with out.open() as lines:
        for line in lines:
            message = json.loads(line)
            if message.get("type") == "RECORD":
                streams[message["stream"]] += 1
                if message["stream"] == "accounts":
                    accounts.add(message["record"]["id"])
    return {"wall_s": round(run.wall_s, 2), "cpu_s": round(run.cpu_s, 2),
            "peak_rss_mb": round(run.peak_rss_mb, 1), "records": sum(streams.values()),
            "accounts": len(accounts), "requests": stats["requests_total"],
            "graph_calls": stats["graph_calls"], "in_flight_max": stats["in_flight_max"],
            "tokens_in_flight_max": stats["tokens_in_flight_max"], "output": str(out)}  # fmt: skip


def main() -> int:
    load_before = os.getloadavg()
    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp, serve("agency") as served:
        work = Path(tmp)
        config = agency_config(served)
        runs["first_sync"] = tap_run(served, work, "first_sync", config)
        runs["first_sync_one_account_at_a_time"] = tap_run(
            served, work, "serial", {**config, "max_concurrent_accounts": 1}
        )
        served.control("POST", "clock", {"advance_seconds": 86400})
        state = state_of(Path(runs["first_sync"]["output"]))
        runs["next_day"] = tap_run(served, work, "next_day", config, state)
    with tempfile.TemporaryDirectory() as tmp, serve("agency", latency_ms=50) as served:
        work, config = Path(tmp), agency_config(served)
        runs["first_sync_50ms"] = tap_run(served, work, "latency", config)
        runs["first_sync_50ms_one_account_at_a_time"] = tap_run(
            served, work, "latency_serial", {**config, "max_concurrent_accounts": 1}
        )
    for run in runs.values():
        run.pop("output", None)
    first = runs["first_sync"]
    figures = {
        "accounts_read": first["accounts"],
        "requests_per_account": round(first["requests"] / first["accounts"], 1),
        "graph_calls_per_account": round(first["graph_calls"] / first["accounts"], 1),
        "next_day_graph_calls_per_account": round(runs["next_day"]["graph_calls"] / first["accounts"], 1),
        "speedup_vs_one_account_at_a_time": round(
            runs["first_sync_one_account_at_a_time"]["wall_s"] / first["wall_s"], 2),
        "speedup_vs_one_account_at_a_time_at_50ms": round(
            runs["first_sync_50ms_one_account_at_a_time"]["wall_s"] / runs["first_sync_50ms"]["wall_s"], 2),
    }  # fmt: skip
    record_result("agency", load_before, figures=figures, runs=runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
