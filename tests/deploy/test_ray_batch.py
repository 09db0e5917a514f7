"""Batch work on a real local Ray cluster: a head node and a second node, each its own set of processes on this
machine (``ray.cluster_utils.Cluster``), one CPU and a small object store each, started once for the module.

The model is the tiny ONNX model (tests/tiny_model.py), run by ONNX Runtime for real; its box and mask scale with the
image, so images of different sizes get different answers and a result given to the wrong image would show.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import psutil
import pytest

from seglab.assist.autolabel import AutolabelSettings, ClassPrompt
from seglab.core import Split
from seglab.geometry import MultiPolygon
from seglab.jobs import AutolabelJob, LabelAssistJob
from seglab.services import annotations, autolabel, evaluation, images, inference, predict, projects, versions
from seglab.services.jobs import run_job
from seglab.settings import Settings
from seglab.store import NewAnnotation, Workspace
from seglab.store.jobs import JobStatus

from ..autolabel.conftest import tiny_owlv2, write_scene
from ..tiny_model import CLASSES, register_tiny_model

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

IMAGES = 200
NODE = {"num_cpus": 1, "object_store_memory": 100_000_000}
VARYING = ("inference_id", "time", "detection_id")
"""What differs between two runs of the same prediction: fresh ids and the measured time."""


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A head and a second node; yields the address ``--ray`` takes. Stopping it ends every process it started.
    (Ray is imported here, not with the module: importing it cost every test process that collects this module.)"""
    ray = pytest.importorskip("ray", reason="the Ray tests need the ray extra: pip install 'seglab[ray]'")
    from ray.cluster_utils import Cluster

    local = Cluster(initialize_head=True, head_node_args={**NODE, "include_dashboard": False})
    try:
        local.add_node(**NODE)
        local.wait_for_nodes()
        yield local.address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        local.shutdown()


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 small PNGs, each of its own size."""
    folder = tmp_path_factory.mktemp("ray-images")
    generator = np.random.default_rng(7)
    for index in range(IMAGES):
        width, height = 20 + index % 37, 16 + index * 7 % 29
        pixels = generator.integers(0, 255, (height, width, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f"image-{index:03d}.png"), pixels)
    return folder


@pytest.fixture
def ws(seglab_home: Path) -> Iterator[Workspace]:
    workspace = Workspace()
    yield workspace
    workspace.close()


def _steady(value: Any) -> Any:
    """``value`` without the keys in :data:`VARYING`, at any depth."""
    if isinstance(value, dict):
        return {key: _steady(item) for key, item in value.items() if key not in VARYING}
    if isinstance(value, list):
        return [_steady(item) for item in value]
    return value


def _answers(folder: Path) -> dict[str, dict[str, Any]]:
    """Every JSON result in ``folder`` by file name, without what differs between runs."""
    found = {}
    for path in sorted(folder.glob("*.json")):
        body = _steady(json.loads(path.read_text()))
        found[path.name] = body
    return found


@pytest.fixture(scope="module")
def expected(pictures: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The embedded run's answers (in a workspace of its own: the tiny model answers the same in any)."""
    home = tmp_path_factory.mktemp("embedded-home")
    model = register_tiny_model(home)
    ws = Workspace(Settings(home=home))
    try:
        report = predict.predict_sources(ws, model, [pictures], out=home / "out")
    finally:
        ws.close()
    assert report.images == IMAGES
    assert not report.failed
    return _answers(home / "out")


def test_cli_predict_on_a_two_node_cluster_gives_the_embedded_results(
    cluster, pictures, expected, seglab_home, tmp_path
):
    model = register_tiny_model(seglab_home)
    assert len(expected) == IMAGES
    assert len({json.dumps(v["image"]) for v in expected.values()}) > 100

    out = tmp_path / "ray"
    command = [sys.executable, "-m", "seglab", "predict", model, str(pictures), "--out", str(out)]
    environment = {**os.environ, "SEGLAB_RAY_BATCH_SIZE": "16"}
    finished = subprocess.run([*command, "--ray", cluster, "--json"], env=environment, capture_output=True, timeout=180)
    assert finished.returncode == 0, finished.stderr.decode()[-3000:]
    report = json.loads(finished.stdout)
    assert report["images"] == IMAGES
    assert not report["failed"]
    assert _answers(out) == expected
    assert not list(out.glob("*.tmp"))


