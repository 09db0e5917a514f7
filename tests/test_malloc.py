"""The server's cap on glibc malloc arenas: eight threads that allocate get at most two arenas, counted by glibc
itself (``malloc_info``'s heaps), in a fresh interpreter so the cap and the arenas are that process's alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from seglab.malloc import SERVER_ARENAS, cap_arenas

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")

COUNT_ARENAS = textwrap.dedent(
    """
    import ctypes, ctypes.util, sys, tempfile, threading
    from seglab.malloc import cap_arenas

    if sys.argv[1] == "cap":
        assert cap_arenas()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    together = threading.Barrier(8)

    def allocate():
        together.wait()
        for block in [libc.malloc(4096) for _ in range(200)]:
            libc.free(block)

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc.fopen.restype, libc.fopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes, libc.fclose.argtypes = [ctypes.c_int, ctypes.c_void_p], [ctypes.c_void_p]
    with tempfile.NamedTemporaryFile("r") as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        print(report.read().count("<heap nr="))
    """
)


def _arenas(mode: str) -> int:
    env = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, mode], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    return int(done.stdout)


def test_threads_share_at_most_the_servers_arenas() -> None:
    assert _arenas("default") > SERVER_ARENAS  # glibc's own limit (8 per core) lets each thread have one
    assert _arenas("cap") <= SERVER_ARENAS


def test_an_operators_malloc_arena_max_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert cap_arenas() is False
