"""Detections consensus (Roboflow's ``detections_consensus``): several models vote, and an object counts where
enough of them found it, their detections merged into one."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.values import new_ids

Aggregation = Literal["average", "max", "min"]


class DetectionsConsensusManifest(StepManifest):
    type: Literal["roboflow_core/detections_consensus@v1", "DetectionsConsensus"]
    predictions_batches: Annotated[list[Selector], Accepts(DETECTIONS, batch=True)]
    required_votes: Annotated[int | Selector, Accepts((Kind.INTEGER,))]
    class_aware: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True
    iou_threshold: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.3
    confidence: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.0
    classes_to_consider: Annotated[list[str] | Selector | None, Accepts((Kind.LIST_OF_VALUES,))] = None
    required_objects: Annotated[int | dict[str, int] | Selector | None, Accepts((Kind.INTEGER, Kind.DICTIONARY))] = None
    presence_confidence_aggregation: Aggregation = "max"
    detections_merge_confidence_aggregation: Aggregation = "average"
    detections_merge_coordinates_aggregation: Aggregation = "average"
    detections_merge_mask_aggregation: Literal["union", "intersection", "max", "min"] = "union"


def _aggregate(values: np.ndarray, mode: str) -> Any:
    if mode == "max":
        return np.max(values, axis=0)
    return np.min(values, axis=0) if mode == "min" else np.mean(values, axis=0)


class DetectionsConsensus(Block):
    """An object is kept where at least ``required_votes`` of the sources found it (boxes overlapping by
    ``iou_threshold``, of the same class when ``class_aware``), merged into one detection. ``object_present`` and
    ``presence_confidence`` say whether ``required_objects`` were found (per class when it is a mapping)."""

    manifest = DetectionsConsensusManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "predictions": DETECTIONS,
        "object_present": (Kind.BOOLEAN, Kind.DICTIONARY),
        "presence_confidence": (Kind.FLOAT_ZERO_TO_ONE, Kind.DICTIONARY),
    }
    description = "Keep objects several models agree on"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import supervision as sv

        sources = [self._considered(d, step) for d in step.predictions_batches if d is not None]
        if int(step.required_votes) > len(sources):
            raise context.fail(f"required_votes is {step.required_votes}, but only {len(sources)} sources are given")
        used = [np.zeros(len(d), dtype=bool) for d in sources]
        merged = []
        for index, source in enumerate(sources):
            for row in np.argsort(
                -np.nan_to_num(source.confidence if source.confidence is not None else np.ones(len(source)))
            ):
                if used[index][row]:
                    continue
                group = [(index, int(row))]
                for other in range(index + 1, len(sources)):
                    match = self._match(source[int(row) : int(row) + 1], sources[other], used[other], step)
                    if match is not None:
                        group.append((other, match))
                if len(group) >= int(step.required_votes):
                    for member, member_row in group:
                        used[member][member_row] = True
                    merged.append(self._merge([sources[m][r : r + 1] for m, r in group], step))
        result = sv.Detections.merge(merged) if merged else self._empty(sources)
        if len(result):
            result.data["detection_id"] = new_ids(len(result))
        present, presence = self._presence(result, step)
        return {"predictions": result, "object_present": present, "presence_confidence": presence}

    @staticmethod
    def _considered(detections: Any, step: Any) -> Any:
        keep = np.ones(len(detections), dtype=bool)
        if detections.confidence is not None:
            keep &= detections.confidence >= float(step.confidence)
        if step.classes_to_consider:
            names = detections.data.get("class_name", np.array([], dtype=str))
            keep &= np.isin(names, list(step.classes_to_consider))
        return detections[keep]

    @staticmethod
    def _match(detection: Any, candidates: Any, used: np.ndarray, step: Any) -> int | None:
        import supervision as sv

        if not len(candidates):
            return None
        ious = sv.box_iou_batch(detection.xyxy, candidates.xyxy)[0]
        ious[used] = -1
        if step.class_aware:
            name = detection.data["class_name"][0]
            ious[np.asarray(candidates.data["class_name"]) != name] = -1
        best = int(np.argmax(ious))
        return best if ious[best] >= float(step.iou_threshold) else None

    @staticmethod
    def _merge(members: list[Any], step: Any) -> Any:
        first = members[0][:]
        first.xyxy = _aggregate(
            np.concatenate([m.xyxy for m in members]), step.detections_merge_coordinates_aggregation
        )[None].astype(np.float32)
        scores = np.array([float(m.confidence[0]) if m.confidence is not None else 1.0 for m in members])
        first.confidence = np.array([_aggregate(scores, step.detections_merge_confidence_aggregation)], np.float32)
        masks = [m.mask for m in members if m.mask is not None]
        if masks and len(masks) == len(members):
            stacked = np.concatenate(masks)
            mode = step.detections_merge_mask_aggregation
            combined = np.asarray(stacked.all(axis=0) if mode in ("intersection", "min") else stacked.any(axis=0))
            first.mask = combined[None]
        return first

    @staticmethod
    def _empty(sources: list[Any]) -> Any:
        import supervision as sv

        if sources:
            return sources[0][np.zeros(len(sources[0]), dtype=bool)]
        return sv.Detections.empty()

    @staticmethod
    def _presence(result: Any, step: Any) -> tuple[Any, Any]:
        names = [str(n) for n in result.data.get("class_name", [])]
        scores = result.confidence if result.confidence is not None else np.ones(len(result))
        mode = step.presence_confidence_aggregation
        required = step.required_objects
        if isinstance(required, dict):
            present, presence = {}, {}
            for name, count in required.items():
                chosen = scores[np.array(names) == name] if names else np.array([])
                present[name] = len(chosen) >= int(count)
                presence[name] = float(_aggregate(chosen, mode)) if len(chosen) else 0.0
            return present, presence
        enough = len(result) >= int(required or 1)
        return enough, float(_aggregate(scores, mode)) if len(result) else 0.0
