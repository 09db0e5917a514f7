"""A ``seglab serve`` process for the benchmarks that measure through HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def seglab_server(home: Path, log: Path, port: int | None = None, workers: int = 0) -> Iterator[str]:
    """``seglab serve`` on ``home`` with ``workers`` background workers (none by default), output to ``log``; yields
    its URL once it is ready."""
    port = port or free_port()
    env = {**os.environ, "SEGLAB_HOME": str(home), "SEGLAB_WORKERS": str(workers)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "seglab", "serve", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180  # a busy shared machine takes its time
            # alive, then ready (every route installed: they are after the start, see seglab.server.deferred)
            for path in ("/healthz", "/readiness"):
                while True:
                    try:
                        if httpx.get(f"{url}{path}", timeout=1).status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.2)
                    if time.monotonic() > deadline:
                        raise SystemExit(f"seglab serve did not start:\n{log.read_text()}")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)
