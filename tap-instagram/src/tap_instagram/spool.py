"""Items kept on disk for the run instead of in memory: written once, read back as often as needed.

An account's media (with their children and comment threads) are read once and asked for by several
streams. Held in memory they grow with the account (about 17 KB a media with its comments); spooled
to a temporary file the tap's memory stays flat, whatever the account's size.
"""

from __future__ import annotations

import json
import os
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from typing import Any


class Spool:
    """JSON items in a temporary file (deleted when the spool is closed or collected)."""

    def __init__(self, directory: str | None = None) -> None:
        """An empty spool in `directory` (the system's temporary folder by default)."""
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - lives with the spool
        self._offsets = array("q")  # where each item starts: 8 bytes an item

    def extend(self, items: Iterable[dict[str, Any]]) -> None:
        """Append items (at the end, whatever was read before)."""
        self._file.seek(0, os.SEEK_END)
        for item in items:
            self._offsets.append(self._file.tell())
            self._file.write(json.dumps(item, separators=(",", ":")).encode() + b"\n")
        self._file.flush()

    def __len__(self) -> int:
        """How many items the spool holds."""
        return len(self._offsets)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The items in the order they were written (each iteration reads on its own)."""
        return self._read(range(len(self._offsets)))

    def __reversed__(self) -> Iterator[dict[str, Any]]:
        """The items, last written first."""
        return self._read(range(len(self._offsets) - 1, -1, -1))

    def _read(self, positions: range) -> Iterator[dict[str, Any]]:
        fd = self._file.fileno()
        for n in positions:
            start = self._offsets[n]
            stop = self._offsets[n + 1] if n + 1 < len(self._offsets) else os.fstat(fd).st_size
            yield json.loads(os.pread(fd, stop - start, start))

    def close(self) -> None:
        """Delete the file now."""
        self._file.close()
