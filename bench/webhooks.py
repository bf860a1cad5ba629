"""Webhook receiver throughput: sustained signed deliveries per second into SQLite, and p99.

`instagram-webhooks serve` runs as its own process (SQLite store, WAL, every commit synced); a
load generator in this process sends signed deliveries (one change each, all different) from
`CLIENTS` keep-alive connections and times each answer. The reference run of the same invocation
sends the same deliveries to a receiver whose SQLite store is in memory (nothing reaches the
disk), so the ratio shows what durable storage costs. Every delivery must be stored once (the store's count is checked).
Results are appended to bench/results/webhooks.jsonl with the machine's load averages.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tap_large import BIN, record_result

from instagram_webhooks.store import SqliteStore

DELIVERIES = 6000
CLIENTS = 8
SECRET = "bench-secret"  # noqa: S105 - a throwaway secret of this benchmark
GOALS = {"deliveries_per_second": 1000}


@contextmanager
def receiver(store: Path) -> Iterator[tuple[str, int]]:
    """`instagram-webhooks serve --port 0` in its own process; (host, port)."""
    env = {**os.environ, "INSTAGRAM_APP_SECRET": SECRET, "INSTAGRAM_WEBHOOK_VERIFY_TOKEN": "v"}
    proc = subprocess.Popen([str(BIN / "instagram-webhooks"), "serve", "--port", "0", "--store", str(store)],  # noqa: S603
                            stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[3]
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)
    finally:
        proc.terminate()
        proc.wait(30)


def delivery(n: int) -> tuple[bytes, dict[str, str]]:
    """A signed delivery of one new comment."""
    body = json.dumps({"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1_790_000_000 + n,
                       "changes": [{"field": "comments", "value": {"id": f"178{n:014d}", "text": f"Comment {n}",
                                    "media": {"id": "17900000000000001"}}}]}]}).encode()  # fmt: skip
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


def load(
    host: str, port: int, request: Callable[[int], tuple[str, str, bytes | None, dict[str, str]]]
) -> dict[str, Any]:
    """`DELIVERIES` requests from `CLIENTS` threads: wall time, rate, latency percentiles."""
    latencies: list[float] = []
    lock, failures = threading.Lock(), [0]

    def worker(start: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine = []
        for n in range(start, DELIVERIES, CLIENTS):
            method, path, body, headers = request(n)
            began = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            mine.append(time.perf_counter() - began)
            if answer.status != 200:
                with lock:
                    failures[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    pick = lambda q: round(latencies[int(q * (len(latencies) - 1))] * 1000, 2)  # noqa: E731
    return {"requests": len(latencies), "failures": failures[0], "wall_s": round(wall, 2),
            "per_second": round(len(latencies) / wall), "p50_ms": pick(0.50), "p99_ms": pick(0.99),
            "max_ms": round(latencies[-1] * 1000, 2)}  # fmt: skip


def main() -> int:
    load_before = os.getloadavg()
    bodies = [delivery(n) for n in range(DELIVERIES)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.sqlite"
        with receiver(Path(":memory:")) as (host, port):
            reference = load(host, port, lambda n: ("POST", "/", *bodies[n]))
        with receiver(path) as (host, port):
            stored = load(host, port, lambda n: ("POST", "/", *bodies[n]))
        store = SqliteStore(path)
        kept = store.count()
        store.close()
    met = (
        stored["per_second"] >= GOALS["deliveries_per_second"]
        and kept == DELIVERIES
        and not stored["failures"]
    )
    record_result("webhooks", load_before,
                  figures={"deliveries_per_second": stored["per_second"], "p99_ms": stored["p99_ms"],
                           "ratio_to_memory_store": round(stored["per_second"] / reference["per_second"], 2),
                           "stored": kept, "clients": CLIENTS},
                  goals=GOALS, met=met, runs={"memory_store_reference": reference, "signed_deliveries": stored})  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
