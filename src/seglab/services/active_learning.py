"""Active learning: which unlabelled images to label next, so that each label teaches the model most.

Each unannotated image is scored by the model's **uncertainty** on it, the mean of:
- *low confidence*: ``1 - |2c - 1|`` of its least decided detection (1 for a detection at 0.5; an image where the
  model finds nothing above ``FLOOR`` scores 0: it is sure there is nothing);
- *unstable masks*: ``1 -`` the mean mask IoU between the predictions on the image and on its mirror image (flipped
  back): a model that is sure of an object outlines it the same way both times;
- *disagreement* (with a second model): ``1 -`` the mean mask IoU between the two models' predictions.

**Diversity** then keeps the batch from being fifty copies of one hard scene: images are embedded (a pretrained
ResNet-18 from torchvision when its weights are on this machine, else a no-weights embedding of a thumbnail and
colour histogram), clustered with k-means, and picked greedily by uncertainty, each pick halving the weight of the
rest of its cluster. The chosen images become a grid filter (``?ids=…``), optionally a tag and an annotation job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from seglab.core import ImageStatus, Progress, no_progress
from seglab.jobs import Reporter, stage_progress
from seglab.jobs.kinds import NextToLabelJob
from seglab.models import PredictOptions
from seglab.models.images import decode_for_model
from seglab.models.prediction import Prediction
from seglab.models.predictor import BasePredictor
from seglab.models.registry import Backend
from seglab.services.accounts import LOCAL_ADMIN, Principal
from seglab.services.images import update_images
from seglab.services.inference import load_model
from seglab.services.jobs import register_handler, submit
from seglab.services.review import create_job
from seglab.store import Workspace, projects
from seglab.store import images as image_store
from seglab.store.jobs import Job

FLOOR = 0.05
"""Detections below this confidence are ignored: every model has a tail of hopeless queries."""
DECAY = 0.5
"""Each pick from a cluster halves the weight of that cluster's other images."""
OPTIONS = PredictOptions(confidence=FLOOR, max_detections=100)


@dataclass(frozen=True)
class RankedImage:
    image_id: int
    file_name: str
    uncertainty: float
    low_confidence: float
    instability: float
    disagreement: float | None
    cluster: int
    detections: int


@dataclass(frozen=True)
class NextToLabel:
    project: str
    model_id: int
    embedding: str
    """``resnet18`` (torchvision) or ``thumbnail`` (the no-weights fallback)."""
    candidates: int
    """Unannotated images scored."""
    ranked: list[RankedImage]
    """The images to label next, the first first."""
    grid: dict[str, str]
    """The project grid's filter showing them."""
    tag: str | None = None
    annotation_job: int | None = None


def low_confidence(confidences: Sequence[float]) -> float:
    kept = [c for c in confidences if c >= FLOOR]
    return max((1.0 - abs(2.0 * c - 1.0) for c in kept), default=0.0)


def _mask_agreement(first: Prediction, second: Prediction) -> float | None:
    """Mean, over ``first``'s detections, of the best mask IoU with a same-class detection of ``second``; None when
    neither found anything (nothing to disagree about)."""
    if not len(first) and not len(second):
        return None
    if not len(first) or not len(second):
        return 0.0
    others = [(second.class_name[j], second.mask(j)) for j in range(len(second))]
    scores = []
    for i in range(len(first)):
        mask = first.mask(i)
        best = 0.0
        for name, other in others:
            if name == first.class_name[i]:
                union = np.logical_or(mask, other).sum()
                best = max(best, float(np.logical_and(mask, other).sum() / union) if union else 0.0)
        scores.append(best)
    return float(np.mean(scores))


def _unagreed(agreement: float | None) -> float:
    return 0.0 if agreement is None else 1.0 - agreement


def _mirrored(prediction: Prediction) -> Prediction:
    """A prediction made on a mirror image, flipped back onto the image."""
    width, _ = prediction.image_wh
    crops = [crop[:, ::-1] for crop in prediction.crops]
    origins = prediction.origins.copy()
    origins[:, 0] = width - prediction.origins[:, 0] - np.array([c.shape[1] for c in crops], dtype=np.int64)
    xyxy = prediction.xyxy.copy()
    xyxy[:, [0, 2]] = width - prediction.xyxy[:, [2, 0]]
    return Prediction(
        prediction.image_wh, xyxy, prediction.confidence, prediction.class_id, prediction.class_name, crops, origins
    )


