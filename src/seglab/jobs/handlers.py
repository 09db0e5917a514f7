"""Job kinds and their handlers, registered the same way a plug-in would register one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from seglab.store import Workspace
from seglab.store import jobs as job_store
from seglab.store.jobs import JobStatus
from seglab.versions import Recipe, build_version


class JobCancelledError(Exception):
    """Raised inside a handler when its job was asked to stop."""


class Reporter:
    """What a handler uses to report progress and log lines; throttled so the database is not flooded."""

    def __init__(self, ws: Workspace, job_id: int, interval: float = 0.5) -> None:
        self.ws, self.job_id, self.interval = ws, job_id, interval
        self._last = 0.0
        self._pending: list[str] = []

    def log(self, line: str) -> None:
        self._pending.append(line)

    def progress(self, done: int, total: int, stage: str = "") -> None:
        now = time.monotonic()
        if now - self._last < self.interval and done < total:
            return
        self._last = now
        self.flush({"done": done, "total": total, "stage": stage})

    def flush(self, progress: dict[str, Any] | None = None) -> None:
        with self.ws.db.transaction() as session:
            current = job_store.get_job(session, self.job_id).progress
            status = job_store.set_progress(session, self.job_id, progress or current, self._pending)
        self._pending = []
        if status is JobStatus.CANCELLING:
            raise JobCancelledError(f"job {self.job_id} was cancelled")


Handler = Callable[[Workspace, dict[str, Any], Reporter], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def _create_version(ws: Workspace, params: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
    recipe = Recipe.model_validate(params["recipe"])
    reporter.log(f"generating a version of {params['project']!r}")
    version = build_version(ws, params["project"], recipe, progress=lambda d, t: reporter.progress(d, t, "rendering"))
    reporter.log(
        f"version {version.reference}: {version.statistics['images']} images, hash {version.content_hash[:12]}"
    )
    return {"version_id": version.id, "version": version.reference, "content_hash": version.content_hash}


register_handler("version.create", _create_version)
