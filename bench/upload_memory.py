"""Memory of a video_file upload: a 200 MB reel against a 20 MB one, through the real target.

One sandbox process (`demo`); `target-instagram` runs as its own process per file and uploads a
REELS `video_file` in 8 MiB chunks (the default). Peak RSS comes from `os.wait4`. The goal is
flat memory: the 200 MB upload's peak RSS within 10% of the 20 MB reference run of the same
invocation (a file read whole would add 180 MB). The sandbox's write log confirms every byte
arrived (sha256 of the file). Results are appended to bench/results/upload_memory.jsonl with the
machine's load averages.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tap_large import BIN, Served, measure, record_result, serve

GOAL_RSS_RATIO = 1.10
BLOCK = hashlib.sha256(b"reel").digest() * 32768  # 1 MiB


def make_file(path: Path, megabytes: int) -> str:
    """A file of `megabytes` MiB, written a block at a time; its sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(megabytes):
            out.write(BLOCK)
            digest.update(BLOCK)
    return digest.hexdigest()


def upload(served: Served, account: str, work: Path, megabytes: int) -> dict[str, Any]:
    """One target run publishing a reel from a file of that size."""
    video = work / f"reel-{megabytes}.mp4"
    sha = make_file(video, megabytes)
    config = work / f"target-{megabytes}.json"
    config.write_text(json.dumps({
        "access_token": served.token, "api_url": served.base_url, "account_id": account,
        "ledger_path": str(work / f"ledger-{megabytes}.sqlite"), "publish_poll_timeout_seconds": 0,
    }))  # fmt: skip
    singer = work / f"input-{megabytes}.singer"
    schema = {"type": "object", "properties": {"op_id": {"type": "string"}, "media_type": {"type": "string"},
                                               "video_file": {"type": "string"}}}  # fmt: skip
    singer.write_text("\n".join(json.dumps(m) for m in [
        {"type": "SCHEMA", "stream": "ops-media", "schema": schema, "key_properties": ["op_id"]},
        {"type": "RECORD", "stream": "ops-media", "record": {"op_id": f"reel-{megabytes}",
                                                             "media_type": "REELS", "video_file": str(video)}},
        {"type": "STATE", "value": {"bookmarks": {}}},
    ]) + "\n")  # fmt: skip
    before = len(served.control("GET", "writes")["writes"])
    run = measure([str(BIN / "target-instagram"), "--config", str(config), "--input", str(singer)],
                  work / f"out-{megabytes}.txt")  # fmt: skip
    writes = served.control("GET", "writes")["writes"][before:]
    done = [w for w in writes if w["kind"] == "container.upload"]
    chunks = [w for w in writes if w["kind"] == "container.upload_chunk"]
    return {"megabytes": megabytes, "wall_s": round(run.wall_s, 2), "cpu_s": round(run.cpu_s, 2),
            "peak_rss_mb": round(run.peak_rss_mb, 1), "chunks": len(chunks),
            "complete": bool(done) and done[0]["sha256"] == sha}  # fmt: skip


def main() -> int:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, serve("demo") as served:
        work = Path(tmp)
        account = served.control("GET", "accounts")["accounts"][0]["id"]
        reference = upload(served, account, work, 20)
        large = upload(served, account, work, 200)
    ratio = round(large["peak_rss_mb"] / reference["peak_rss_mb"], 3)
    met = ratio <= GOAL_RSS_RATIO and reference["complete"] and large["complete"]
    throughput = (large["megabytes"] / large["wall_s"]) / (
        reference["megabytes"] / reference["wall_s"]
    )
    record_result("upload_memory", load_before,
                  figures={"peak_rss_ratio_200mb_to_20mb": ratio, "throughput_ratio": round(throughput, 2)},
                  goals={"peak_rss_ratio_200mb_to_20mb": GOAL_RSS_RATIO}, met=met,
                  runs={"reference_20mb": reference, "large_200mb": large})  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
