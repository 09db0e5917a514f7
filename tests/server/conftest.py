"""Server fixtures: ``client`` (the app in-process, on the test's home), ``live_server`` (``seglab serve`` on the
test's home: for a test that prepares that home itself or needs a server of its own), ``shared_server`` (one
``seglab serve`` per test worker, on a home of its own, shared by every test that asks for it: such a test keeps
to its own projects, named with ``unique_name``, and assumes nothing about what other tests put there)."""

from __future__ import annotations

import itertools
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


_SESSION_ENVIRONMENT = dict(os.environ)
"""The environment before any test changed it: what ``shared_server`` starts with, whichever test starts it."""


@contextmanager
def running_server(log: Path, base: Mapping[str, str] | None = None, **env: str) -> Iterator[str]:
    """``seglab serve`` in its own process on a loopback port (output to ``log``: a pipe nobody reads would fill up
    and stall it), in environment ``base`` (default: this process's) with ``env`` on top; yields its base URL once
    ``/healthz`` answers."""
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
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
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


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One ``seglab serve`` (no background worker) per test worker, started by the first test that asks for it and
    kept for the others: starting a server per test costs seconds of CPU each. Its home is its own, not the test's
    ``seglab_home``; tests name what they create with ``unique_name``."""
    folder = tmp_path_factory.mktemp("shared-server")
    environment = {**_SESSION_ENVIRONMENT, "SEGLAB_HOME": str(folder / "home"), "SEGLAB_WORKERS": "0"}
    for variable in ("SEGLAB_DATABASE_URL", "SEGLAB_BLOB_URL", "SEGLAB_HOST", "SEGLAB_PORT"):
        environment.pop(variable, None)
    # not the environment of the test that happens to start it (a test may set variables for its own server)
    with running_server(folder / "serve.log", base=environment, OMP_NUM_THREADS="1") as url:
        yield url


_names = itertools.count(1)


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A project name no other test in this session uses (the test's name and a counter): for ``shared_server``."""
    stem = "".join(c if c.isalnum() else "-" for c in request.node.name.removeprefix("test_"))[:40].strip("-")
    return f"{stem}-{next(_names)}"
