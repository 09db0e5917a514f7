"""Detections list roll-up (Roboflow's ``detections_list_rollup``): what a model found in each crop, brought back
onto the image the crops were cut from, overlapping finds of one class merged into one."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.values import new_ids, to_root_coordinates


class DetectionsListRollupManifest(StepManifest):
    type: Literal["roboflow_core/detections_list_rollup@v1", "DetectionsListRollUp"]
    parent_detection: Annotated[Selector, Accepts(DETECTIONS, batch=True)]
    child_detections: Annotated[Selector, Accepts((Kind.LIST_OF_VALUES,))]
    """A list per image, one detections per crop (a ``dimension_collapse`` of a model run on the crops)."""
    confidence_strategy: Annotated[Literal["max", "mean", "min"] | Selector, Accepts((Kind.STRING,))] = "max"
    overlap_threshold: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.0
    """Finds of one class overlapping by more than this IoU (0: at all; 1: only identical ones) become one."""
    keypoint_merge_threshold: Annotated[float | Selector, Accepts((Kind.FLOAT,))] = 10.0
    """Roboflow's, for keypoint models, which seglab does not serve: it changes nothing."""


def _merge_overlapping(detections: Any, threshold: float, strategy: str) -> Any:
    """Greedy: each detection absorbs the later ones of its class overlapping it by more than ``threshold``."""
    import supervision as sv

    if len(detections) < 2:
        return detections
    ious = sv.box_iou_batch(detections.xyxy, detections.xyxy)
    names = np.asarray(detections.data.get("class_name", detections.class_id))
    taken = np.zeros(len(detections), dtype=bool)
    merged = []
    for index in range(len(detections)):
        if taken[index]:
            continue
        overlap = ious[index] >= threshold if threshold >= 1 else ious[index] > threshold
        group = np.flatnonzero(overlap & (names == names[index]) & ~taken)
        group = np.union1d(group, [index]).astype(int)
        taken[group] = True
        one = detections[index : index + 1]
        part = detections[group]
        one.xyxy = np.array([[*part.xyxy[:, :2].min(axis=0), *part.xyxy[:, 2:].max(axis=0)]], dtype=np.float32)
        if part.confidence is not None:
            pick = {"max": np.max, "min": np.min}.get(strategy, np.mean)
            one.confidence = np.array([pick(part.confidence)], dtype=np.float32)
        if part.mask is not None:
            one.mask = part.mask.any(axis=0)[None]
        merged.append(one)
    return sv.Detections.merge(merged)


class DetectionsListRollup(Block):
    """``rolled_up_detections``: every crop's detections in the image's coordinates, merged where they overlap;
    ``crop_zones``: each crop's box as a polygon (``[[x, y], ...]``)."""

    manifest = DetectionsListRollupManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "rolled_up_detections": DETECTIONS,
        "crop_zones": (Kind.LIST_OF_VALUES,),
    }
    description = "Bring crops' detections back onto the image"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import supervision as sv

        parents = step.parent_detection
        children = [to_root_coordinates(c) for c in (step.child_detections or []) if c is not None and len(c)]
        zones = [[[x0, y0], [x1, y0], [x1, y1], [x0, y1]] for x0, y0, x1, y1 in parents.xyxy.tolist()]
        if not children:
            return {"rolled_up_detections": parents[np.zeros(len(parents), dtype=bool)], "crop_zones": zones}
        found = _merge_overlapping(
            sv.Detections.merge(children), float(step.overlap_threshold), str(step.confidence_strategy)
        )
        found.data["detection_id"] = new_ids(len(found))
        return {"rolled_up_detections": found, "crop_zones": zones}
