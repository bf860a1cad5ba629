"""Sandbox throughput: simple GETs per second from one client process over one keep-alive connection.

The sandbox runs in its own process (as it does for the tap's benchmarks), so client and server do not
share an interpreter. Goal: at least 1,500 requests per second.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from instagram_sandbox.testing import served_demo

REQUESTS = 5000
GOAL = 1500


def main() -> int:
    with served_demo() as served:
        host, port = re.match(r"http://([^:]+):(\d+)", served.base_url).groups()  # type: ignore[union-attr]
        conn = http.client.HTTPConnection(host, int(port))
        headers = {"Authorization": f"Bearer {served.access_token}"}
        path = f"/v25.0/{served.account_id}?fields=id,username,followers_count"
        for _ in range(200):
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
        started = time.perf_counter()
        for _ in range(REQUESTS):
            conn.request("GET", path, headers=headers)
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 200
        rate = REQUESTS / (time.perf_counter() - started)
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "requests": REQUESTS,
              "requests_per_second": round(rate), "goal": GOAL, "met": rate >= GOAL}  # fmt: skip
    print(json.dumps(result))
    out = Path(__file__).parent / "results" / "sandbox_throughput.jsonl"
    with out.open("a") as fh:
        fh.write(json.dumps(result) + "\n")
    return 0 if rate >= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
