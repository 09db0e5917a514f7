"""Fewer glibc malloc arenas for the server, so its memory stays flat under concurrent load.

glibc gives a thread that allocates while others do its own arena, up to eight per core. The server's request
threads (the thread pool of synchronous routes, ``asyncio.to_thread``, the inference threads) each end up with one,
and each arena keeps the pages freed in it for that arena alone: under the soak benchmark (``benchmarks/soak.py``)
the server's RSS kept creeping up by megabytes a minute. Two arenas (``M_ARENA_MAX``, mallopt(3)) keep it flat; most
allocations happen under the GIL anyway, so little contention is added.
A ``MALLOC_ARENA_MAX`` already set in the environment is the operator's choice (glibc read it) and is left alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

SERVER_ARENAS = 2
_M_ARENA_MAX = -8
"""``mallopt``'s parameter number for the arena limit (glibc's malloc.h)."""


def cap_arenas(count: int = SERVER_ARENAS) -> bool:
    """At most ``count`` malloc arenas for the threads this process starts from now on (call it before starting
    them); false where it did not apply: not Linux, not glibc, or ``MALLOC_ARENA_MAX`` set."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, count) == 1)
    except (OSError, AttributeError):  # no libc by that name, or one without mallopt (musl)
        return False
