"""``seglab serve`` in its own process on a loopback port, for the tests (tests/server/conftest.py's
``running_server``) and the benchmarks (benchmarks/_serving.py) alike. No pytest here, so a benchmark can use it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx


class ServerNotStartedError(RuntimeError):
    """The server exited, or did not answer in time; the message ends with its log."""


class ServerNotStoppedError(RuntimeError):
    """The server did not stop in time after SIGTERM (it was killed); the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answering(
    process: subprocess.Popen[bytes], url: str, deadline: float, *, ready: int | None = None, interval: float = 0.2
) -> bool:
    """Poll ``url`` until it answers (with status ``ready`` when given): True then, False once ``process`` has
    exited or ``deadline`` (``time.monotonic()``) has passed, for the caller to say so with its log."""
    while True:
        try:
            # a loopback http:// URL: no CA bundle to load (httpx loads it per call by default, ~25 ms of CPU)
            answer = httpx.get(url, timeout=1, verify=False)
            if ready is None or answer.status_code == ready:
                return True
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(interval)


@contextmanager
def seglab_serve(
    log: Path,
    env: Mapping[str, str],
    *,
    port: int | None = None,
    start_timeout: float = 60,
    stop_timeout: float = 30,
) -> Iterator[str]:
    """``seglab serve`` in environment ``env``, output to ``log`` (a pipe nobody reads would fill up and stall it);
    yields its base URL once ``/healthz`` and then ``/readiness`` answer (the routes are installed after the start,
    see seglab.server.deferred). Stopped with SIGTERM at the end; the server gives its background workers 10 s to
    finish what they are doing, then kills them."""
    port = port or free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "seglab", "serve", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            for path in ("/healthz", "/readiness"):
                if not wait_until_answering(process, f"{url}{path}", deadline, ready=200):
                    raise ServerNotStartedError(f"seglab serve did not come up:\n{log.read_text()}")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                raise ServerNotStoppedError(
                    f"seglab serve did not stop within {stop_timeout:.0f} s of SIGTERM:\n{log.read_text()[-3000:]}"
                ) from None
