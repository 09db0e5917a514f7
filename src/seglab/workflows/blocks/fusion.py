"""Blocks that bring data of crops or slices back together: dimension collapse (a list per image), detections
stitch (tiles' detections in the image's coordinates, overlaps merged) and classes replacement (each detection
named by the classification of its crop)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.values import WorkflowImage, to_root_coordinates, with_root


class DimensionCollapseManifest(StepManifest):
    type: Literal["roboflow_core/dimension_collapse@v1", "DimensionCollapse"]
    data: Annotated[Selector, Accepts(batch=True, collapses=True)]


class DimensionCollapse(Block):
    """``output``: the values of every crop of an image as one list (``null`` where a crop's step was skipped)."""

    manifest = DimensionCollapseManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"output": (Kind.LIST_OF_VALUES,)}
    description = "Gather every crop's value into one list per image"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        return {"output": list(step.data)}


class DetectionsStitchManifest(StepManifest):
    type: Literal["roboflow_core/detections_stitch@v1"]
    reference_image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    predictions: Annotated[Selector, Accepts(DETECTIONS, batch=True, collapses=True)]
    overlap_filtering_strategy: Annotated[Literal["none", "nms", "nmm"] | Selector, Accepts((Kind.STRING,))] = "nms"
    iou_threshold: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.3


def merged(parts: list[Any], image: WorkflowImage) -> Any:
    """Detections of several tiles (each in its tile's coordinates) as one set in ``image``'s coordinates."""
    import supervision as sv

    moved = [to_root_coordinates(part) for part in parts if part is not None and len(part)]
    if not moved:
        empty = sv.Detections.empty()
        empty.data["class_name"] = np.array([], dtype=str)
        return with_root(empty, image)
    return sv.Detections.merge(moved)


class DetectionsStitch(Block):
    """The detections found in the slices of an image, in the image's coordinates; where tiles overlap, the same
    object found twice is kept once (``nms``: the best box; ``nmm``: the boxes merged; ``none``: both)."""

    manifest = DetectionsStitchManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"predictions": DETECTIONS}
    description = "Merge the detections of an image's slices"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        image: WorkflowImage = step.reference_image
        detections = merged(list(step.predictions), image)
        strategy, iou = str(step.overlap_filtering_strategy), float(step.iou_threshold)
        if len(detections) and strategy == "nms":
            detections = detections.with_nms(threshold=iou, class_agnostic=False)
        elif len(detections) and strategy == "nmm":
            detections = detections.with_nmm(threshold=iou, class_agnostic=False)
        return {"predictions": detections}


class DetectionsClassesReplacementManifest(StepManifest):
    type: Literal["roboflow_core/detections_classes_replacement@v1", "DetectionsClassesReplacement"]
    object_detection_predictions: Annotated[Selector, Accepts(DETECTIONS, batch=True)]
    classification_predictions: Annotated[
        Selector, Accepts((Kind.CLASSIFICATION, Kind.LIST_OF_VALUES, Kind.STRING), batch=True, collapses=True)
    ]
    """Classifications (matched by ``parent_id``), or text (a VLM's or OCR's answer, matched by position)."""
    fallback_class_name: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    fallback_class_id: Annotated[int | Selector | None, Accepts((Kind.INTEGER,))] = None


def top_class(prediction: Any) -> tuple[str, int, float] | None:
    """The class a classification (Roboflow's shape: ``top``/``predictions``, or multi-label ``predicted_classes``)
    chose, with its id and confidence; text is the class itself (id 0, confidence 1); ``None`` when none."""
    if isinstance(prediction, list):
        prediction = next((item for item in prediction if isinstance(item, str) and item.strip()), None)
    if isinstance(prediction, str):
        return (prediction.strip(), 0, 1.0) if prediction.strip() else None
    if not isinstance(prediction, dict):
        return None
    found = prediction.get("predictions")
    if prediction.get("top"):
        entries = found if isinstance(found, list) else []
        best: dict[str, Any] = next((e for e in entries if e.get("class") == prediction["top"]), {})
        return str(prediction["top"]), int(best.get("class_id", 0)), float(prediction.get("confidence", 0.0))
    chosen = prediction.get("predicted_classes") or []
    if chosen and isinstance(found, dict):
        name = max(chosen, key=lambda c: found.get(c, {}).get("confidence", 0.0))
        entry = found.get(name, {})
        return str(name), int(entry.get("class_id", 0)), float(entry.get("confidence", 0.0))
    return None


class DetectionsClassesReplacement(Block):
    """Each detection takes the class its crop was classified as (matched by the crop's parent, the detection's id),
    with the classification's confidence; a detection whose crop chose no class takes the fallback class, or is
    dropped without one."""

    manifest = DetectionsClassesReplacementManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"predictions": DETECTIONS}
    description = "Name each detection by the classification of its crop"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        detections = step.object_detection_predictions
        classifications = list(step.classification_predictions)
        by_parent = {c.get("parent_id"): c for c in classifications if isinstance(c, dict) and c.get("parent_id")}
        ids = detections.data.get("detection_id", [None] * len(detections))
        keep, names, class_ids, scores = [], [], [], []
        for index, detection_id in enumerate(ids):
            chosen = by_parent.get(detection_id)
            if chosen is None and index < len(classifications):
                chosen = classifications[index]
            answer = top_class(chosen)
            if answer is None and step.fallback_class_name is not None:
                answer = (str(step.fallback_class_name), int(step.fallback_class_id or 0), 0.0)
            if answer is None:
                continue
            keep.append(index)
            names.append(answer[0])
            class_ids.append(answer[1])
            scores.append(answer[2])
        replaced = detections[np.array(keep, dtype=int)] if keep else detections[np.zeros(len(detections), bool)]
        replaced.data["class_name"] = np.array(names, dtype=str)
        replaced.class_id = np.array(class_ids, dtype=int)
        replaced.confidence = np.array(scores, dtype=np.float32)
        return {"predictions": replaced}
