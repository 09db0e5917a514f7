"""A real RF-DETR-Seg training run, from scratch on the CPU, on a tiny generated project."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from seglab.cli import app
from seglab.core import Split
from seglab.errors import InvalidInputError
from seglab.jobs import TrainJob
from seglab.models import TrainSettings
from seglab.services import images, projects, training, versions
from seglab.services.jobs import run_job
from seglab.store.jobs import JobStatus

TINY = TrainSettings(epochs=1, batch_size=2, resolution=96)


@pytest.fixture
def squares(ws, tmp_path):
    """Eight 96x96 images, each with a bright square annotated as ``box``; split 6/1/1 by the version."""
    from seglab.geometry import MultiPolygon
    from seglab.services import annotations
    from seglab.store import NewAnnotation

    project = projects.create_project(ws, "squares", ["box"])
    rng = np.random.default_rng(0)
    for index in range(8):
        pixels = rng.integers(0, 60, (96, 96, 3), dtype=np.uint8)
        x, y, size = (int(v) for v in rng.integers(10, 40, 3))
        pixels[y : y + size, x : x + size] = 230
        path = tmp_path / f"sq{index}.png"
        cv2.imwrite(str(path), pixels)
        image = images.upload_paths(ws, "squares", [path]).added[0]
        shape = MultiPolygon.from_coco([[x, y, x + size, y, x + size, y + size, x, y + size]])
        annotations.create_annotation(ws, image.id, NewAnnotation(project.categories[0].id, shape))
    version = versions.create_version(ws, "squares", versions.recipe_from_options(split="75,12.5,12.5"))
    assert version.statistics["images_per_split"] == {"test": 1, "train": 6, "valid": 1}
    return version


@pytest.mark.slow
@pytest.mark.training
def test_a_training_job_records_the_model_then_evaluation_reports_and_plots(ws, squares, tmp_path):
    """One real run (the slowest thing here) serves three checks: the job's progress, the recorded model, and an
    evaluation of it through the service and the CLI."""
    from PIL import Image

    from seglab.services import evaluation

    job = training.submit_training(ws, TrainJob(version=str(squares.id), settings=TINY, from_scratch=True))
    finished = run_job(ws, job.id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.progress["done"] == finished.progress["total"] > 1, finished.progress  # counted in steps
    assert finished.progress["stage"].startswith("epoch 1/1 done")
    # each epoch's metric row rides on the progress, so a page can draw the curves while training runs
    assert [row["epoch"] for row in finished.progress["epochs"]] == [0]
    assert {"val/segm_mAP_50_95", "train/loss"} <= set(finished.progress["epochs"][0])
    assert "epoch 1:" in finished.log

    trained = training.get_model(ws, finished.result["model_id"])
    assert trained.version == "squares/1"
    assert trained.class_names == ["box"]
    assert ws.blobs.exists(trained.weights_sha256)
    assert [int(e["epoch"]) for e in trained.metrics["epochs"]] == [0]
    assert "train/loss" in trained.metrics["final"]
    assert 0.0 <= trained.metrics["final"]["val/segm_mAP_50_95"] <= 1.0
    assert [m.id for m in training.list_models(ws, "squares")] == [trained.id]

    result = evaluation.evaluate_model(ws, trained.id, split="test", out=tmp_path / "eval")
    report = result.report
    assert (report.images, report.instances) == (1, 1)
    assert report.predictions > 0  # every query comes back with a (low) score
    assert 0.0 <= report.mask.map50_95 <= 1.0
    assert [c.name for c in report.classes] == ["box"]
    saved = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert saved["report"]["mask"]["map50_95"] == report.mask.map50_95
    assert set(result.plots) == {"pr_curves", "f1_confidence", "confusion_matrix", "predictions", "training_curves"}
    for path in result.plots.values():
        with Image.open(path) as image:
            assert image.format == "PNG"
    cli = CliRunner().invoke(
        app, ["eval", str(trained.id), "--split", "valid", "--out", str(tmp_path / "cli"), "--json"]
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output[cli.output.index("{") :])["split"] == "valid"
    missing = CliRunner().invoke(app, ["eval", "999"])
    assert missing.exit_code == 1
    assert "model 999 does not exist" in missing.output


def test_version_without_validation_images_is_refused(ws, tmp_path):
    from ..formats.conftest import write_image

    projects.create_project(ws, "lonely", ["thing"])
    write_image(tmp_path / "a.png")
    images.upload_paths(ws, "lonely", [tmp_path / "a.png"], split=Split.TRAIN)
    version = versions.create_version(ws, "lonely", versions.recipe_from_options())
    with pytest.raises(InvalidInputError, match="has no valid images"):
        training.train(ws, version.reference, settings=TINY, from_scratch=True)


def test_cli_offline_weights_error_is_one_line(squares):
    result = CliRunner().invoke(app, ["train", squares.reference, "--epochs", "1"])
    assert result.exit_code == 1
    assert "--from-scratch" in result.output
    assert "Traceback" not in result.output


def test_cli_train_json(squares, fake_training):
    """The command's plumbing (options, progress, JSON), with the FAKE backend: the real run is tested above."""
    result = CliRunner().invoke(
        app,
        ["train", "squares/1", "--model", fake_training, "--epochs", "2", "--from-scratch", "--json"],
    )
    assert result.exit_code == 0, result.output
    trained = json.loads(result.output[result.output.index("{") :])
    assert trained["architecture"] == fake_training
    assert [int(e["epoch"]) for e in trained["metrics"]["epochs"]] == [0, 1]
    listed = json.loads(CliRunner().invoke(app, ["model", "list", "squares", "--json"]).output)
    assert [m["id"] for m in listed] == [trained["id"]]


