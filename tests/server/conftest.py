"""Server fixtures: ``client`` (the app in-process, on the test's home), ``live_server`` (``seglab serve`` on the
test's home: for a test that prepares that home itself or needs a server of its own). ``shared_server`` (one
``seglab serve`` per test worker) is in tests/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.settings import Settings

from ..serve_process import ServerNotStartedError, ServerNotStoppedError, seglab_serve


@pytest.fixture
def client(seglab_home) -> Iterator[TestClient]:
    app = create_app(Settings())
    with TestClient(app) as test_client:
        yield test_client
    app.state.workspace.close()


@contextmanager
def running_server(log: Path, base: Mapping[str, str] | None = None, **env: str) -> Iterator[str]:
    """``seglab serve`` in its own process on a loopback port (tests/serve_process.py), in environment ``base``
    (default: this process's) with ``env`` on top; yields its base URL once it is ready."""
    try:
        with seglab_serve(log, {**(os.environ if base is None else base), **env}) as url:
            yield url
    except (ServerNotStartedError, ServerNotStoppedError) as failed:
        pytest.fail(str(failed))


@pytest.fixture
def live_server(seglab_home: Path) -> Iterator[str]:
    """``seglab serve`` on this test's SEGLAB_HOME; yields its base URL."""
    with running_server(seglab_home.parent / "serve.log") as url:
        yield url
