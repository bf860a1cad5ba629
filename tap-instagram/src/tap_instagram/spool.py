"""Items kept on disk for the run instead of in memory: written once, read back as often as needed.

An account's media (with their children and comment threads) and its insights answers are read
once, in the background, and asked for by several streams. Held in memory they grow with the
account (about 17 KB a media with its comments); spooled to a temporary file the tap's memory stays
flat, whatever the account's size. A spool is read while it is written: a reader waits for the
next item until the writer `finish`es it, and meets the writer's error, if it failed, at the end
of what was written.
"""

from __future__ import annotations

import os
import tempfile
import threading
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
READ_BLOCK = 1 << 20  # bytes read from the file at a time


class Spool:
    """JSON items in a temporary file (deleted when the spool is closed or collected)."""

    def __init__(self, directory: str | None = None) -> None:
        """An empty, unfinished spool in `directory` (the system's temporary folder by default)."""
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - lives with the spool
        self._offsets = array("q", [0])  # where each item starts, and where the next one will
        self._grown = threading.Condition()
        self._done = False
        self._error: BaseException | None = None

    def extend(self, items: Iterable[Any]) -> None:
        """Append items; readers waiting for more see them at once (nothing, once finished)."""
        lines = [_encode(item) + b"\n" for item in items]
        if not lines:
            return
        with self._grown:
            if self._done:
                return
            end = self._offsets[-1]
            os.pwrite(self._file.fileno(), b"".join(lines), end)
            for line in lines:
                end += len(line)
                self._offsets.append(end)
            self._grown.notify_all()

    def finish(self, error: BaseException | None = None) -> None:
        """No more items; `error` (if any) is raised to each reader once it has read them all.

        Only the first call counts (a run that stops finishes its spools before their writers).
        """
        with self._grown:
            if self._done:
                return
            self._done, self._error = True, error
            self._grown.notify_all()

    @property
    def finished(self) -> bool:
        """Whether the writer is done (successfully or not)."""
        return self._done

    def __len__(self) -> int:
        """How many items the spool holds so far."""
        return len(self._offsets) - 1

    def __iter__(self) -> Iterator[Any]:
        """The items in the order they were written, waiting for the writer until it finishes."""
        position = 0
        while True:
            with self._grown:
                while position >= len(self) and not self._done:
                    self._grown.wait()
                written, error = len(self), self._error
            if position >= written:
                if error is not None:
                    raise error
                return
            yield from self._read(range(position, written))
            position = written

    def __reversed__(self) -> Iterator[Any]:
        """The items, last written first (once the writer has finished)."""
        self.wait()
        return (item for n in range(len(self) - 1, -1, -1) for item in self._read(range(n, n + 1)))

    def wait(self) -> None:
        """Until the writer has finished; its error, if it failed."""
        with self._grown:
            while not self._done:
                self._grown.wait()
            error = self._error
        if error is not None:
            raise error

    def _read(self, positions: range) -> Iterator[Any]:
        """Items at `positions` (ascending), read a block of up to `READ_BLOCK` bytes at a time."""
        fd, offsets = self._file.fileno(), self._offsets
        n = positions.start
        while n < positions.stop:
            last = n + 1  # at least one item, however large
            while last < positions.stop and offsets[last + 1] - offsets[n] <= READ_BLOCK:
                last += 1
            block = memoryview(os.pread(fd, offsets[last] - offsets[n], offsets[n]))
            base = offsets[n]
            for m in range(n, last):
                yield _decode(block[offsets[m] - base : offsets[m + 1] - base])
            n = last

    def close(self) -> None:
        """Delete the file now."""
        self._file.close()