def test_a_ray_worker_killed_mid_run_leaves_every_image_predicted_once(
    cluster, pictures, expected, seglab_home, tmp_path
):
    import ray

    model = register_tiny_model(seglab_home)
    ray.init(address=cluster, logging_level="WARNING", log_to_driver=False)  # kept: predict uses this connection
    small_batches = Workspace(Settings(home=seglab_home, ray_batch_size=5))
    killed: list[int] = []

    def kill_one_actor(done: int, total: int) -> None:
        """After the first batch, SIGKILL one actor process: one of this cluster's (its nodes are this process's
        children, their workers theirs), which Ray names ``ray::PredictActor...``."""
        if killed or done < 5:
            return
        actors = [p for p in psutil.Process().children(recursive=True) if _is_predict_actor(p)]
        assert actors, "no actor process found"
        os.kill(actors[0].pid, signal.SIGKILL)
        killed.append(actors[0].pid)

    try:
        report = predict.predict_sources(
            small_batches, model, [pictures], out=tmp_path / "ray", progress=kill_one_actor, ray_address=cluster
        )
    finally:
        small_batches.close()
    assert killed
    assert not psutil.pid_exists(killed[0])
    assert report.images == IMAGES
    assert not report.failed
    written = [Path(p).name for p in report.written]
    assert sorted(written) == sorted(expected), "each image's result written exactly once"
    assert _answers(tmp_path / "ray") == expected


def _is_predict_actor(process: psutil.Process) -> bool:
    try:
        return "ray::PredictActor" in " ".join(process.cmdline())
    except psutil.Error:  # ended meanwhile
        return False


def _proposals(ws: Workspace, project: str) -> dict[str, list[tuple[Any, ...]]]:
    """Each image's stored annotations by file name: category, box, confidence and source."""
    found = {}
    for image in images.list_images(ws, project)[0]:
        stored = annotations.list_annotations(ws, image.id)
        found[image.file_name] = sorted(
            (
                a.annotation.category_id,
                tuple(a.annotation.bbox_xyxy.tolist()),
                a.annotation.confidence,
                a.annotation.source,
            )
            for a in stored
        )
    return found


def test_label_assist_job_on_ray_stores_the_embedded_proposals(cluster, pictures, ws, seglab_home, monkeypatch):
    model = register_tiny_model(seglab_home)
    chosen = sorted(pictures.glob("*.png"))[:30]
    for name in ("here", "on-ray"):
        projects.create_project(ws, name, list(CLASSES))
        assert len(images.upload_paths(ws, name, chosen).added) == len(chosen)
    embedded = inference.label_assist(ws, "here", model, confidence=0.0)
    assert embedded.images == len(chosen)
    assert embedded.annotations >= len(chosen)

    monkeypatch.setenv("SEGLAB_RAY_ADDRESS", cluster)  # the worker's setting sends the job to the cluster
    monkeypatch.setenv("SEGLAB_RAY_BATCH_SIZE", "8")
    on_ray = Workspace()
    try:
        job = inference.submit_label_assist(on_ray, LabelAssistJob(project="on-ray", model=model, confidence=0.0))
        finished = run_job(on_ray, job.id)
    finally:
        on_ray.close()
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.result["images"] == len(chosen)
    assert finished.result["annotations"] == embedded.annotations
    assert finished.progress["done"] == finished.progress["total"] == len(chosen)

    here, there = _proposals(ws, "here"), _proposals(ws, "on-ray")
    assert here.keys() == there.keys()
    assert len(here) == len(chosen)
    for name in here:  # same instances; category ids are each project's own
        assert [p[1:] for p in here[name]] == [p[1:] for p in there[name]]


