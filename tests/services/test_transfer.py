"""Import into a project and export back out: nothing lost, nothing half-written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from seglab.formats import load_dataset, save_dataset
from seglab.services import images, stats, transfer
from seglab.store import Database

from ..conftest import SHARED_DATASETS
from ..formats.conftest import assert_same_instances

REAL_DATASETS = sorted(p for p in SHARED_DATASETS.glob("*") if p.is_dir()) if SHARED_DATASETS.is_dir() else []


def test_import_then_export_keeps_every_instance_split_and_class(ws, coco_export, tmp_path):
    progress = []
    report = transfer.import_dataset(
        ws, coco_export, "pets", create_project=True, progress=lambda d, t: progress.append((d, t))
    )
    assert (report.images_added, report.annotations_added, report.duplicates) == (3, 5, 0)
    assert report.categories_created == ["cat", "dog", "bird"]
    assert progress[0] == (0, 3)
    assert progress[-1] == (3, 3)
    transfer.export_project(ws, "pets", tmp_path / "out", format="coco")
    original, exported = load_dataset(coco_export).dataset, load_dataset(tmp_path / "out").dataset
    assert_same_instances(original, exported, min_iou=1.0)
    assert {i.file_name: i.split for i in exported.images} == {i.file_name: i.split for i in original.images}


def test_reimport_skips_duplicate_images(ws, project, coco_export):
    again = transfer.import_dataset(ws, coco_export, project)
    assert (again.images_added, again.duplicates, again.annotations_added) == (0, 3, 0)
    assert stats.project_stats(ws, project).annotations == 5


def test_split_override_and_existing_classes_matched_by_name(ws, coco_export):
    from seglab.services import projects

    projects.create_project(ws, "p", ["dog"])
    report = transfer.import_dataset(ws, coco_export, "p", split="train")
    assert report.categories_created == ["cat", "bird"]
    assert stats.project_stats(ws, "p").images_per_split == {"train": 3}


def test_unknown_project_without_create(ws, coco_export):
    from seglab.errors import NotFoundError

    with pytest.raises(NotFoundError, match="project 'nope' does not exist"):
        transfer.import_dataset(ws, coco_export, "nope")


def test_export_makes_clashing_file_names_unique(ws, tmp_path):
    from seglab.services import projects

    from ..formats.conftest import write_image

    projects.create_project(ws, "cams")
    for camera, seed in (("a", 1), ("b", 2)):
        write_image(tmp_path / camera / "0001.png", seed=seed)
    images.upload_paths(ws, "cams", [tmp_path / "a", tmp_path / "b"])
    transfer.export_project(ws, "cams", tmp_path / "out", format="coco")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(names) == 3
    assert "0001.png" in names
    assert "_annotations.coco.json" in names


@pytest.mark.skipif(not REAL_DATASETS, reason=f"shared datasets folder not found at {SHARED_DATASETS}")
@pytest.mark.slow  # a real dataset: seconds to import and export
@pytest.mark.parametrize("dataset", REAL_DATASETS, ids=[p.name for p in REAL_DATASETS])
def test_real_dataset_survives_import_and_export(ws, tmp_path, dataset):
    original = load_dataset(dataset).dataset
    report = transfer.import_dataset(ws, dataset, dataset.name, create_project=True)
    assert report.annotations_added == len(original.annotations)
    for output_format in ("coco", "yolo"):
        transfer.export_project(ws, dataset.name, tmp_path / output_format, format=output_format)
        exported = load_dataset(tmp_path / output_format).dataset
        assert_same_instances(original, exported, min_iou=1.0 if output_format == "coco" else 0.98)


_IMPORTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from seglab.services import Workspace, transfer
    ws = Workspace()
    transfer.import_dataset(ws, Path(sys.argv[1]), "big", create_project=True, batch_size=int(sys.argv[2]))
    print("finished")
    """
)


@pytest.mark.slow
@pytest.mark.sqlite_only  # SQLite's file after a SIGKILL; on PostgreSQL (a server) this import ends before the kill
def test_killed_importer_leaves_every_committed_annotation_intact(seglab_home, tmp_path):
    """SIGKILL a writer mid-import: the database opens, and what was committed is whole and consistent."""
    from ..formats.conftest import build_dataset

    source = build_dataset(tmp_path / "one")
    # a dataset large enough to take a few seconds: 600 distinct images, 1000 annotations
    from dataclasses import replace

    from seglab.core import Dataset, ImageRecord, Split

    from ..formats.conftest import write_image

    images_, annotations_ = [], []
    for index in range(600):
        path = write_image(tmp_path / "big" / f"img{index:04d}.png", seed=index)
        images_.append(ImageRecord(index, path.name, 96, 64, split=Split.TRAIN, path=path))
        for template in source.annotations[:2]:
            annotations_.append(replace(template, id=len(annotations_) + 1, image_id=index))
    save_dataset(Dataset(source.categories, images_, annotations_), tmp_path / "coco", format="coco")
    expected = {a.id: a for a in load_dataset(tmp_path / "coco").dataset.annotations}

    env = {**os.environ, "SEGLAB_HOME": str(seglab_home)}
    process = subprocess.Popen([sys.executable, "-c", _IMPORTER, str(tmp_path / "coco"), "20"], env=env)
    database = seglab_home / "seglab.db"
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline and process.poll() is None:
        if database.exists():
            try:
                committed = (
                    sqlite3.connect(database, timeout=1).execute("select count(*) from annotations").fetchone()[0]
                )
            except sqlite3.OperationalError:
                committed = 0
            if committed >= 200:
                break
        time.sleep(0.05)
    assert process.poll() is None, "the import finished before it could be killed; make the dataset bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()

    db = Database(f"sqlite:///{database}")
    with db.engine.connect() as connection:
        from sqlalchemy import text

        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        rows = connection.execute(text("select id, image_id, area from annotations")).all()
        revisions = connection.execute(text("select annotation_id, revision, action from annotation_revisions")).all()
        image_count = connection.execute(text("select count(*) from images")).scalar()
    db.dispose()
    assert 200 <= len(rows) < len(expected)
    assert len(rows) == 2 * image_count  # whole batches only: every committed image has both its annotations
    assert sorted((a, r, act) for a, r, act in revisions) == sorted((row[0], 1, "create") for row in rows)
    from seglab.services import Workspace

    reopened = Workspace()
    stored = transfer.project_dataset(reopened, "big")
    by_name = {image.file_name: image for image in load_dataset(tmp_path / "coco").dataset.images}
    source_dataset = load_dataset(tmp_path / "coco").dataset
    for image in stored.images:
        original_masks = source_dataset.masks(by_name[image.file_name].id)
        stored_masks = stored.masks(image.id)
        assert (original_masks == stored_masks).all()
    reopened.close()
