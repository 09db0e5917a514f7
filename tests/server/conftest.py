"""Server fixtures: ``client`` (the app in-process, on the test's home), ``live_server`` (``seglab serve`` on the
test's home: for a test that prepares that home itself or needs a server of its own). ``shared_server`` (one
``seglab serve`` per test worker) is in tests/conftest.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.settings import Settings


@pytest.fixture
def client(seglab_home) -> Iterator[TestClient]:
    app = create_app(Settings())
    with TestClient(app) as test_client:
        yield test_client
    app.state.workspace.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(log: Path, base: Mapping[str, str] | None = None, **env: str) -> Iterator[str]:
    """``seglab serve`` in its own process on a loopback port (output to ``log``: a pipe nobody reads would fill up
    and stall it), in environment ``base`` (default: this process's) with ``env`` on top; yields its base URL once
    ``/healthz`` and then ``/readiness`` answer."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "seglab", "serve", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**(os.environ if base is None else base), **env},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            # alive, then ready: /readiness waits for the routes installed after the start (seglab.server.deferred)
            for path in ("/healthz", "/readiness"):
                while True:
                    try:
                        if httpx.get(f"{url}{path}", timeout=1).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"seglab serve did not come up:\n{log.read_text()}")
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:  # the server gives its background workers 10 s to finish what they are doing, then kills them
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                pytest.fail(f"seglab serve did not stop within 30 s of SIGTERM:\n{log.read_text()[-3000:]}")


@pytest.fixture
def live_server(seglab_home: Path) -> Iterator[str]:
    """``seglab serve`` on this test's SEGLAB_HOME; yields its base URL."""
    with running_server(seglab_home.parent / "serve.log") as url:
        yield url
