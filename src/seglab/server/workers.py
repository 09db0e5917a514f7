"""The background worker processes ``seglab serve`` runs beside the web server, and their supervision.

Each worker ends with the server (it is started with ``--parent``: Linux's parent-death signal and a watcher), so
killing the server, even with SIGKILL, leaves no worker behind. A worker that dies is restarted after a backoff
that doubles while it keeps dying (the jobs it held are interrupted at once, by its worker id), and ``/healthz``
reports the workers (alive, expected, restarts, each one's last heartbeat, and the workers other hosts run against
the same database) and answers 503 "degraded" while fewer are alive than expected.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from seglab.jobs import worker_name
from seglab.services.jobs import interrupt_worker, list_workers, reclaim_expired
from seglab.store import Workspace

logger = logging.getLogger("seglab.server")

STABLE_SECONDS = 60.0
"""A worker that ran this long before dying is restarted after the shortest backoff again."""


def start_worker(token: str) -> subprocess.Popen[bytes]:
    """A ``seglab worker`` whose id ends with ``token`` (so its supervisor knows the id its jobs are held by)."""
    command = [sys.executable, "-m", "seglab", "worker", "--parent", str(os.getpid()), "--token", token]
    return subprocess.Popen(command)


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
    worker: str
    """The worker id of ``process`` (or of the last one, while it waits to be restarted)."""
    started: float
    backoff: float
    restart_at: float | None = None
    restarts: int = 0


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
        start: Callable[[str], subprocess.Popen[bytes]] = start_worker,
    ) -> None:
        self.ws, self.count, self.poll = ws, count, poll
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self._start = start
        self._slots: list[_Slot] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.restarts = 0
        self._heartbeats: dict[str, str] = {}
        """Worker id -> its last heartbeat (ISO time), as the workers' table had it at the last check."""
        self._elsewhere: list[dict[str, Any]] = []
        self._registry_read = 0.0

    def _spawn(self) -> tuple[subprocess.Popen[bytes], str]:
        token = secrets.token_hex(4)
        process = self._start(token)
        return process, worker_name(pid=process.pid, token=token)

    def start(self) -> None:
        now = time.monotonic()
        self._slots = [_Slot(*self._spawn(), now, self.min_backoff) for _ in range(self.count)]
        if self.count:
            self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)
            self._thread.start()

    def health(self) -> dict[str, Any]:
        """``{"expected", "alive", "restarts", "processes", "elsewhere"}``: ``processes`` are this server's workers
        (id, pid, alive, restarts, last heartbeat), ``elsewhere`` the workers other processes (other hosts) run
        against the same database, by their last heartbeat (read every third of a lease, not per request; by the
        request itself when this server runs no workers of its own, the usual set-up with workers on other hosts)."""
        if self._thread is None:
            try:
                self._read_registry(time.monotonic())
            except Exception:  # the database unreachable: the workers are unknown, the rest of the check stands
                logger.exception("reading the workers' heartbeats failed")
        with self._lock:
            processes = [
                {
                    "id": slot.worker,
                    "pid": slot.process.pid if slot.process is not None else None,
                    "alive": slot.process is not None and slot.process.poll() is None,
                    "restarts": slot.restarts,
                    "last_heartbeat": self._heartbeats.get(slot.worker),
                }
                for slot in self._slots
            ]
            elsewhere = list(self._elsewhere)
        alive = sum(1 for process in processes if process["alive"])
        return {
            "expected": self.count,
            "alive": alive,
            "restarts": self.restarts,
            "processes": processes,
            "elsewhere": elsewhere,
        }

    def _watch(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self._check()
            except Exception:  # a busy database: the next round tries again
                logger.exception("checking the workers failed")

    def _check(self) -> None:
        now = time.monotonic()
        died: list[tuple[str, int]] = []
        with self._lock:
            for slot in self._slots:
                if slot.process is not None and slot.process.poll() is not None:
                    code = slot.process.returncode
                    delay = self.min_backoff if now - slot.started >= STABLE_SECONDS else slot.backoff
                    slot.backoff = min(delay * 2, self.max_backoff)  # the next death, if soon, waits longer
                    slot.process, slot.restart_at = None, now + delay
                    died.append((slot.worker, code))
                    logger.error("worker %s exited with status %s; restarting it in %.0f s", slot.worker, code, delay)
        for worker, code in died:  # its jobs are interrupted now, not when their leases run out
            interrupt_worker(self.ws, worker, f"exited with status {code}")
        reclaim_expired(self.ws)
        self._read_registry(now)
        with self._lock:
            for slot in self._slots:
                if slot.process is None and slot.restart_at is not None and now >= slot.restart_at:
                    if self._stop.is_set():
                        return
                    slot.process, slot.worker = self._spawn()
                    slot.started, slot.restart_at = now, None
                    slot.restarts += 1
                    self.restarts += 1

    def _read_registry(self, now: float) -> None:
        """The workers' heartbeats, at most every third of a lease."""
        if now - self._registry_read < self.ws.settings.job_lease_seconds / 3:
            return
        self._registry_read = now
        workers = list_workers(self.ws)
        silent = datetime.now(UTC) - timedelta(seconds=self.ws.settings.job_lease_seconds)
        with self._lock:
            own = {slot.worker for slot in self._slots}
            self._heartbeats = {worker.id: worker.heartbeat_at.isoformat() for worker in workers}
            self._elsewhere = [
                {
                    "id": worker.id,
                    "kinds": worker.kinds,
                    "concurrency": worker.concurrency,
                    "alive": worker.heartbeat_at > silent,
                    "last_heartbeat": worker.heartbeat_at.isoformat(),
                }
                for worker in workers
                if worker.id not in own
            ]

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            stop_workers([slot.process for slot in self._slots if slot.process is not None])


def worker_lifespan(
    ws: Workspace, supervisor: WorkerSupervisor, on_stop: Callable[[], None] = lambda: None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Starts the supervised workers with the app (after reclaiming the jobs whose leases lapsed while no server ran)
    and stops them with it (then calls ``on_stop``)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        reclaim_expired(ws)
        supervisor.start()
        try:
            yield
        finally:
            supervisor.stop()
            on_stop()

    return lifespan
