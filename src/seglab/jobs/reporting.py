"""What a running job reports through, and how a worker is named (and found to be gone)."""

from __future__ import annotations

import os
import secrets
import socket
from typing import Any, Protocol

from seglab.core import Progress


class JobCancelledError(Exception):
    """Raised inside a handler when its job was asked to stop."""


class Reporter(Protocol):
    """What a handler uses to report progress and log lines (the service layer stores them, throttled)."""

    details: dict[str, Any]
    """Kept in every progress report (a training job's epoch rows), so a poller always sees them."""

    def log(self, line: str) -> None: ...

    def progress(self, done: int, total: int, stage: str = "", *, force: bool = False) -> None: ...

    def check_cancelled(self) -> None:
        """Raise :class:`JobCancelledError` if the job was asked to stop."""


def stage_progress(reporter: Reporter, stage: str) -> Progress:
    """A ``(done, total)`` callback for a use case run by a job: it stops the work when the job was cancelled,
    then reports the progress under ``stage``."""

    def progress(done: int, total: int) -> None:
        reporter.check_cancelled()
        reporter.progress(done, total, stage)

    return progress


def worker_name(*, pid: int | None = None, token: str | None = None) -> str:
    """A worker's id, ``host:pid:random``: unique across hosts and restarts (a restarted container may reuse both
    its PID and, in a pool, its host name), so a job is only ever held, renewed and released by the worker that
    took it. ``seglab serve`` passes ``token`` to the workers it starts, so it knows their ids."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}:{token or secrets.token_hex(4)}"
