"""What a running job reports through, and how a worker is named (and found to be gone)."""

from __future__ import annotations

import os
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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_is_gone(worker: str | None) -> bool:
    """True for a worker of this machine whose process no longer exists (workers elsewhere are left alone)."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
