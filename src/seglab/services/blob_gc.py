"""Collecting blobs no row refers to any more (``seglab gc``): mark every digest a row names, sweep the rest.

Safe while the server runs: an upload stores its bytes before the row naming them commits, and a version or a
training job stores blobs long before its rows, so a blob is collected only if it was stored (or stored again:
:meth:`~seglab.store.blobs.LocalBlobStore.put_bytes` refreshes its time) before both the grace period
(``SEGLAB_GC_GRACE_MINUTES``) and the start of the longest-running job. The store is listed before the rows are
read, and each candidate's time is read again just before it is deleted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from seglab.store import Workspace
from seglab.store import jobs as job_store
from seglab.store.blob_references import referenced_digests
from seglab.store.blobs import StoredBlob


@dataclass
class GcReport:
    """What a collection found (``applied``: and deleted)."""

    applied: bool
    cutoff: float
    """Blobs stored after this (seconds since the epoch) were left alone."""
    blobs: int = 0
    referenced: int = 0
    recent: int = 0
    """Unreferenced, but stored after the cutoff: kept this time."""
    collected: list[StoredBlob] = field(default_factory=list)
    thumbnails: int = 0
    """Cached thumbnails of collected images deleted with them."""

    @property
    def freed_bytes(self) -> int:
        return sum(blob.size for blob in self.collected)

    def to_json(self) -> dict[str, object]:
        return {
            "applied": self.applied,
            "blobs": self.blobs,
            "referenced": self.referenced,
            "kept_recent": self.recent,
            "collected": len(self.collected),
            "freed_bytes": self.freed_bytes,
            "thumbnails": self.thumbnails,
            "digests": [blob.digest for blob in self.collected],
        }


def _cutoff(ws: Workspace, grace_minutes: float) -> float:
    cutoff = time.time() - grace_minutes * 60
    with ws.db.transaction() as session:
        running = job_store.running_since(session)
    if running is not None:
        cutoff = min(cutoff, running.timestamp())
    return cutoff


def collect_garbage(ws: Workspace, *, apply: bool = False, grace_minutes: float | None = None) -> GcReport:
    """Find (and with ``apply`` delete) the blobs no row refers to, stored before the grace period."""
    grace = ws.settings.gc_grace_minutes if grace_minutes is None else grace_minutes
    stored = list(ws.blobs.blobs())  # listed before the references are read: a row committed meanwhile is seen
    report = GcReport(applied=apply, cutoff=_cutoff(ws, grace), blobs=len(stored))
    with ws.db.transaction() as session:
        referenced = referenced_digests(session)
    for blob in stored:
        if blob.digest in referenced:
            report.referenced += 1
        elif blob.modified >= report.cutoff:
            report.recent += 1
        else:
            report.collected.append(blob)
    if apply:
        report.collected = [blob for blob in report.collected if _delete_if_unchanged(ws, blob)]
        report.thumbnails = _delete_thumbnails(ws, {blob.digest for blob in report.collected})
    return report


def _delete_if_unchanged(ws: Workspace, blob: StoredBlob) -> bool:
    """Delete the blob unless it was stored again since it was listed (an upload is about to refer to it)."""
    now = ws.blobs.stat(blob.digest)
    if now is None or now.modified != blob.modified:
        return False
    ws.blobs.delete(blob.digest)
    return True


def _delete_thumbnails(ws: Workspace, digests: set[str]) -> int:
    folder: Path = ws.settings.ensure_home() / "cache" / "thumbnails"
    if not digests or not folder.is_dir():
        return 0
    deleted = 0
    for path in folder.glob("*.jpg"):
        if path.name[:64] in digests:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
