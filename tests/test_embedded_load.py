"""The embedded default loses nothing: target-jsonl's files, checked against the tap, into DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from instagram_sandbox.server import running_sandbox
from instagram_sandbox.testing import demo_for

from .conftest import ROOT, Meltano

sys.path.insert(0, str(ROOT / "scripts"))
import landing  # the demo's loader, a script (scripts/ is no package)

TARGET_JSONL = ROOT / ".meltano/loaders/target-jsonl/venv/bin/target-jsonl"


def _singer(stream: str, record: dict[str, str]) -> str:
    schema = {"type": "object", "properties": {k: {"type": "string"} for k in record}}
    lines = [{"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]},
             {"type": "RECORD", "stream": stream, "record": record},
             {"type": "STATE", "value": {"bookmarks": {}}}]  # fmt: skip
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def test_one_row_all_text_streams_land_whole(tmp_path: Path) -> None:
    """The rows target-duckdb 0.8.0 dropped: a batch of one all-text row read as a CSV header."""
    folder = tmp_path / "jsonl"
    config = tmp_path / "target-jsonl.json"
    config.write_text(json.dumps({"destination_path": str(folder), "do_timestamp_file": False}))
    rows = {"hashtags": {"id": "17843853986012965", "name": "coffee"},
            "content_publishing_limit": {"id": "x", "account_id": "17841400000000001",
                                         "snapshot_time": "2026-12-06"}}  # fmt: skip
    for stream, record in rows.items():
        subprocess.run([str(TARGET_JSONL), "--config", str(config)], input=_singer(stream, record),
                       text=True, check=True, capture_output=True)  # fmt: skip
    assert landing.lines(folder) == {"content_publishing_limit": 1, "hashtags": 1}
    landed = landing.build(folder, tmp_path / "db.duckdb")
    assert landed == {"content_publishing_limit": 1, "hashtags": 1}
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        assert con.execute("select id, name from instagram.hashtags").fetchall() == [
            ("17843853986012965", "coffee")
        ]


def test_meltano_run_lands_every_record_the_tap_emits(meltano_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "jsonl"
    with running_sandbox("demo", 1, frozen=True) as frozen:
        demo = demo_for(frozen)
        meltano = Meltano(meltano_db, {"TAP_INSTAGRAM_API_URL": demo.base,
                                       "TAP_INSTAGRAM_ACCESS_TOKEN": demo.fb_token,
                                       "TARGET_JSONL_DESTINATION_PATH": str(folder)})  # fmt: skip
        done = meltano("run", "--state-id-suffix", tmp_path.name, "tap-instagram", "target-jsonl")
    emitted = landing.emitted(done.stderr)
    assert sum(emitted.values()) > 1000 and landing.check(emitted, {}, landing.lines(folder)) == []
    landed = landing.build(folder, tmp_path / "demo.duckdb")
    assert landed == landing.lines(folder) and landed["media"] == 72
    # A stream that lost a line is named, with both counts.
    fewer = {**landing.lines(folder), "media": 71}
    assert landing.check(emitted, {}, fewer) == ["media: 72 records emitted, 71 landed"]
