"""A project evaluated by the tiny ONNX model (tests/tiny_model.py), whose one confident prediction is a disc over
the left half of any image: so which errors its evaluation holds is known in advance, and an evaluation takes a
second, not a training run.

Four 64x64 test images (and one training image: a version needs one), each annotated so the disc makes one kind of
error:
- ``right.png``: a ``thing`` on the *left* (over the disc): no error;
- ``shifted.png``: the ``thing`` drawn on the right half (a misplaced label): a false positive (the disc, over no
  label) and a miss (the label, no prediction);
- ``other.png``: an ``other`` over the disc: a class confusion;
- ``sliver.png``: a thin ``thing`` on the disc's edge: a poor boundary (low IoU).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.core import Split
from seglab.geometry import MultiPolygon, Polygon
from seglab.models.registry import Backend
from seglab.services import annotations, evaluation, images, projects, versions
from seglab.services.jobs import run_job
from seglab.store import NewAnnotation, Workspace
from seglab.store import models as model_store
from seglab.versions import Recipe

from ..tiny_model import CLASSES, INPUT_SIZE, write_onnx

SIZE = 64


def _box(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    return MultiPolygon([Polygon(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64))])


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> MultiPolygon:
    angles = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    return MultiPolygon([Polygon(np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1))])


# the disc: on a 64x64 image, the model's mask is an ellipse in x 8..32, y 8..56
DISC = _ellipse(20, 32, 12, 24)
LABELS = {
    "right.png": [("thing", DISC)],
    "shifted.png": [("thing", _ellipse(46, 32, 12, 24))],
    "other.png": [("other", DISC)],
    "sliver.png": [("thing", _box(8, 8, 20, 56))],
}


def _png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def evaluated_project(ws: Workspace, home: Path, name: str = "errors") -> tuple[int, str]:
    """The project above, its version 1, the tiny model registered as trained on it, and one evaluation on its
    test split; returns ``(model id, version reference)``."""
    project = projects.create_project(ws, name, list(CLASSES))
    category = {c.name: c.id for c in project.categories}
    for seed, (file_name, labels) in enumerate(LABELS.items()):
        report = images.add_image_bytes(ws, name, file_name, _png(seed), split=Split.TEST)
        for class_name, shape in labels:
            annotations.create_annotation(ws, report.added[0].id, NewAnnotation(category[class_name], shape))
    # a version needs a training image (the model never learnt from it: it is registered, not trained)
    trained_on = images.add_image_bytes(ws, name, "train.png", _png(len(LABELS)), split=Split.TRAIN).added[0]
    annotations.create_annotation(ws, trained_on.id, NewAnnotation(category["thing"], DISC))
    version = run_job(ws, versions.submit_version(ws, name, Recipe()).id).result
    assert version is not None
    onnx_file = write_onnx(home / "tiny.onnx")
    with ws.db.transaction() as session:
        model = model_store.create_model(
            session,
            version_id=version["version_id"],
            architecture="rf-detr-seg-nano",
            weights_sha256=ws.blobs.put_bytes(b"the tiny model has no PyTorch weights"),
            class_names=list(CLASSES),
            config={"resolution": INPUT_SIZE},
            metrics={},
        )
        model_store.save_export(session, model.id, "onnx", ws.blobs.put_file(onnx_file), {"input": [INPUT_SIZE] * 2})
    evaluation.evaluate_model(ws, model.id, backend=Backend.ONNX)
    return model.id, version["version"]
