"""Graph versions: the newest versions serve what the catalogue's version serves."""

from __future__ import annotations

from instagram_sandbox.testing import Demo

from .conftest import demo_config, run_tap


def test_a_sync_on_v27_reads_what_v25_reads(demo: Demo) -> None:
    v25 = run_tap(demo_config(demo))
    v27 = run_tap(demo_config(demo, api_version="v27.0"))
    for stream in ("media", "comments", "media_children"):
        assert {r["id"] for r in v27.records(stream)} == {r["id"] for r in v25.records(stream)}
    assert len(v27.records("media_insights")) == len(v25.records("media_insights"))