def thumbnail_embedding(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """A no-weights embedding: an 8x8 grey thumbnail (layout and brightness) and an 8-bin histogram per HSV channel
    (colour), given equal weight, concatenated and scaled to unit length."""
    grey = cv2.resize(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), (8, 8), interpolation=cv2.INTER_AREA)
    layout = grey.astype(np.float32).ravel() / 255.0
    hsv = cv2.cvtColor(pixels, cv2.COLOR_RGB2HSV)
    colour = np.concatenate(
        [cv2.calcHist([hsv], [c], None, [8], [0, 256 if c else 180]).ravel() for c in range(3)]
    ).astype(np.float32)
    colour = colour / (colour.sum() + 1e-6) * len(layout) / 3
    vector = np.concatenate([layout, colour])
    return np.asarray(vector / (np.linalg.norm(vector) + 1e-6), dtype=np.float32)


class _ResNetEmbedder:
    """torchvision's ImageNet ResNet-18 without its classifier, when its weights are already in torch's cache (no
    download is ever attempted)."""

    def __init__(self) -> None:
        import torch
        import torchvision  # type: ignore[import-untyped]

        weights = torchvision.models.ResNet18_Weights.DEFAULT
        cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
        if not cached.is_file():
            raise FileNotFoundError(cached)
        model = torchvision.models.resnet18()
        model.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True))
        model.fc = torch.nn.Identity()
        self.model, self.transform, self.torch = model.eval(), weights.transforms(), torch

    def __call__(self, pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        tensor = self.torch.from_numpy(np.ascontiguousarray(pixels)).permute(2, 0, 1)
        with self.torch.no_grad():
            vector = self.model(self.transform(tensor)[None])[0].numpy()
        return np.asarray(vector / (np.linalg.norm(vector) + 1e-6), dtype=np.float32)


def embedder(name: str = "auto") -> tuple[str, Any]:
    """``(name, function)``: ``resnet18`` where its weights are here (``auto`` tries it), else ``thumbnail``."""
    if name in ("auto", "resnet18"):
        try:
            return "resnet18", _ResNetEmbedder()
        except (ImportError, FileNotFoundError, RuntimeError):
            if name == "resnet18":
                raise
    return "thumbnail", thumbnail_embedding


def clusters(embeddings: npt.NDArray[np.float32], count: int, seed: int = 0) -> npt.NDArray[np.int64]:
    """k-means (OpenCV's) labels of the rows of ``embeddings`` into ``count`` clusters."""
    if count <= 1 or len(embeddings) <= count:
        return np.arange(len(embeddings), dtype=np.int64) if count > 1 else np.zeros(len(embeddings), np.int64)
    cv2.setRNGSeed(seed)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 50, 1e-4)
    _, labels, _ = cv2.kmeans(embeddings, count, None, criteria, 3, cv2.KMEANS_PP_CENTERS)  # type: ignore[call-overload]
    return np.asarray(labels, dtype=np.int64).ravel()


def diverse_order(uncertainty: Sequence[float], cluster: Sequence[int], count: int) -> list[int]:
    """Indices of the ``count`` picks: each time the highest uncertainty x ``DECAY`` ** (picks from its cluster)."""
    picked: list[int] = []
    taken: dict[int, int] = {}
    remaining = set(range(len(uncertainty)))
    while remaining and len(picked) < count:
        best = max(remaining, key=lambda i: (uncertainty[i] * DECAY ** taken.get(cluster[i], 0), -i))
        picked.append(best)
        remaining.discard(best)
        taken[cluster[best]] = taken.get(cluster[best], 0) + 1
    return picked


def _predictor(ws: Workspace, model_id: int, backend: Backend | str) -> BasePredictor[Any]:
    return load_model(ws, model_id, backend).predictor


