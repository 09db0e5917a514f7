"""From an evaluation back to the data: its errors one by one (with a crop each), the likely label mistakes first
if asked, a prediction offered as a fix in the editor (as a proposal to accept or reject), errors dismissed, and
two evaluations compared class by class."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from seglab import atomic
from seglab.core import Annotation, Dataset
from seglab.errors import InvalidInputError, NotFoundError
from seglab.evaluation.errors import ERROR_TYPES, ErrorCase, error_cases
from seglab.geometry import mask_to_polygon, segmentation_to_rle
from seglab.lru import SizedLru
from seglab.services import versions
from seglab.services.evaluation import PREDICTIONS_FILE, evaluations_dir, load_predictions
from seglab.services.proposals import store_proposals
from seglab.store import NewAnnotation, Workspace
from seglab.store import images as image_store

DISMISSED_FILE = "dismissed.json"
MIN_CONFIDENCE = 0.25
"""Errors are listed at the evaluation's best-F1 confidence, but never below this (a model whose F1 is best at 0
would list every one of its discarded queries as a false positive)."""
CROP_SIZE = 192
"""Crops are at most this many pixels on their longer side."""


@dataclass(frozen=True)
class EvaluationRun:
    model_id: int
    run: str
    """The evaluation's folder name (its UTC time and split): how the API names it."""
    version: str
    split: str
    evaluated_at: datetime
    mask_map50_95: float
    errors_listed: bool
    """Whether its predictions were kept (evaluations made before seglab kept them list no errors)."""


@dataclass(frozen=True)
class ListedError:
    case: ErrorCase
    file_name: str
    source_image_id: int | None
    """The project image it was evaluated on: where the editor opens."""
    class_name: str
    truth_class_name: str | None
    dismissed: bool


@dataclass(frozen=True)
class ErrorList:
    run: EvaluationRun
    confidence: float
    counts: dict[str, int]
    """Errors per type (all, before filtering)."""
    errors: list[ListedError]


@dataclass(frozen=True)
class ClassChange:
    id: int
    name: str
    before: float
    after: float
    """Mask mAP50-95 in the first and the second evaluation."""
    change: float
    errors_before: int
    errors_after: int


@dataclass(frozen=True)
class Comparison:
    first: EvaluationRun
    second: EvaluationRun
    same_version: bool
    classes: list[ClassChange]
    """Worst change first: what got worse, then what got better."""


def _run_dir(ws: Workspace, model_id: int, run: str | None) -> Path:
    folder = evaluations_dir(ws, model_id)
    if run is None:
        reports = sorted(folder.glob("*/report.json"))
        if not reports:
            raise NotFoundError(f"model {model_id} has not been evaluated yet", model=model_id)
        return reports[-1].parent
    if "/" in run or run.startswith(".") or not (folder / run / "report.json").is_file():
        raise NotFoundError(f"model {model_id} has no evaluation {run!r}", model=model_id, run=run)
    return folder / run


def _describe(model_id: int, path: Path) -> EvaluationRun:
    saved = json.loads((path / "report.json").read_text())
    return EvaluationRun(
        model_id,
        path.name,
        saved["version"],
        saved["split"],
        datetime.fromtimestamp((path / "report.json").stat().st_mtime, UTC),
        float(saved["report"]["mask"]["map50_95"]),
        (path / PREDICTIONS_FILE).is_file(),
    )


def list_evaluations(ws: Workspace, model_id: int) -> list[EvaluationRun]:
    """A model's evaluations, the newest last."""
    return [_describe(model_id, r.parent) for r in sorted(evaluations_dir(ws, model_id).glob("*/report.json"))]


@dataclass(frozen=True)
class _Analysed:
    cases: list[ErrorCase]
    predictions: list[Annotation]
    sources: dict[int, int | None]
    confidence: float
    dataset: Dataset
    """The whole evaluated version (its classes, images and labels)."""


_ANALYSED: SizedLru[tuple[str, int, int], _Analysed] = SizedLru(256 * 2**20)
"""Analyses by evaluation folder and file times: a page of crops asks for one evaluation's errors many times over."""
_BYTES_PER_PREDICTION = 2048


