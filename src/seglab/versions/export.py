"""A version as a dataset on disk: Roboflow's COCO layout (``train/valid/test``) or YOLO-seg."""

from __future__ import annotations

import json
from pathlib import Path

from seglab.core import Annotation, Dataset, ImageRecord, Split
from seglab.formats import ImageMode, Problem, save_dataset
from seglab.formats.coco import ROBOFLOW_ANNOTATION_FILE
from seglab.store import Workspace, versions
from seglab.store._codec import segmentation_from_json

TRAINING_SPLITS = (Split.TRAIN, Split.VALID, Split.TEST)


def version_dataset(ws: Workspace, reference: int | str) -> Dataset:
    """The version's images (pointing at their blobs) and annotations as an in-memory ``Dataset``."""
    with ws.db.transaction() as session:
        version = versions.get_version(session, reference)
        stored_images, stored_annotations = versions.version_contents(session, version.id)
    records = [
        ImageRecord(
            i.id,
            i.file_name,
            i.width,
            i.height,
            split=Split(i.split),
            sha256=i.sha256,
            path=ws.blobs.local_path(i.sha256),
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
    ws: Workspace, reference: int | str, out: Path, *, format: str = "coco", image_mode: ImageMode = ImageMode.COPY
) -> list[Problem]:
    """Write the version to the new folder ``out``. COCO always gets ``train``, ``valid`` and ``test``
    folders (an empty split as an empty but valid COCO file), the layout ``rfdetr`` reads."""
    dataset = version_dataset(ws, reference)
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
