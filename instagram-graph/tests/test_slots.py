"""Request slots: a bound on requests in flight, with page reads let in before batch requests."""

from __future__ import annotations

import threading
import time

from instagram_graph.slots import RequestSlots


def test_no_more_than_size_at_once_from_many_threads() -> None:
    slots = RequestSlots(3)
    inside, most = [0], [0]
    lock = threading.Lock()

    def request() -> None:
        with slots.slot():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.01)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=request) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert most[0] == 3


def test_while_pages_are_read_a_slot_is_kept_for_them() -> None:
    slots = RequestSlots(2)
    with slots.paging(), slots.slot():  # one batch in flight
        got = threading.Event()

        def batch() -> None:
            with slots.slot():
                got.set()

        other = threading.Thread(target=batch)
        other.start()
        assert not got.wait(0.1)  # the last slot is kept for the pages
        with slots.slot(urgent=True):  # a page gets it at once
            pass
    other.join(5)
    assert got.is_set()  # the paging ended: the batch went


def test_a_waiting_page_goes_before_a_waiting_batch() -> None:
    slots = RequestSlots(1)
    order: list[str] = []
    held = slots.slot()
    held.__enter__()

    def go(name: str, urgent: bool) -> None:
        with slots.slot(urgent=urgent):
            order.append(name)

    batch = threading.Thread(target=go, args=("batch", False))
    batch.start()
    time.sleep(0.05)
    page = threading.Thread(target=go, args=("page", True))
    page.start()
    time.sleep(0.05)
    held.__exit__(None, None, None)
    batch.join(5)
    page.join(5)
    assert order == ["page", "batch"]
