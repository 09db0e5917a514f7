"""A version as a dataset on disk: Roboflow's COCO layout (``train/valid/test``) or YOLO-seg.

Pure of the database: :func:`seglab.services.versions.export` reads the version and calls these."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from seglab.core import Annotation, Dataset, ImageRecord, Split
from seglab.formats import ImageMode, Problem, save_dataset
from seglab.formats.coco import ROBOFLOW_ANNOTATION_FILE
from seglab.store import segmentation_from_json
from seglab.store.blobs import BlobStore
from seglab.store.versions import Version, VersionAnnotation, VersionImage

TRAINING_SPLITS = (Split.TRAIN, Split.VALID, Split.TEST)


def version_dataset(
    version: Version,
    stored_images: Sequence[VersionImage],
    stored_annotations: Sequence[VersionAnnotation],
    blobs: BlobStore,
) -> Dataset:
    """The version's images (pointing at their blobs) and annotations as an in-memory ``Dataset``."""
    records = [
        ImageRecord(
            i.id,
            i.file_name,
            i.width,
            i.height,
            split=Split(i.split),
            sha256=i.sha256,
            path=blobs.local_path(i.sha256),
        )
        for i in stored_images
    ]
    annotations = [
        Annotation(
            index + 1,
            a.version_image_id,
            a.category_id,
            segmentation_from_json(a.geometry),
            iscrowd=a.iscrowd,
            source="version",
        )
        for index, a in enumerate(stored_annotations)
    ]
    return Dataset(version.categories, records, annotations)


def export_version(
    dataset: Dataset, out: Path, *, format: str = "coco", image_mode: ImageMode = ImageMode.COPY
) -> list[Problem]:
    """Write a version's dataset (:func:`version_dataset`) to the new folder ``out``. COCO always gets ``train``,
    ``valid`` and ``test`` folders (an empty split as an empty but valid COCO file), the layout ``rfdetr`` reads."""
    problems = save_dataset(dataset, out, format=format, image_mode=image_mode)
    if format == "coco":
        present = {image.split for image in dataset.images}
        for split in TRAINING_SPLITS:
            if split not in present:
                (out / split.value).mkdir(parents=True, exist_ok=True)
                empty = {
                    "images": [],
                    "annotations": [],
                    "categories": [{"id": c.id, "name": c.name, "supercategory": "none"} for c in dataset.categories],
                }
                (out / split.value / ROBOFLOW_ANNOTATION_FILE).write_text(json.dumps(empty))
    return problems
