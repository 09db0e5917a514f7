"""A ``seglab serve`` process for the benchmarks that measure through HTTP (the tests' own, tests/serve_process.py,
with a benchmark's environment and patience)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: the tests' helpers
from tests.serve_process import free_port, seglab_serve

__all__ = ["free_port", "seglab_server"]


@contextmanager
def seglab_server(home: Path, log: Path, port: int | None = None, workers: int = 0) -> Iterator[str]:
    """``seglab serve`` on ``home`` with ``workers`` background workers (none by default), output to ``log``; yields
    its URL once it is ready."""
    env = {**os.environ, "SEGLAB_HOME": str(home), "SEGLAB_WORKERS": str(workers)}
    # a busy shared machine takes its time
    with seglab_serve(log, env, port=port, start_timeout=180) as url:
        yield url
