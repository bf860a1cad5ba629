"""One target run per ledger at a time: an exclusive lock next to the ledger file.

Two runs of the same ledger (a scheduler overlapping runs) would both send the operations they
read as pending. The first run holds an exclusive `flock` on `<ledger>.lock` until its process
ends; the operating system releases it when the owner exits or crashes, so a dead owner's lock
is taken over only once it is gone. A second run waits up to `ledger_wait_seconds`, then stops
with a message naming the owner. `flock` is reliable on local disks; on network file systems
(NFS, SMB) it may not be, so keep the ledger on a local disk.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from instagram_graph.errors import SettingsError
from instagram_graph.redaction import get_logger

log = get_logger(__name__)
POLL_SECONDS = 0.5


class LedgerLock:
    """The held lock; `release` (or the process ending) lets the next run in."""

    def __init__(self, handle: IO[str]) -> None:
        """Wrap an open, locked lock file."""
        self.handle = handle

    def release(self) -> None:
        """Unlock and close."""
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def hold(
    ledger: Path,
    wait_seconds: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> LedgerLock:
    """Take the ledger's lock, waiting up to `wait_seconds` for another run to finish."""
    path = ledger.with_name(ledger.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    deadline, warned = clock() + wait_seconds, False
    while not _try_lock(handle):
        owner = _owner(path)
        if clock() >= deadline:
            handle.close()
            raise SettingsError(
                "ledger_path",
                f"another target-instagram run (pid {owner}) holds the ledger {ledger}",
                "let that run finish (runs of one ledger must not overlap), or raise "
                "ledger_wait_seconds to wait longer",
            )
        if not warned:
            log.warning("another run (pid %s) holds the ledger %s; waiting up to %.0f s",
                        owner, ledger, wait_seconds)  # fmt: skip
            warned = True
        sleep(POLL_SECONDS)
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return LedgerLock(handle)


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _owner(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"
