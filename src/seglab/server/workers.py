"""The background worker processes ``seglab serve`` runs beside the web server, and their supervision.

Each worker ends with the server (it is started with ``--parent``: Linux's parent-death signal and a watcher), so
killing the server, even with SIGKILL, leaves no worker behind. A worker that dies is restarted after a backoff
that doubles while it keeps dying, and ``/healthz`` reports the workers (alive, expected, restarts) and answers
503 "degraded" while fewer are alive than expected.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from seglab.services.jobs import reclaim_expired, recover_interrupted
from seglab.store import Workspace

logger = logging.getLogger("seglab.server")

STABLE_SECONDS = 60.0
"""A worker that ran this long before dying is restarted after the shortest backoff again."""


def start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "seglab", "worker", "--parent", str(os.getpid())])


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class _Slot:
    process: subprocess.Popen[bytes] | None
    started: float
    backoff: float
    restart_at: float | None = None


class WorkerSupervisor:
    """Keeps ``count`` workers running: a thread checks them every ``poll`` seconds, marks the jobs of a dead one
    interrupted (and any job whose lease expired), and restarts it after ``min_backoff`` seconds, doubling up to
    ``max_backoff`` while it keeps dying within :data:`STABLE_SECONDS`."""

    def __init__(
        self,
        ws: Workspace,
        count: int,
        *,
        poll: float = 0.5,
        min_backoff: float = 1.0,
        max_backoff: float = 30.0,
        start: Callable[[], subprocess.Popen[bytes]] = start_worker,
    ) -> None:
        self.ws, self.count, self.poll = ws, count, poll
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self._start = start
        self._slots: list[_Slot] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.restarts = 0

    def start(self) -> None:
        now = time.monotonic()
        self._slots = [_Slot(self._start(), now, self.min_backoff) for _ in range(self.count)]
        if self.count:
            self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)
            self._thread.start()

    def health(self) -> dict[str, Any]:
        """``{"expected", "alive", "restarts"}``."""
        with self._lock:
            alive = sum(1 for slot in self._slots if slot.process is not None and slot.process.poll() is None)
        return {"expected": self.count, "alive": alive, "restarts": self.restarts}

    def _watch(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self._check()
            except Exception:  # a busy database: the next round tries again
                logger.exception("checking the workers failed")

    def _check(self) -> None:
        now = time.monotonic()
        died = False
        with self._lock:
            for slot in self._slots:
                if slot.process is not None and slot.process.poll() is not None:
                    code = slot.process.returncode
                    delay = self.min_backoff if now - slot.started >= STABLE_SECONDS else slot.backoff
                    slot.backoff = min(delay * 2, self.max_backoff)  # the next death, if soon, waits longer
                    slot.process, slot.restart_at, died = None, now + delay, True
                    logger.error("worker exited with status %s; restarting it in %.0f s", code, delay)
        if died:  # its job is interrupted now, not when its lease runs out
            recover_interrupted(self.ws)
        reclaim_expired(self.ws)
        with self._lock:
            for slot in self._slots:
                if slot.process is None and slot.restart_at is not None and now >= slot.restart_at:
                    if self._stop.is_set():
                        return
                    slot.process, slot.started, slot.restart_at = self._start(), now, None
                    self.restarts += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            stop_workers([slot.process for slot in self._slots if slot.process is not None])


def worker_lifespan(
    ws: Workspace, supervisor: WorkerSupervisor, on_stop: Callable[[], None] = lambda: None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Starts the supervised workers with the app (after marking jobs orphaned by a previous run) and stops them with
    it (then calls ``on_stop``)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        interrupted = recover_interrupted(ws)
        if interrupted:
            logger.warning("jobs %s were interrupted by a previous shutdown", interrupted)
        supervisor.start()
        try:
            yield
        finally:
            supervisor.stop()
            on_stop()

    return lifespan