@pytest.mark.slow
@pytest.mark.training
def test_killed_training_worker_resumes_from_its_last_checkpoint(ws, squares, seglab_home):
    """SIGKILL the worker mid-training: the job is marked interrupted and resumes from last.ckpt."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import psutil

    from seglab.services import jobs
    from seglab.services.jobs import reclaim_expired

    from ..web.polling import poll_until

    settings = TrainSettings(epochs=2, batch_size=2, resolution=96)
    job = training.submit_training(ws, TrainJob(version=squares.reference, settings=settings, from_scratch=True))
    checkpoint = Path(job.params["run_dir"]) / "output" / "last.ckpt"
    worker = subprocess.Popen(
        [sys.executable, "-m", "seglab", "worker"],
        env={**os.environ, "SEGLAB_HOME": str(seglab_home), "SEGLAB_JOB_LEASE_SECONDS": "2"},
    )
    try:
        deadline = time.monotonic() + 240
        while not checkpoint.is_file() and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        assert checkpoint.is_file(), "the worker never wrote a checkpoint"
        assert jobs.get_job(ws, job.id).status is JobStatus.RUNNING
        training_processes = psutil.Process(worker.pid).children(recursive=True)
        assert training_processes, "training runs in a process of its own"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    # the training process must not outlive its worker: it would keep writing into the run the resume now uses
    _, alive = psutil.wait_procs(training_processes, timeout=10)
    assert not alive, f"training went on after its worker was killed: {alive}"
    # nothing tells the queue the worker died: its lease lapses, and the next look at the queue reclaims the job
    assert poll_until(lambda: reclaim_expired(ws), bool, "the killed worker's lease lapsing", timeout=30) == [job.id]
    assert jobs.get_job(ws, job.id).status is JobStatus.INTERRUPTED
    resumed = training.resume_training(ws, job.id)
    assert resumed.params["resume"] == str(checkpoint)
    finished = run_job(ws, resumed.id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    model = training.get_model(ws, finished.result["model_id"])
    assert model.config["run_dir"] == job.params["run_dir"]
    assert max(int(e["epoch"]) for e in model.metrics["epochs"]) == 1  # it went on to the last epoch
    with pytest.raises(InvalidInputError, match="only training jobs resume"):
        training.resume_training(ws, versions.submit_version(ws, "squares", versions.recipe_from_options()).id)


@pytest.mark.slow
@pytest.mark.training
def test_train_and_evaluate_on_a_real_roboflow_export(ws, tmp_path):
    from ..conftest import SHARED_DATASETS

    dataset = SHARED_DATASETS / "brain-tumor-coco"
    if not dataset.is_dir():
        pytest.skip(f"shared dataset not found at {dataset}")
    from seglab.services import evaluation, transfer

    transfer.import_dataset(ws, dataset, "tumors", create_project=True)
    recipe = versions.recipe_from_options(
        split="80,10,10", reassign_splits=True, resize="96x96:stretch", max_null_percent=0
    )
    version = versions.create_version(ws, "tumors", recipe)
    assert version.statistics["images"] == 57
    trained = training.train(ws, version.reference, settings=TINY, from_scratch=True)
    assert trained.class_names == ["Tumor"]
    result = evaluation.evaluate_model(ws, trained.id, split="test", out=tmp_path / "eval")
    assert result.report.instances == version.statistics["images_per_split"]["test"]
    assert 0.0 <= result.report.mask.map50 <= 1.0


@pytest.mark.slow
@pytest.mark.training
def test_cancelling_a_running_training_job_stops_it(ws, squares):
    import threading
    import time

    from seglab.services import jobs

    settings = TrainSettings(epochs=50, batch_size=2, resolution=96)
    job = training.submit_training(ws, TrainJob(version=squares.reference, settings=settings, from_scratch=True))
    outcome: dict[str, object] = {}
    runner = threading.Thread(target=lambda: outcome.update(job=run_job(ws, job.id)))
    runner.start()
    deadline = time.monotonic() + 120
    while "step" not in jobs.get_job(ws, job.id).progress.get("stage", "") and time.monotonic() < deadline:
        time.sleep(0.2)
    started = time.monotonic()
    jobs.cancel_job(ws, job.id)
    runner.join(timeout=60)
    assert not runner.is_alive()
    assert time.monotonic() - started < 30  # stopped within moments, not after 50 epochs
    finished = outcome["job"]
    assert finished.status is JobStatus.CANCELLED
    assert training.list_models(ws, "squares") == []