def _rectangle(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    return MultiPolygon.from_coco([[x0, y0, x1, y0, x1, y1, x0, y1]])


def test_evaluation_on_ray_reports_the_embedded_metrics(cluster, pictures, ws, seglab_home, tmp_path):
    """Actors predict the split, the driver scores it: the report (every metric, curve and per-image error) is the
    one evaluating in this process gives, and the progress counts every image."""
    model_id = inference.resolve_model(ws, register_tiny_model(seglab_home)).id
    thing, other = (c.id for c in projects.create_project(ws, "scored", list(CLASSES)).categories)
    chosen = sorted(pictures.glob("*.png"))[:40]
    added = images.upload_paths(ws, "scored", chosen, split=Split.TEST).added
    assert len(added) == len(chosen)
    for index, image in enumerate(added):  # ground truth the tiny model (left half, "thing") gets partly right
        w, h = image.width, image.height
        if index % 2 == 0:
            annotations.create_annotation(ws, image.id, NewAnnotation(thing, _rectangle(0, 0, w / 2, h)))
        if index % 3 == 0:
            annotations.create_annotation(ws, image.id, NewAnnotation(other, _rectangle(w - 8, h - 8, w, h)))
    held_out = versions.recipe_from_options(evaluation_only=True)  # a test set: nothing to train on, on purpose
    version = versions.create_version(ws, "scored", held_out).reference
    embedded = evaluation.evaluate_model(ws, model_id, version=version, backend="onnx", out=tmp_path / "here")
    assert 0 < embedded.report.mask.map50_95 < 1

    seen: list[tuple[int, int]] = []
    small_batches = Workspace(Settings(home=seglab_home, ray_batch_size=6))
    try:
        on_ray = evaluation.evaluate_model(
            small_batches,
            model_id,
            version=version,
            backend="onnx",
            out=tmp_path / "ray",
            progress=lambda done, total: seen.append((done, total)),
            ray_address=cluster,
        )
    finally:
        small_batches.close()
    assert seen[-1] == (len(chosen), len(chosen))
    assert len(seen) == -(-len(chosen) // 6), "progress per batch"
    report = {name: json.loads((tmp_path / name / "report.json").read_text())["report"] for name in ("here", "ray")}
    assert report["ray"] == report["here"]
    assert on_ray.report.mask.map50_95 == embedded.report.mask.map50_95


def test_version_job_on_ray_renders_the_embedded_version(cluster, pictures, ws, seglab_home, monkeypatch):
    """Ray actors render the version (sources read from the blob store, outputs written there by the actors), with
    augmented copies and mosaic partners: the same images, annotations and content hash as rendering here."""
    thing, _ = (c.id for c in projects.create_project(ws, "rendered", list(CLASSES)).categories)
    for image in images.upload_paths(ws, "rendered", sorted(pictures.glob("*.png"))[:24]).added:
        w, h = image.width, image.height
        annotations.create_annotation(ws, image.id, NewAnnotation(thing, _rectangle(2, 2, w / 2, h - 2)))
    recipe = versions.recipe_from_options(split="60,20,20", augment="flip,rotate=15,mosaic", multiplier=3, seed=3)
    embedded = versions.create_version(ws, "rendered", recipe, workers=1)

    monkeypatch.setenv("SEGLAB_RAY_ADDRESS", cluster)  # the worker's setting sends the job to the cluster
    monkeypatch.setenv("SEGLAB_RAY_BATCH_SIZE", "5")
    on_ray = Workspace()
    try:
        seen: list[tuple[int, int]] = []
        direct = versions.create_version(on_ray, "rendered", recipe, progress=lambda d, t: seen.append((d, t)))
        job = versions.submit_version(on_ray, "rendered", recipe)
        finished = run_job(on_ray, job.id)
    finally:
        on_ray.close()
    assert len(seen) == 5, "progress per batch of (at most) 5 source images, in whichever order they finish"
    assert [total for _, total in seen] == [24] * 5
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})
    assert seen[-1] == (24, 24)
    assert direct.content_hash == embedded.content_hash
    assert direct.statistics == embedded.statistics
    assert embedded.statistics["images"] > 24, "augmented copies rendered"
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.result["content_hash"] == embedded.content_hash
    assert finished.progress["done"] == finished.progress["total"] == 24
    here, there = (versions.dataset(ws, v) for v in (embedded.reference, finished.result["version"]))
    assert [i.sha256 for i in here.images] == [i.sha256 for i in there.images]


def test_rapid_job_on_ray_stores_the_embedded_proposals(cluster, seglab_home, tmp_path, monkeypatch):
    """Rapid with the tiny OWLv2 and GrabCut, loaded once per actor: the job on Ray stores the proposals Rapid in
    this process stores (same instances, classes created the same), its progress per batch."""
    monkeypatch.setenv("SEGLAB_AUTOLABEL_WEIGHTS", str(tiny_owlv2(tmp_path / "owlv2")))
    monkeypatch.setenv("SEGLAB_ASSIST_MODEL", "grabcut")
    scenes = [write_scene(tmp_path / f"scene-{index}.png", 160 + index, 96) for index in range(8)]
    prompts = AutolabelSettings((ClassPrompt.parse("square"),), threshold=0.0)
    ws = Workspace()
    try:
        for name in ("here", "on-ray"):
            projects.create_project(ws, name)
            assert len(images.upload_paths(ws, name, scenes).added) == len(scenes)
        embedded = autolabel.autolabel(ws, "here", prompts)
        here = _proposals(ws, "here")
    finally:
        ws.close()
    assert embedded.images == len(scenes)
    assert embedded.annotations >= len(scenes) // 2, "the tiny OWLv2 finds the square on most scenes"

    monkeypatch.setenv("SEGLAB_RAY_ADDRESS", cluster)  # the worker's setting sends the job to the cluster
    monkeypatch.setenv("SEGLAB_RAY_BATCH_SIZE", "3")
    on_ray = Workspace()
    try:
        job = autolabel.submit_autolabel(on_ray, AutolabelJob(project="on-ray", settings=prompts))
        finished = run_job(on_ray, job.id)
        there = _proposals(on_ray, "on-ray")
    finally:
        on_ray.close()
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.result == {
        "images": len(scenes),
        "annotations": embedded.annotations,
        "per_class": embedded.per_class,
    }
    assert finished.progress["done"] == finished.progress["total"] == len(scenes)
    assert here.keys() == there.keys()
    for name in here:  # the same instances; category ids are each project's own
        assert [p[1] for p in here[name]] == [p[1] for p in there[name]]
        assert [p[2:] for p in here[name]] == pytest.approx([p[2:] for p in there[name]], abs=1e-3)