def next_to_label(
    ws: Workspace,
    project: int | str,
    model_id: int,
    *,
    count: int = 50,
    second_model_id: int | None = None,
    diversity: bool = True,
    embedding: str = "auto",
    backend: Backend | str = Backend.AUTO,
    tag: str | None = None,
    annotation_job: str | None = None,
    caller: Principal | None = None,
    progress: Progress = no_progress,
) -> NextToLabel:
    """Rank ``project``'s unannotated images for labelling with ``model_id`` (and ``second_model_id``'s
    disagreement) and choose ``count``; with ``tag`` they are tagged, with ``annotation_job`` an annotation job
    holding them is created by ``caller`` (who must manage the project's jobs; default the local admin)."""
    with ws.db.transaction() as session:
        target = projects.get_project(session, project)
        candidates = [
            i
            for i in image_store.all_images(session, target.id)
            if i.status is ImageStatus.UNANNOTATED and i.sha256 is not None
        ]
    models = [_predictor(ws, model_id, backend)]
    if second_model_id is not None:
        models.append(_predictor(ws, second_model_id, backend))
    name, embed = embedder(embedding)
    scored: list[tuple[float, float, float | None, int]] = []
    vectors = []
    for done, image in enumerate(candidates, start=1):
        assert image.sha256 is not None
        pixels, size = decode_for_model(
            ws.blobs.local_path(image.sha256), at_least=models[0].input_wh(), max_pixels=ws.settings.max_image_pixels
        )
        plain, mirror = models[0].predict([pixels, np.ascontiguousarray(pixels[:, ::-1])], OPTIONS, sizes=[size] * 2)
        confidence = low_confidence([float(c) for c in plain.confidence])
        instability = _unagreed(_mask_agreement(plain, _mirrored(mirror)))
        disagreement = None
        if len(models) > 1:
            disagreement = _unagreed(_mask_agreement(plain, models[1].predict([pixels], OPTIONS, sizes=[size])[0]))
        scored.append((confidence, instability, disagreement, len(plain)))
        vectors.append(embed(pixels))
        progress(done, len(candidates))
    uncertainty = [float(np.mean([c, s] + ([d] if d is not None else []))) for c, s, d, _ in scored]
    if vectors and diversity:
        labels = clusters(np.stack(vectors), max(1, round(math.sqrt(len(vectors)))))
    else:
        labels = np.arange(len(vectors), dtype=np.int64)
    order = diverse_order(uncertainty, labels.tolist(), count)
    ranked = [
        RankedImage(
            candidates[i].id, candidates[i].file_name, uncertainty[i], *scored[i][:3], int(labels[i]), scored[i][3]
        )
        for i in order
    ]
    ids = [r.image_id for r in ranked]
    if tag and ids:
        update_images(ws, target.name, ids, add_tags=[tag])
    job_id = None
    if annotation_job and ids:
        job_id = create_job(ws, caller or LOCAL_ADMIN, target.name, annotation_job, image_ids=ids)[0].id
    grid = {"ids": ",".join(map(str, ids))} if ids else {}
    return NextToLabel(target.name, model_id, name, len(candidates), ranked, grid, tag, job_id)


def submit_next_to_label(ws: Workspace, params: NextToLabelJob, *, owner: str | None = None) -> Job:
    """Queue :func:`next_to_label` for a background worker (it runs the model on every unannotated image; progress
    counts them); the job's result is the :class:`NextToLabel` as JSON."""
    with ws.db.transaction() as session:
        projects.get_project(session, params.project)  # an unknown project is refused now, not in the worker
    return submit(ws, params, owner=owner)


def _next_to_label_job(ws: Workspace, params: NextToLabelJob, reporter: Reporter) -> dict[str, Any]:
    chosen = next_to_label(
        ws,
        params.project,
        params.model_id,
        count=params.count,
        second_model_id=params.second_model_id,
        diversity=params.diversity,
        backend=params.backend,
        tag=params.tag,
        progress=stage_progress(reporter, "scoring images"),
    )
    reporter.log(f"chose {len(chosen.ranked)} of {chosen.candidates} unannotated images (embedding {chosen.embedding})")
    return asdict(chosen)


register_handler(NextToLabelJob, _next_to_label_job)


__all__ = [
    "NextToLabel",
    "RankedImage",
    "diverse_order",
    "next_to_label",
    "submit_next_to_label",
    "thumbnail_embedding",
]
