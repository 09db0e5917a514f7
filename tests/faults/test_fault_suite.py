"""The fault suite: ``kill -9`` of the server, of a worker generating a version and of a worker training, each at a
seeded random point, then a restart and the checks: no acknowledged annotation lost, no orphan process, every job
finished or interrupted (and resumable), no partial blob, ``seglab doctor`` clean after ``--repair``.

``SEGLAB_FAULT_SEED`` picks the fault points (default 19); the figures are printed at the end of the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import numpy as np
import pytest

from seglab.errors import InvalidInputError
from seglab.jobs import CreateVersionJob, TrainJob
from seglab.models import TrainSettings
from seglab.services import annotations, images, jobs, projects, training, versions
from seglab.store import Workspace
from seglab.store.blobs import sha256_of_file
from seglab.store.jobs import FINISHED, JobStatus
from seglab.training import last_checkpoint

from ..web.polling import poll_until
from .processes import (
    alive,
    assert_all_end,
    command_line,
    cpu_seconds,
    descendants,
    kill_hard,
    wait_for_children,
    write_images,
)
from .server import Server

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("SEGLAB_FAULT_SEED", "19"))


class Figures:
    def __init__(self) -> None:
        self.faults = 0
        self.edits_acknowledged = 0
        self.edits_lost = 0
        self.orphans = 0
        self.jobs: dict[str, int] = {}
        self.repaired = 0

    def orphans_of(self, pids: list[int]) -> None:
        """Count the processes that outlive the one killed (after giving them time to notice)."""
        try:
            assert_all_end(pids, "the killed process's children")
        finally:
            self.orphans += sum(1 for pid in pids if alive(pid))


def _square(rng: np.random.Generator, size: int) -> dict[str, object]:
    x, y = (float(v) for v in rng.integers(0, size - 40, 2))
    side = float(rng.integers(8, 40))
    return {"type": "polygon", "parts": [{"exterior": [x, y, x + side, y, x + side, y + side, x, y + side]}]}


def _edit_until_killed(server: Server, image_ids: list[int], category: int, rng, figures: Figures) -> list[int]:
    """Annotations posted one after another from a thread; the server is killed after a seeded number of them."""
    acknowledged: list[int] = []
    kill_after = int(rng.integers(3, 12))
    shapes = [(_square(rng, 320), int(rng.choice(image_ids))) for _ in range(200)]

    def edit() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for geometry, image_id in shapes:
                try:
                    response = client.post(
                        f"/api/v1/images/{image_id}/annotations", json={"category_id": category, "geometry": geometry}
                    )
                except httpx.TransportError:
                    return  # the server is gone
                assert response.status_code == 201, response.text
                acknowledged.append(response.json()["id"])

    editor = threading.Thread(target=edit)
    editor.start()
    poll_until(lambda: len(acknowledged), lambda count: count >= kill_after, f"{kill_after} edits acknowledged")
    children = descendants(server.pid)
    server.kill()
    figures.faults += 1
    editor.join()
    figures.orphans_of(children)
    return acknowledged


def _job(ws: Workspace, job_id: int):
    return jobs.get_job(ws, job_id)


def _worker(server: Server) -> int:
    """The server's (current) worker process."""
    [worker] = poll_until(
        lambda: [pid for pid in descendants(server.pid) if " worker " in command_line(pid) and alive(pid)],
        lambda found: len(found) == 1,
        "the server's worker",
    )
    return worker


def _kill_worker_generating(ws: Workspace, server: Server, rng, figures: Figures) -> None:
    recipe = versions.recipe_from_options(augment="flip,rotate=10", multiplier=4, seed=int(rng.integers(1000)))
    job = jobs.submit(ws, CreateVersionJob(project="faults", recipe=recipe))
    worker = _worker(server)
    pool = wait_for_children(worker, 2, "the worker's render pool")
    busy = float(rng.uniform(0.2, 1.5))
    poll_until(lambda: sum(cpu_seconds(pid) for pid in pool), lambda used: used >= busy, f"{busy:.1f} s of rendering")
    assert _job(ws, job.id).status is JobStatus.RUNNING
    children = descendants(worker)
    kill_hard(worker)
    figures.faults += 1
    figures.orphans_of(children)
    interrupted = poll_until(lambda: _job(ws, job.id), lambda j: j.status in FINISHED, "the version job ending", 30)
    assert interrupted.status is JobStatus.INTERRUPTED, interrupted
    poll_until(server.health_code, lambda code: code == 200, "the worker restarted", 60)
    assert server.health()["workers"]["restarts"] >= 1  # type: ignore[index]
    retried = jobs.submit(ws, CreateVersionJob(project="faults", recipe=recipe))
    done = poll_until(lambda: _job(ws, retried.id), lambda j: j.status in FINISHED, "the retried version job", 300)
    assert done.status is JobStatus.SUCCEEDED, done


