"""Reads in the background: a run that stops wakes every stream still waiting and sends no more."""

from __future__ import annotations

import time

import pytest

from instagram_graph.auth import GraphAuthenticator
from instagram_graph.errors import ClientClosedError
from instagram_sandbox.testing import Demo
from tap_instagram.arenas import limit_arenas
from tap_instagram.tap import TapInstagram

from .conftest import demo_config


def test_a_stopped_run_wakes_its_streams_and_sends_nothing_more(demo: Demo) -> None:
    demo.control.configure(latency_ms=300)  # every answer takes a while: the reads are mid-way
    GraphAuthenticator._shared.clear()
    tap = TapInstagram(config=demo_config(demo, page_size=5))
    media = tap.run.media(demo.acme)  # starts the account's reads
    time.sleep(0.5)
    tap.run.close()
    started = time.monotonic()
    with pytest.raises(ClientClosedError):
        list(media)
    assert time.monotonic() - started < 1.0  # woken at once, not after the reads would end
    sent = demo.control.stats()["requests_total"]
    time.sleep(1.0)
    assert demo.control.stats()["requests_total"] <= sent + 8  # only what was in flight


def test_malloc_arenas_are_limited_on_glibc() -> None:
    assert limit_arenas() is True
