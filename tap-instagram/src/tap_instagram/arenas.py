"""Fewer malloc arenas: the tap's reader threads would otherwise each grow a heap of their own.

glibc gives every thread that allocates at once an arena of its own (up to eight per core), and
memory freed in one is not reused by another: with a dozen reader threads decoding Graph's answers,
the tap's resident memory grew by about a fifth with no more data held. Two arenas keep the reader
threads from contending on one lock while freed memory is reused (the same as running the tap
with `MALLOC_ARENA_MAX=2`). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
ARENAS = 2


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most `arenas` malloc arenas; False where that cannot be asked."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_ARENA_MAX, arenas))
    log.debug("malloc arenas limited to %d: %s", arenas, done)
    return done