def _kill_worker_training(ws: Workspace, server: Server, rng, figures: Figures) -> None:
    version = versions.list_versions(ws, "faults")[-1]
    settings = TrainSettings(epochs=3, batch_size=2, resolution=96, seed=7)  # the suite's tiniest training
    job = training.submit_training(ws, TrainJob(version=version.reference, settings=settings, from_scratch=True))
    worker = _worker(server)
    [trainer] = poll_until(
        lambda: [pid for pid in descendants(worker) if "rfdetr_backend" in command_line(pid)],
        lambda found: len(found) == 1,
        "the training process",
        120,
    )
    busy = float(rng.uniform(0.5, 4.0))
    poll_until(lambda: cpu_seconds(trainer), lambda used: used >= busy, f"{busy:.1f} s of training", 120)
    children = descendants(worker)
    kill_hard(worker)
    figures.faults += 1
    figures.orphans_of(children)
    interrupted = poll_until(lambda: _job(ws, job.id), lambda j: j.status in FINISHED, "the training job ending", 30)
    assert interrupted.status is JobStatus.INTERRUPTED, interrupted
    run_dir = TrainJob.model_validate(interrupted.params).run_dir
    if run_dir is None or last_checkpoint(run_dir) is None:  # killed before its first checkpoint
        with pytest.raises(InvalidInputError, match="no checkpoint"):
            training.resume_training(ws, job.id)
    else:  # resumed from its last checkpoint; then stopped, to keep the suite short
        jobs.cancel_job(ws, training.resume_training(ws, job.id).id)


def _doctor(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "seglab", "doctor", "--json", "--min-age", "0", *args],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    report = json.loads(done.stdout)
    assert done.returncode == (0 if report["clean"] else 1), done.stderr
    return dict(report)


def test_kill_9_at_seeded_points_loses_nothing(ws, seglab_home: Path, tmp_path: Path, record_property):
    rng = np.random.default_rng(SEED)
    figures = Figures()
    project = projects.create_project(ws, "faults", ["thing"])
    images.upload_paths(ws, "faults", [write_images(tmp_path / "images", 20, size=320, seed=SEED)])
    image_ids = images.image_ids(ws, "faults")
    # two renderers: the suite kills a worker while its render pool is busy (the tests' default renders in-process)
    server_env = {"SEGLAB_WORKERS": "1", "SEGLAB_JOB_LEASE_SECONDS": "3", "SEGLAB_RENDER_WORKERS": "2"}
    server = Server(seglab_home, tmp_path / "serve.log", **server_env).start()
    try:
        acknowledged = _edit_until_killed(server, image_ids, project.categories[0].id, rng, figures)
        figures.edits_acknowledged = len(acknowledged)
        server.start()  # the restart
        stored = {a.annotation.id for image_id in image_ids for a in annotations.list_annotations(ws, image_id)}
        figures.edits_lost = len(set(acknowledged) - stored)

        _kill_worker_generating(ws, server, rng, figures)
        _kill_worker_training(ws, server, rng, figures)
    finally:
        server.stop()

    every_job = jobs.list_jobs(ws, limit=1000)
    assert all(job.status in FINISHED for job in every_job), [(j.id, j.status) for j in every_job]
    for job in every_job:
        figures.jobs[job.status.value] = figures.jobs.get(job.status.value, 0) + 1
    partial = [b.digest for b in ws.blobs.blobs() if sha256_of_file(ws.blobs.local_path(b.digest)) != b.digest]
    repaired = _doctor("--repair")
    figures.repaired = sum(1 for finding in repaired["findings"] if finding["repaired"])  # type: ignore[union-attr,index]
    after = _doctor()
    record_property(
        "figures",
        "fault suite: "
        + json.dumps(
            {
                "seed": SEED,
                "faults_injected": figures.faults,
                "edits_acknowledged": figures.edits_acknowledged,
                "edits_lost": figures.edits_lost,
                "orphans": figures.orphans,
                "jobs": figures.jobs,
                "partial_blobs": len(partial),
                "doctor_repaired": figures.repaired,
                "doctor_clean": after["clean"],
            }
        ),
    )
    assert figures.faults == 3
    assert figures.edits_lost == 0
    assert figures.orphans == 0
    assert partial == []
    assert after["clean"] is True, after