def _analysed(ws: Workspace, path: Path) -> _Analysed:
    if not (path / PREDICTIONS_FILE).is_file():
        raise NotFoundError(f"evaluation {path.name} kept no predictions: evaluate the model again to list its errors")
    key = (str(path), (path / "report.json").stat().st_mtime_ns, (path / PREDICTIONS_FILE).stat().st_mtime_ns)
    found = _ANALYSED.get(key)
    if found is None:
        saved = json.loads((path / "report.json").read_text())
        dataset = versions.dataset(ws, saved["version"])
        predictions, sources = load_predictions(path / PREDICTIONS_FILE)
        confidence = max(MIN_CONFIDENCE, float(saved["report"]["best_confidence"]))
        cases = error_cases(dataset.split(saved["split"]), predictions, confidence)
        found = _Analysed(cases, predictions, sources, confidence, dataset)
        _ANALYSED.put(key, found, _BYTES_PER_PREDICTION * (len(predictions) + 1))
    return found


def _dismissed(path: Path) -> set[int]:
    file = path / DISMISSED_FILE
    return set(json.loads(file.read_text())) if file.is_file() else set()


def evaluation_errors(
    ws: Workspace,
    model_id: int,
    run: str | None = None,
    *,
    error_type: str | None = None,
    category_id: int | None = None,
    mistakes_first: bool = False,
    include_dismissed: bool = False,
) -> ErrorList:
    """The errors of ``run`` (default: the newest evaluation), filtered by type and class; with ``mistakes_first``
    ranked by ``mistake_score``, the likely label mistakes first (the other errors score 0 and keep their order)."""
    if error_type is not None and error_type not in ERROR_TYPES:
        raise InvalidInputError(f"error type must be one of {', '.join(ERROR_TYPES)}, got {error_type!r}")
    path = _run_dir(ws, model_id, run)
    analysed = _analysed(ws, path)
    cases, sources, dataset = analysed.cases, analysed.sources, analysed.dataset
    names = {c.id: c.name for c in dataset.categories}
    dismissed = _dismissed(path)
    counts = {kind: sum(1 for c in cases if c.type == kind and c.number not in dismissed) for kind in ERROR_TYPES}
    chosen = [
        c
        for c in cases
        if (error_type is None or c.type == error_type)
        and (category_id is None or category_id in (c.category_id, c.truth_category_id))
        and (include_dismissed or c.number not in dismissed)
    ]
    if mistakes_first:
        chosen.sort(key=lambda c: -c.mistake_score)
    listed = [
        ListedError(
            c,
            dataset.image(c.image_id).file_name,
            sources.get(c.image_id),
            names.get(c.category_id, str(c.category_id)),
            None if c.truth_category_id is None else names.get(c.truth_category_id),
            c.number in dismissed,
        )
        for c in chosen
    ]
    return ErrorList(_describe(model_id, path), analysed.confidence, counts, listed)


def _case(ws: Workspace, model_id: int, run: str | None, number: int) -> tuple[Path, ErrorCase, _Analysed]:
    path = _run_dir(ws, model_id, run)
    analysed = _analysed(ws, path)
    found = next((c for c in analysed.cases if c.number == number), None)
    if found is None:
        raise NotFoundError(f"evaluation {run} has no error {number}", run=run, error=number)
    return path, found, analysed


