"""Generating, storing and exporting versions of a real (small) project."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from pycocotools.coco import COCO

from seglab.core import Split
from seglab.errors import InvalidInputError, NotFoundError
from seglab.formats import load_dataset
from seglab.services import images, jobs, versions
from seglab.store import jobs as job_store
from seglab.store.jobs import JobStatus
from seglab.versions import Recipe, parse_augmentations

from ..formats.conftest import write_image


@pytest.fixture
def bigger(ws, project, tmp_path):
    """The ``pets`` project plus 12 unassigned unannotated images (so splitting has work to do)."""
    for index in range(12):
        write_image(tmp_path / "extra" / f"extra{index:02d}.png", seed=100 + index)
    images.upload_paths(ws, project, [tmp_path / "extra"], tags=["extra"])
    return project


@pytest.mark.slow  # builds versions (the augmentation library loads, and worker processes start): many seconds
def test_splits_multiplier_and_statistics(ws, bigger):
    recipe = versions.recipe_from_options(split="50,25,25", augment="flip,rotate=10", multiplier=3, seed=1)
    version = versions.create_version(ws, bigger, recipe)
    stats = version.statistics
    assert stats["source_images"] == 15
    # 12 unassigned -> 6/3/3 by ratio; the 3 assigned keep theirs (1 train, 1 valid, 1 test)
    train_sources, valid, test = 7, 4, 4
    assert stats["images_per_split"] == {"train": train_sources * 3, "valid": valid, "test": test}
    assert stats["images"] == train_sources * 3 + valid + test
    assert version.reference == "pets/1"
    assert [c.name for c in version.categories] == ["cat", "dog", "bird"]
    assert [c.id for c in version.categories] == [1, 2, 3]


@pytest.mark.slow  # builds versions (the augmentation library loads, and worker processes start): many seconds
def test_same_recipe_same_data_same_hash_and_bytes(ws, bigger, tmp_path):
    recipe = Recipe(augmentations=parse_augmentations("flip,rotate=20,noise,mosaic"), multiplier=2, seed=4)
    first = versions.create_version(ws, bigger, recipe)
    second = versions.create_version(ws, bigger, recipe)
    assert first.content_hash == second.content_hash
    assert first.number != second.number
    a, b = versions.dataset(ws, first.id), versions.dataset(ws, second.id)
    assert [(i.file_name, i.sha256) for i in a.images] == [(i.file_name, i.sha256) for i in b.images]
    other = versions.create_version(ws, bigger, recipe.model_copy(update={"seed": 5}))
    assert other.content_hash != first.content_hash


@pytest.mark.slow  # builds versions (the augmentation library loads, and worker processes start): many seconds
def test_parallel_and_serial_rendering_agree(ws, bigger):
    from seglab.versions import build as build_module

    recipe = Recipe(augmentations=parse_augmentations("rotate=15,brightness"), multiplier=2, seed=9)
    serial = versions.create_version(ws, bigger, recipe, workers=1)
    original = build_module.PARALLEL_THRESHOLD
    build_module.PARALLEL_THRESHOLD = 1
    try:
        parallel = versions.create_version(ws, bigger, recipe, workers=2)
    finally:
        build_module.PARALLEL_THRESHOLD = original
    assert parallel.content_hash == serial.content_hash


def test_remap_omit_tags_and_null_filter(ws, bigger):
    recipe = versions.recipe_from_options(
        remap=["dog=animal", "cat=animal", "bird="], max_null_percent=0, exclude_tags=["night"]
    )
    version = versions.create_version(ws, bigger, recipe)
    assert [c.name for c in version.categories] == ["animal"]
    assert version.statistics["null_images"] == 0
    assert version.statistics["annotations_per_class"] == {"animal": {"test": 1, "train": 2, "valid": 1}}
    only_extra = versions.create_version(ws, bigger, versions.recipe_from_options(include_tags=["extra"]))
    assert only_extra.statistics["source_images"] == 12


def test_resize_and_tile(ws, project):
    version = versions.create_version(ws, project, versions.recipe_from_options(resize="64x64:fit", tile="2x2"))
    dataset = versions.dataset(ws, version.id)
    assert len(dataset) == 12
    assert {(i.width, i.height) for i in dataset.images} == {(32, 32)}
    assert any(name.endswith(".png") and "_r1c1_" in name for name in (i.file_name for i in dataset.images))


def test_export_is_ready_for_rfdetr_and_ultralytics(ws, project, tmp_path):
    version = versions.create_version(ws, project, Recipe())
    versions.export(ws, version.reference, tmp_path / "v-coco", format="coco")
    for split in ("train", "valid", "test"):
        annotation_file = tmp_path / "v-coco" / split / "_annotations.coco.json"
        coco = COCO(str(annotation_file))
        for image in coco.dataset["images"]:
            assert (tmp_path / "v-coco" / split / image["file_name"]).is_file()
    versions.export(ws, version.reference, tmp_path / "v-yolo", format="yolo")
    loaded = load_dataset(tmp_path / "v-yolo").dataset
    assert {i.split for i in loaded.images} == {Split.TRAIN, Split.VALID, Split.TEST}
    assert len(loaded.annotations) == version.statistics["annotations"]


def test_empty_split_is_still_exported_for_training(ws, ws_project_without_test, tmp_path):
    version = versions.create_version(ws, ws_project_without_test, Recipe())
    versions.export(ws, version.reference, tmp_path / "coco")
    empty = json.loads((tmp_path / "coco" / "test" / "_annotations.coco.json").read_text())
    assert empty["images"] == []
    assert [c["name"] for c in empty["categories"]] == ["thing"]


@pytest.fixture
def ws_project_without_test(ws, tmp_path):
    from seglab.services import projects

    projects.create_project(ws, "two-splits", ["thing"])
    write_image(tmp_path / "t.png", seed=1)
    write_image(tmp_path / "v.png", seed=2)
    images.upload_paths(ws, "two-splits", [tmp_path / "t.png"], split=Split.TRAIN)
    images.upload_paths(ws, "two-splits", [tmp_path / "v.png"], split=Split.VALID)
    return "two-splits"


def test_versions_are_listed_and_found(ws, project):
    created = versions.create_version(ws, project, Recipe())
    assert [v.reference for v in versions.list_versions(ws, project)] == ["pets/1"]
    assert versions.get_version(ws, "pets/1") == versions.get_version(ws, created.id)
    with pytest.raises(NotFoundError, match="version 'pets/9' does not exist"):
        versions.get_version(ws, "pets/9")


def test_version_is_a_snapshot(ws, project):
    from seglab.services import annotations, projects

    version = versions.create_version(ws, project, Recipe())
    before = versions.dataset(ws, version.id)
    cat = next(c for c in projects.get_project(ws, project).categories if c.name == "cat")
    projects.update_category(ws, cat.id, name="kitten")
    image = images.list_images(ws, project)[0][0]
    for stored in annotations.list_annotations(ws, image.id):
        annotations.delete_annotation(ws, stored.annotation.id, stored.revision)
    after = versions.dataset(ws, version.id)
    assert [c.name for c in after.categories] == [c.name for c in before.categories]
    assert len(after.annotations) == len(before.annotations)


def test_background_job_generates_the_version(ws, project):
    from seglab.services.jobs import run_job

    job = versions.submit_version(ws, project, Recipe(seed=3))
    assert job.status is JobStatus.QUEUED
    finished = run_job(ws, job.id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.result["version"] == "pets/1"
    assert finished.progress["done"] == finished.progress["total"] == 3
    assert "version pets/1" in finished.log


def test_failed_and_cancelled_jobs(ws, project):
    from seglab.jobs import CreateVersionJob
    from seglab.services import projects
    from seglab.services.jobs import run_job, submit

    projects.create_project(ws, "ghost")
    broken = submit(ws, CreateVersionJob(project="ghost"))
    projects.delete_project(ws, "ghost")  # gone before a worker takes the job
    outcome = run_job(ws, broken.id)
    assert outcome.status is JobStatus.FAILED
    assert "project 'ghost' does not exist" in outcome.error
    queued = versions.submit_version(ws, project, Recipe())
    assert jobs.cancel_job(ws, queued.id).status is JobStatus.CANCELLED
    assert run_job(ws, queued.id).status is JobStatus.CANCELLED  # nothing runs


def test_worker_loop_takes_queued_jobs(ws, project):
    from seglab.services.jobs import work

    job = versions.submit_version(ws, project, Recipe())
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(ws, stop), kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        for _ in range(400):
            if jobs.get_job(ws, job.id).status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        thread.join()
    assert jobs.get_job(ws, job.id).status is JobStatus.SUCCEEDED


def test_jobs_of_a_stopped_worker_are_marked_interrupted(ws):
    with ws.db.transaction() as session:
        job = job_store.submit(session, "version.create", {})
        job_store.claim(session, job.id, "old-host:1234:ab12", timedelta(minutes=5))
        other = job_store.submit(session, "version.create", {})
        job_store.claim(session, other.id, "old-host:1234:cd34", timedelta(minutes=5))
    assert jobs.interrupt_worker(ws, "old-host:1234:ab12", "was stopped") == [job.id]
    interrupted = jobs.get_job(ws, job.id)
    assert interrupted.status is JobStatus.INTERRUPTED
    assert "old-host:1234:ab12" in interrupted.error
    assert jobs.get_job(ws, other.id).status is JobStatus.RUNNING  # the same host and PID, another worker


def test_a_version_without_training_images_is_refused_with_the_fix_and_previewed_first(ws, project):
    """A Roboflow export with valid and test images only: kept as they are, the version could train nothing. The
    preview says so (with the splits now and in the version) before generating, generating refuses with the fix,
    and the fix works."""
    pets, _ = images.list_images(ws, project, limit=100)
    train = [image.id for image in pets if image.split is Split.TRAIN]
    images.update_images(ws, project, train, split=Split.VALID)
    augmented = versions.recipe_from_options(augment="flip", multiplier=2)
    plan = versions.preview_version(ws, project, augmented, samples=2).splits
    assert plan.project == {"train": 0, "valid": 2, "test": 1, "unassigned": 0}
    assert plan.version == {"train": 0, "valid": 2, "test": 1}
    assert plan.problem is not None
    assert "no training images (its 3 images are 1 in test, 2 in valid)" in plan.problem
    with pytest.raises(InvalidInputError, match=r"--split 70,20,10 --reassign-splits"):
        versions.create_version(ws, project, augmented)
    assert versions.list_versions(ws, project) == []

    resplit = versions.recipe_from_options(split="34,33,33", reassign_splits=True, augment="flip", multiplier=2)
    preview = versions.preview_version(ws, project, resplit, samples=2)
    assert preview.splits.problem is None
    assert preview.splits.version["train"] == 2  # one training image, twice: only training images are augmented
    [trained] = {sample.source_image_id for sample in preview.samples}
    assert trained in {image.id for image in pets}


def test_the_preview_shows_augmentation_on_training_images_only(ws, project):
    """Augmentation applies to the training split alone, so the preview's augmented samples come from training
    images only (it used to draw valid and test images augmented too)."""
    pets, _ = images.list_images(ws, project, limit=100)
    train = {image.id for image in pets if image.split is Split.TRAIN}
    assert train
    assert len(train) < len(pets)
    augmented = versions.recipe_from_options(augment="flip", multiplier=2)
    samples = versions.preview_version(ws, project, augmented, samples=4).samples
    assert samples
    assert {sample.source_image_id for sample in samples} <= train
