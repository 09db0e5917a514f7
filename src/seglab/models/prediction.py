"""Turning RF-DETR-Seg's raw outputs into instances: top-k, threshold, class filter, NMS, masks inside boxes.

Written here (not taken from rfdetr) because seglab runs the same decoding after ONNX Runtime and
after PyTorch, and because it upsamples each mask only inside its own box: rfdetr resizes every
mask to the whole image, which costs ``detections x image pixels`` however small the objects are.
The decoding itself follows rfdetr's ``PostProcess``: per-class sigmoid, the best query/class pairs
over the whole ``queries x classes`` grid, normalised ``cxcywh`` boxes, mask logits above 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from seglab.geometry import MultiPolygon, Rle, mask_to_polygon, mask_to_xyxy

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class RawOutputs:
    """One batch of outputs: boxes ``(B, Q, 4)`` (normalised cxcywh), logits ``(B, Q, C)``, masks ``(B, Q, h, w)``."""

    boxes: FloatArray
    logits: FloatArray
    masks: FloatArray


@dataclass(frozen=True)
class PredictOptions:
    confidence: float = 0.4
    """Keep instances scoring above this (0..1)."""
    max_detections: int = 300
    class_filter: frozenset[str] | None = None
    """Keep only these class names (``None``: all)."""
    nms_iou: float | None = None
    """Suppress boxes overlapping a better one by more than this IoU. RF-DETR needs no NMS (each object
    gets one query), so it is off unless asked for, as Roboflow's ``iou_threshold`` asks for it."""
    class_agnostic_nms: bool = False
    mask_threshold: float = 0.0
    """On the mask logits: 0 is rfdetr's (probability 0.5)."""


DEFAULT_OPTIONS = PredictOptions()