def error_crop(ws: Workspace, model_id: int, run: str | None, number: int) -> bytes:
    """A PNG of the error's region: the ground truth outlined in green, the prediction in red."""
    _, case, analysed = _case(ws, model_id, run, number)
    dataset, predictions = analysed.dataset, analysed.predictions
    image = dataset.image(case.image_id)
    assert image.path is not None  # version images point at their blobs
    pixels = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
    if pixels is None:
        raise NotFoundError(f"the image of error {number} cannot be read", error=number)
    size = (image.width, image.height)
    outlines = [(a.segmentation, (80, 200, 80)) for a in dataset.annotations_of(image.id) if a.id == case.truth]
    if case.prediction is not None:
        outlines.append((predictions[case.prediction].segmentation, (60, 60, 230)))
    for segmentation, colour in outlines:
        mask = segmentation_to_rle(segmentation, size).to_mask().astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(pixels, contours, -1, colour, max(1, image.width // 300))
    x0, y0, x1, y1 = case.bbox_xyxy
    margin = max(x1 - x0, y1 - y0) * 0.25 + 8
    left, top = max(0, int(x0 - margin)), max(0, int(y0 - margin))
    right, bottom = min(image.width, int(x1 + margin) + 1), min(image.height, int(y1 + margin) + 1)
    crop = pixels[top:bottom, left:right] if right > left and bottom > top else pixels
    scale = CROP_SIZE / max(crop.shape[:2])
    if scale < 1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return bytes(cv2.imencode(".png", crop)[1].tobytes())


def propose_fix(ws: Workspace, model_id: int, run: str | None, number: int, *, author: str) -> int:
    """Store the error's prediction as a proposal on the project image it was evaluated on (the editor shows it,
    to accept or reject); returns that image's id."""
    _, case, analysed = _case(ws, model_id, run, number)
    source = analysed.sources.get(case.image_id)
    if source is None:
        raise NotFoundError(f"the image of error {number} is no longer in the project", error=number)
    if case.prediction is None:
        raise InvalidInputError(f"error {number} has no prediction to offer: draw the object in the editor")
    with ws.db.transaction() as session:
        image = image_store.get_image(session, source)
    prediction = analysed.predictions[case.prediction]
    evaluated = analysed.dataset.image(case.image_id)
    if (evaluated.width, evaluated.height) != (image.width, image.height):
        raise InvalidInputError(
            f"the version resized image {image.id} ({evaluated.width}x{evaluated.height}, now "
            f"{image.width}x{image.height}): its prediction cannot be placed; open the image and draw it"
        )
    # a polygon, as people edit (the model's mask traced, simplified by a pixel)
    outline = mask_to_polygon(segmentation_to_rle(prediction.segmentation, (image.width, image.height)).to_mask(), 1.0)
    if outline is None:
        raise InvalidInputError(f"error {number}'s prediction has an empty mask")
    new = NewAnnotation(
        category_id=prediction.category_id,
        segmentation=outline,
        confidence=prediction.confidence,
        source=f"model:{model_id}",
    )
    store_proposals(ws, image, [new], author=author)
    return image.id


def dismiss_error(ws: Workspace, model_id: int, run: str | None, number: int, *, dismissed: bool = True) -> None:
    """Mark the error as looked at and not a label mistake (or bring it back): kept beside the evaluation."""
    path, case, _ = _case(ws, model_id, run, number)
    marked = _dismissed(path)
    (marked.add if dismissed else marked.discard)(case.number)
    atomic.write_text(path / DISMISSED_FILE, json.dumps(sorted(marked)))


def compare_evaluations(ws: Workspace, first: tuple[int, str | None], second: tuple[int, str | None]) -> Comparison:
    """Two evaluations (of the same version, ideally) class by class: mask mAP50-95 and error counts."""
    runs = [_run_dir(ws, model_id, run) for model_id, run in (first, second)]
    reports = [json.loads((path / "report.json").read_text()) for path in runs]
    errors = []
    for path in runs:
        try:
            cases = _analysed(ws, path).cases
        except NotFoundError:
            cases = []
        errors.append(cases)
    before = {c["id"]: c for c in reports[0]["report"]["classes"]}
    after = {c["id"]: c for c in reports[1]["report"]["classes"]}
    classes = []
    for class_id in sorted(before.keys() | after.keys()):
        name = (after.get(class_id) or before[class_id])["name"]
        old = float(before.get(class_id, {}).get("mask_map50_95", 0.0))
        new = float(after.get(class_id, {}).get("mask_map50_95", 0.0))
        counted = [sum(1 for c in found if class_id in (c.category_id, c.truth_category_id)) for found in errors]
        classes.append(ClassChange(class_id, name, old, new, new - old, counted[0], counted[1]))
    classes.sort(key=lambda c: c.change)
    return Comparison(
        _describe(first[0], runs[0]),
        _describe(second[0], runs[1]),
        reports[0]["version"] == reports[1]["version"],
        classes,
    )


__all__ = [
    "ClassChange",
    "Comparison",
    "ErrorList",
    "EvaluationRun",
    "ListedError",
    "compare_evaluations",
    "dismiss_error",
    "error_crop",
    "evaluation_errors",
    "list_evaluations",
    "propose_fix",
]
