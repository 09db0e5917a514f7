"""``seglab doctor``: is the database consistent with the blob store, and did a crash leave anything behind?

Checks: rows whose blob is missing or corrupt (its bytes no longer hash to its name), blobs no row names (``seglab
gc`` frees them), temporary files of writes that never finished (blob store, thumbnail and embedding caches), jobs
left running by a worker that is gone, annotations whose stored shape cannot be used. ``repair`` deletes the
temporary files and marks the stuck jobs interrupted; what it cannot repair is reported as such.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

from seglab.services.jobs import reclaim_expired
from seglab.store import Workspace
from seglab.store.blob_references import blob_references
from seglab.store.integrity import invalid_annotations, stuck_jobs

Severity = Literal["problem", "note"]


@dataclass
class Finding:
    check: str
    """``missing blob``, ``corrupt blob``, ``orphan blobs``, ``leftover file``, ``stuck job``,
    ``invalid annotation``."""
    message: str
    severity: Severity = "problem"
    repaired: bool = False
    remedy: str = ""
    """What to do about it when ``--repair`` cannot."""


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    repair: bool = False

    @property
    def clean(self) -> bool:
        """No problem left (notes, such as blobs for ``seglab gc``, are not problems)."""
        return not any(f.severity == "problem" and not f.repaired for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "clean": self.clean,
            "repair": self.repair,
            "checked": self.checked,
            "findings": [vars(finding) for finding in self.findings],
        }


def _temporary_files(ws: Workspace) -> list[tuple[str, float, Callable[[], None]]]:
    """Half-written things, each with how to remove it: the blob store's leftovers (``.tmp-*`` files, a bucket's
    unfinished multipart uploads), the caches' ``*.tmp``."""
    found: list[tuple[str, float, Callable[[], None]]] = [
        (leftover.name, leftover.modified, partial(ws.blobs.discard, leftover)) for leftover in ws.blobs.leftovers()
    ]
    cache = ws.settings.ensure_home() / "cache"
    if cache.is_dir():
        for path in cache.rglob("*.tmp"):
            try:
                found.append((str(path), path.stat().st_mtime, partial(path.unlink, missing_ok=True)))
            except FileNotFoundError:  # renamed into place meanwhile
                continue
    return found


def _hash_of_blob(ws: Workspace, digest: str) -> str:
    """The sha256 of the blob's bytes as the store holds them (a bucket's read from it, not from the local cache)."""
    hashed = hashlib.sha256()
    for chunk in ws.blobs.stream(digest):
        hashed.update(chunk)
    return hashed.hexdigest()


def _check_blobs(ws: Workspace, report: DoctorReport, *, verify: bool) -> None:
    with ws.db.transaction() as session:
        references = list(blob_references(session))
    by_digest: dict[str, list[str]] = defaultdict(list)
    for reference in references:
        by_digest[reference.digest].append(f"{reference.kind} {reference.row_id}")
    report.checked["blob references"] = len(references)
    # listed after the references are read, as each was looked up one by one before: one listing instead of a
    # request per blob when they are in a bucket
    stored = list(ws.blobs.blobs())
    present = {blob.digest for blob in stored}
    for digest, users in sorted(by_digest.items()):
        named = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
        if digest not in present:
            report.findings.append(
                Finding("missing blob", f"blob {digest} of {named} is not in the store", remedy="restore it")
            )
        elif verify and _hash_of_blob(ws, digest) != digest:
            report.findings.append(
                Finding(
                    "corrupt blob",
                    f"blob {digest} of {named} no longer hashes to its name",
                    remedy="restore it from a backup, or upload the original again",
                )
            )
    report.checked["blobs"] = len(stored)
    orphans = [blob for blob in stored if blob.digest not in by_digest]
    if orphans:
        size = sum(blob.size for blob in orphans)
        report.findings.append(
            Finding(
                "orphan blobs",
                f"{len(orphans)} blobs ({size} bytes) are named by no row",
                severity="note",
                remedy="`seglab gc --apply` frees them",
            )
        )


def _check_leftovers(ws: Workspace, report: DoctorReport, *, repair: bool, min_age: float) -> None:
    cutoff = time.time() - min_age
    leftovers = [(name, remove) for name, modified, remove in _temporary_files(ws) if modified <= cutoff]
    report.checked["temporary files"] = len(leftovers)
    for name, remove in leftovers:
        finding = Finding("leftover file", f"{name} is a temporary file of a write that never finished")
        if repair:
            remove()
            finding.repaired = True
        report.findings.append(finding)


def _check_jobs(ws: Workspace, report: DoctorReport, *, repair: bool) -> None:
    with ws.db.transaction() as session:
        stuck = stuck_jobs(session)
    report.checked["stuck jobs"] = len(stuck)
    repaired: set[int] = set()
    if repair and stuck:
        repaired = set(reclaim_expired(ws))
    for job in stuck:
        report.findings.append(
            Finding(
                "stuck job",
                f"job {job.job_id} ({job.kind}) is marked running but {job.reason}",
                repaired=job.job_id in repaired,
                remedy="`seglab doctor --repair` marks it interrupted",
            )
        )


def _check_annotations(ws: Workspace, report: DoctorReport) -> None:
    with ws.db.transaction() as session:
        invalid = list(invalid_annotations(session))
    for found in invalid:
        report.findings.append(
            Finding(
                "invalid annotation",
                f"annotation {found.annotation_id} of image {found.image_id}: {found.reason}",
                remedy="redraw or delete it in the editor",
            )
        )


def diagnose(ws: Workspace, *, repair: bool = False, verify: bool = True, min_age: float = 300.0) -> DoctorReport:
    """Check the workspace (``verify``: hash every referenced blob); with ``repair``, fix what can be fixed.

    Temporary files younger than ``min_age`` seconds may belong to a write under way, so they are left alone."""
    report = DoctorReport(repair=repair)
    _check_blobs(ws, report, verify=verify)
    _check_leftovers(ws, report, repair=repair, min_age=min_age)
    _check_jobs(ws, report, repair=repair)
    _check_annotations(ws, report)
    return report