@dataclass(frozen=True)
class Prediction:
    """The instances found in one image, best first.

    Masks are kept as crops of their boxes (``crops[i]`` starts at pixel ``origins[i]``), so a small
    object in a large image costs what the object costs; :meth:`masks` and :meth:`to_detections`
    make full-image masks when a caller needs them.
    """

    image_wh: tuple[int, int]
    xyxy: FloatArray
    confidence: FloatArray
    class_id: npt.NDArray[np.int64]
    class_name: list[str]
    crops: list[npt.NDArray[np.bool_]] = field(repr=False)
    origins: npt.NDArray[np.int64] = field(repr=False)
    tracker_id: npt.NDArray[np.int64] | None = None
    """Each instance's track across a video's frames (``-1``: not tracked yet); ``None`` when nothing tracks."""

    def __len__(self) -> int:
        return len(self.class_name)

    def mask(self, index: int) -> npt.NDArray[np.bool_]:
        width, height = self.image_wh
        full = np.zeros((height, width), dtype=bool)
        crop = self.crops[index]
        x, y = (int(v) for v in self.origins[index])
        full[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
        return full

    def masks(self) -> npt.NDArray[np.bool_]:
        width, height = self.image_wh
        if not len(self):
            return np.zeros((0, height, width), dtype=bool)
        return np.stack([self.mask(i) for i in range(len(self))])

    def polygon(self, index: int, tolerance: float = 1.0) -> MultiPolygon | None:
        """The instance's outline in image pixels (every part and hole), simplified by ``tolerance`` pixels."""
        shape = mask_to_polygon(self.crops[index], tolerance)
        if shape is None:
            return None
        x, y = (float(v) for v in self.origins[index])
        return shape.translate(x, y)

    def polygons(self, tolerance: float = 1.0) -> list[MultiPolygon | None]:
        """Every instance's outline, in order (``None`` for an instance whose mask is empty)."""
        return [self.polygon(index, tolerance) for index in range(len(self))]

    def rle(self, index: int) -> Rle:
        return Rle.from_mask(self.mask(index))

    def area(self, index: int) -> int:
        return int(self.crops[index].sum())

    def select(self, indexes: Sequence[int] | npt.NDArray[np.integer[Any]]) -> Prediction:
        """The instances at ``indexes``, in that order (as ``Detections[indexes]``)."""
        chosen = np.asarray(indexes, dtype=np.int64).reshape(-1)
        return Prediction(
            image_wh=self.image_wh,
            xyxy=self.xyxy[chosen].reshape(-1, 4),
            confidence=self.confidence[chosen],
            class_id=self.class_id[chosen],
            class_name=[self.class_name[i] for i in chosen],
            crops=[self.crops[i] for i in chosen],
            origins=self.origins[chosen].reshape(-1, 2),
            tracker_id=None if self.tracker_id is None else self.tracker_id[chosen],
        )

    @classmethod
    def from_detections(cls, detections: Any, image_wh: tuple[int, int]) -> Prediction:
        """From ``supervision.Detections`` (full-image masks, ``data["class_name"]``), the reverse of
        :meth:`to_detections`; each mask is kept as the crop of its own extent. Without masks, boxes are the masks."""
        width, height = image_wh
        count = len(detections)
        xyxy = np.asarray(detections.xyxy, dtype=np.float32).reshape(-1, 4)
        crops: list[npt.NDArray[np.bool_]] = []
        origins: list[tuple[int, int]] = []
        for index in range(count):
            if detections.mask is not None:
                mask = np.asarray(detections.mask[index], dtype=bool)
                x0, y0, x1, y1 = (int(v) for v in mask_to_xyxy(mask))  # zeros for an empty mask
                crops.append(mask[y0:y1, x0:x1])
            else:
                x0, y0 = (int(v) for v in np.clip(np.floor(xyxy[index, :2]), 0, [width, height]))
                x1, y1 = (int(v) for v in np.clip(np.ceil(xyxy[index, 2:]), 0, [width, height]))
                crops.append(np.ones((max(y1 - y0, 0), max(x1 - x0, 0)), dtype=bool))
            origins.append((x0, y0))
        names = detections.data.get("class_name")
        tracker_id = detections.tracker_id
        class_id = detections.class_id if detections.class_id is not None else np.zeros(count, dtype=np.int64)
        confidence = detections.confidence if detections.confidence is not None else np.ones(count, dtype=np.float32)
        return cls(
            image_wh=image_wh,
            xyxy=xyxy,
            confidence=np.asarray(confidence, dtype=np.float32),
            class_id=np.asarray(class_id, dtype=np.int64),
            class_name=[str(n) for n in names] if names is not None else [str(c) for c in class_id],
            crops=crops,
            origins=np.array(origins, dtype=np.int64).reshape(-1, 2),
            tracker_id=None if tracker_id is None else np.asarray(tracker_id, dtype=np.int64),
        )

    def to_detections(self) -> Any:
        """As ``supervision.Detections`` with full-image masks, ``data["class_name"]`` and the tracker ids if any."""
        import supervision as sv

        return sv.Detections(
            xyxy=self.xyxy.astype(np.float32).reshape(-1, 4),
            mask=self.masks(),
            confidence=self.confidence.astype(np.float32),
            class_id=self.class_id.astype(int),
            tracker_id=None if self.tracker_id is None else self.tracker_id.astype(int),
            data={"class_name": np.array(self.class_name, dtype=str)},
        )


def _sigmoid(values: FloatArray) -> FloatArray:
    result: FloatArray = (1.0 / (1.0 + np.exp(-np.clip(values, -88.0, 88.0)))).astype(np.float32)
    return result


def _top_pairs(scores: FloatArray, count: int) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """The ``count`` best flattened query/class pairs, best first (ties: lower index first, as rfdetr)."""
    flat = scores.reshape(-1)
    count = min(count, flat.size)
    candidates = np.argpartition(-flat, count - 1)[:count] if count < flat.size else np.arange(flat.size)
    order = np.lexsort((candidates, -flat[candidates]))
    chosen = candidates[order]
    return chosen, flat[chosen]


def _nms(xyxy: FloatArray, scores: FloatArray, classes: npt.NDArray[np.int64], iou: float, agnostic: bool) -> Any:
    import supervision as sv

    rows = np.column_stack([xyxy, scores] + ([] if agnostic else [classes])).astype(np.float64)
    return sv.box_non_max_suppression(rows, iou_threshold=iou)


def _mask_in_box(logits: FloatArray, box: npt.NDArray[np.int64], image_wh: tuple[int, int], threshold: float) -> Any:
    """The mask inside an integer box ``x0, y0, x1, y1``: the same values a bilinear resize of the whole mask to the
    image (``align_corners=False``) would give there, computed for the box's pixels only."""
    width, height = image_wh
    mask_h, mask_w = logits.shape
    return sample_in_box(logits, box, (mask_w / width, mask_h / height)) > threshold


def sample_in_box(
    logits: FloatArray,
    box: npt.NDArray[np.int64],
    scale: tuple[float, float],
    offset: tuple[float, float] = (0.0, 0.0),
) -> FloatArray:
    """``logits`` sampled (bilinear, pixel centres as ``align_corners=False``) at the pixels of the integer image box
    ``x0, y0, x1, y1``, image pixel ``x`` being mask pixel ``x * scale[0] + offset[0]`` (and so for ``y``): only the
    box's pixels are computed, whatever the size of the image."""
    (sx, sy), (ox, oy) = scale, offset
    x0, y0, x1, y1 = (int(v) for v in box)
    transform = np.array(
        [[sx, 0.0, (x0 + 0.5) * sx + ox - 0.5], [0.0, sy, (y0 + 0.5) * sy + oy - 0.5]], dtype=np.float64
    )
    resized = cv2.warpAffine(
        logits,
        transform,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.asarray(resized, dtype=np.float32).reshape(y1 - y0, x1 - x0)


def decode(
    boxes: FloatArray,
    logits: FloatArray,
    masks: FloatArray,
    image_wh: tuple[int, int],
    class_names: Sequence[str],
    options: PredictOptions = DEFAULT_OPTIONS,
    *,
    num_select: int | None = None,
) -> Prediction:
    """One image's outputs (``(Q, 4)``, ``(Q, C)``, ``(Q, h, w)``) as a :class:`Prediction` in image pixels.

    Only the first ``len(class_names)`` logit columns are classes; the rest (rfdetr's background
    slot) are never reported, nor are columns whose name is empty (the ids COCO leaves unused, in a
    pretrained COCO model's class list). ``num_select`` query/class pairs (default: the number of
    queries) are ranked before the threshold, as in rfdetr.
    """
    width, height = image_wh
    scores = _sigmoid(logits[:, : len(class_names)].astype(np.float32))
    unnamed = [index for index, name in enumerate(class_names) if not name]
    if unnamed:
        scores[:, unnamed] = 0.0
    pairs, best = _top_pairs(scores, num_select or logits.shape[0])
    keep = best > options.confidence
    pairs, best = pairs[keep], best[keep]
    queries, classes = pairs // scores.shape[1], (pairs % scores.shape[1]).astype(np.int64)
    if options.class_filter is not None:
        wanted = np.array([class_names[c] in options.class_filter for c in classes], dtype=bool)
        queries, classes, best = queries[wanted], classes[wanted], best[wanted]
    cx, cy, bw, bh = boxes[queries].astype(np.float32).T
    scale = np.array([width, height, width, height], dtype=np.float32)
    xyxy = np.clip(np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1) * scale, 0.0, scale)
    if options.nms_iou is not None and len(queries) > 1:
        survivors = _nms(xyxy, best, classes, options.nms_iou, options.class_agnostic_nms)
        queries, classes, best, xyxy = queries[survivors], classes[survivors], best[survivors], xyxy[survivors]
    return instances_in_boxes(
        xyxy,
        best,
        classes,
        class_names,
        image_wh,
        options.max_detections,
        lambda row, box: _mask_in_box(masks[queries[row]].astype(np.float32), box, image_wh, options.mask_threshold),
    )


def instances_in_boxes(
    xyxy: FloatArray,
    confidence: npt.NDArray[Any],
    class_id: npt.NDArray[Any],
    class_names: Sequence[str],
    image_wh: tuple[int, int],
    max_detections: int,
    mask_in_box: Callable[[int, npt.NDArray[np.int64]], npt.NDArray[np.bool_]],
) -> Prediction:
    """The candidates (rows, best first) that are instances, at most ``max_detections``: each one's box rounded out
    to whole pixels inside the image, and its mask cropped to that box (``mask_in_box(row, box)``, every
    architecture's own decoding); a box or a mask without pixels is not an instance."""
    width, height = image_wh
    limits = np.array([width, height, width, height], dtype=np.int64)
    kept: list[int] = []
    crops: list[npt.NDArray[np.bool_]] = []
    origins: list[tuple[int, int]] = []
    for row in range(len(xyxy)):
        if len(kept) >= max_detections:
            break
        box = np.concatenate([np.floor(xyxy[row, :2]), np.ceil(xyxy[row, 2:])]).astype(np.int64)
        box = np.clip(box, 0, limits)
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        crop = mask_in_box(row, box)
        if not crop.any():
            continue
        kept.append(row)
        crops.append(crop)
        origins.append((int(box[0]), int(box[1])))
    chosen = np.array(kept, dtype=np.int64)
    return Prediction(
        image_wh=image_wh,
        xyxy=xyxy[chosen].reshape(-1, 4),
        confidence=confidence[chosen].astype(np.float32),
        class_id=class_id[chosen].astype(np.int64),
        class_name=[class_names[c] for c in class_id[chosen]],
        crops=crops,
        origins=np.array(origins, dtype=np.int64).reshape(-1, 2),
    )
