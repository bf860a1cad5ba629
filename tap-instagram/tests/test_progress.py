"""Progress lines every `every` seconds on the injected clock, and the run summary."""

from __future__ import annotations

import logging

import pytest

from tap_instagram.progress import Progress


def test_a_progress_line_every_ten_seconds_with_requests_and_graph_calls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    progress = Progress(lambda: (7, 120), clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="tap_instagram")
    for second in range(35):  # 512 records a second (the clock is looked at every 512th)
        now[0] = float(second)
        for _ in range(512):
            progress.record("media", "1784")
    progress.tick("1784")  # within 10 s of the last line: nothing
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("progress")]
    assert len(lines) == 3  # at 10, 20 and 30 s
    assert (
        lines[0]
        == "progress: account 1784: 5632 records so far (5632 in all), 7 requests, 120 Graph calls"
    )
    now[0] = 45.0
    progress.tick("1785")  # a long read without records still reports
    assert caplog.records[-1].getMessage().startswith("progress: account 1785: 0 records so far")
    assert progress.summary() == (
        "run summary: 17920 records (media 17920); 7 requests, 120 Graph calls"
    )
