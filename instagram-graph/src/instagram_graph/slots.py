"""Request slots: at most `size` requests in flight, and page reads ahead of batch requests.

The pages of an edge (an account's media listing) come one after another, each naming the next,
so they are what a run waits for; batch requests of insights can go whenever a slot is free. While
a paged read is going on, one slot is kept for its pages: batch requests use the others, and a page
that waits is let in before any waiting batch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RequestSlots:
    """`size` slots for requests in flight; urgent requests (pages) first."""

    def __init__(self, size: int) -> None:
        """`size` requests at most in flight at once."""
        self.size = size
        self._free = size
        self._urgent_waiting = 0
        self._paging = 0  # paged reads going on: one slot is kept for them
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, *, urgent: bool = False) -> Iterator[None]:
        """Hold a slot for one request (waiting for one to free)."""
        with self._changed:
            self._urgent_waiting += urgent
            try:
                while not self._may_take(urgent):
                    self._changed.wait()
            finally:
                self._urgent_waiting -= urgent
            self._free -= 1
        try:
            yield
        finally:
            with self._changed:
                self._free += 1
                self._changed.notify_all()

    @contextmanager
    def paging(self) -> Iterator[None]:
        """A paged read is going on: keep a slot for its pages until it ends."""
        with self._changed:
            self._paging += 1
        try:
            yield
        finally:
            with self._changed:
                self._paging -= 1
                self._changed.notify_all()

    def _may_take(self, urgent: bool) -> bool:
        if urgent:
            return self._free > 0
        kept = 1 if self._paging and self.size > 1 else 0
        return self._free > kept and not self._urgent_waiting
