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


def test_a_small_read_is_made_once_whoever_asks_and_its_error_kept() -> None:
    import threading

    from instagram_graph.errors import NotFoundError
    from tap_instagram.fetch import Once

    once, calls, gate = Once(), [], threading.Event()

    def read() -> str:
        calls.append(1)
        gate.wait(5)
        return "profile"

    answers: list[str] = []
    askers = [
        threading.Thread(target=lambda: answers.append(once.get("p", read))) for _ in range(4)
    ]
    for asker in askers:
        asker.start()
    time.sleep(0.05)
    assert once.peek("p") is None  # still reading: nobody waits on a peek
    gate.set()
    for asker in askers:
        asker.join(5)
    assert answers == ["profile"] * 4 and calls == [1]

    def gone() -> str:
        calls.append(2)
        raise NotFoundError("gone", request="GET /1")

    for _ in range(2):
        with pytest.raises(NotFoundError):
            once.get("q", gone)
    assert calls == [1, 2]  # the failed read is not made again
