"""The background worker processes ``seglab serve`` runs beside the web server."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from seglab.services.jobs import recover_interrupted
from seglab.store import Workspace

logger = logging.getLogger("seglab.server")


def start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-m", "seglab", "worker"]) for _ in range(count)]


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def worker_lifespan(
    ws: Workspace, count: int, on_stop: Callable[[], None] = lambda: None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Starts ``count`` workers with the app (after marking jobs orphaned by a previous run) and stops them with it
    (then calls ``on_stop``)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        interrupted = recover_interrupted(ws)
        if interrupted:
            logger.warning("jobs %s were interrupted by a previous shutdown", interrupted)
        processes = start_workers(count)
        try:
            yield
        finally:
            stop_workers(processes)
            on_stop()

    return lifespan
