"""Running an Ultralytics YOLO-seg ONNX export with ONNX Runtime and decoding its outputs into a :class:`Prediction`.

A YOLO-seg export differs from RF-DETR's in everything around the network: its input is letterboxed (aspect kept,
grey borders) and scaled to 0..1 rather than stretched and ImageNet-normalised; ``output0`` holds, per anchor, a
box (``cx, cy, w, h`` in input pixels), class scores (already sigmoid) and 32 mask coefficients, which need NMS;
``output1`` holds 32 mask prototypes that the coefficients combine. End-to-end exports (YOLO26) give
``(x0, y0, x1, y1, score, class, coefficients...)`` rows already without duplicates. Decoding here rather than
through Ultralytics keeps the server free of PyTorch and gives masks only inside each box, as RF-DETR's decoder does.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from seglab.models.engines import onnx_providers
from seglab.models.images import RgbImage
from seglab.models.prediction import (
    FloatArray,
    Prediction,
    PredictOptions,
    _nms,
    instances_in_boxes,
    sample_in_box,
)
from seglab.models.predictor import BasePredictor

PAD_VALUE = 114
"""Ultralytics' letterbox grey."""
DEFAULT_NMS_IOU = 0.7
"""Ultralytics' default NMS IoU for predictions."""
PRE_NMS_TOP_K = 3000
"""The best candidates NMS looks at (as Ultralytics' ``max_nms``): at confidence 0 (an evaluation) a 640-pixel
input has 8400 anchors, and NMS compares every pair."""


@dataclass(frozen=True)
class Letterbox:
    """Where an image lies inside the network input: its top-left corner and its size there, in input pixels."""

    left: int
    top: int
    width: int
    height: int


def letterbox(image: RgbImage, height: int, width: int) -> tuple[npt.NDArray[np.uint8], Letterbox]:
    """``image`` resized into ``(height, width)``, aspect kept, centred on grey (as Ultralytics' ``LetterBox``)."""
    rows, cols = image.shape[:2]
    gain = min(height / rows, width / cols)
    new_w, new_h = round(cols * gain), round(rows * gain)
    left, top = round((width - new_w) / 2 - 0.1), round((height - new_h) / 2 - 0.1)
    canvas = np.full((height, width, 3), PAD_VALUE, dtype=np.uint8)
    if (new_w, new_h) != (cols, rows):
        image = np.asarray(cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)
    canvas[top : top + new_h, left : left + new_w] = image
    return canvas, Letterbox(left, top, new_w, new_h)


@dataclass(frozen=True)
class YoloOutputs:
    """One batch: ``output0`` rows per image, mask prototypes ``(B, 32, h, w)``, each image's place in the input."""

    detections: FloatArray
    prototypes: FloatArray
    boxes: list[Letterbox]
    end_to_end: bool


class YoloOnnxEngine:
    """A YOLO-seg ONNX export in an ONNX Runtime session; its input size comes from the export's metadata when the
    export takes any size (``dynamic=True``)."""

    name = "onnx"

    def __init__(
        self,
        path: Path,
        *,
        threads: int = 0,
        input_hw: tuple[int, int] | None = None,
        providers: list[str] | None = None,
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=providers or onnx_providers())
        metadata = self.session.get_modelmeta().custom_metadata_map
        outputs = [output.name for output in self.session.get_outputs()]
        if metadata.get("task") != "segment" or len(outputs) != 2:
            raise ValueError(f"{path} is not an Ultralytics YOLO segmentation export")
        model_input = self.session.get_inputs()[0]
        self.input_name, self.output_names = model_input.name, outputs
        declared = model_input.shape[2:4]
        if input_hw is None:
            if all(isinstance(v, int) for v in declared):
                input_hw = (int(declared[0]), int(declared[1]))
            else:
                size = ast.literal_eval(metadata.get("imgsz", "[640, 640]"))
                input_hw = (int(size[0]), int(size[1]))
        self.input_hw = input_hw
        self.end_to_end = metadata.get("end2end", "False") == "True"
        self.class_names = _names(metadata.get("names"))

    def run(self, images: Sequence[RgbImage]) -> YoloOutputs:
        height, width = self.input_hw
        batch = np.empty((len(images), 3, height, width), dtype=np.float32)
        boxes = []
        for index, image in enumerate(images):
            canvas, placed = letterbox(image, height, width)
            batch[index] = canvas.transpose(2, 0, 1).astype(np.float32) / 255.0
            boxes.append(placed)
        detections, prototypes = self.session.run(self.output_names, {self.input_name: batch})
        return YoloOutputs(detections, prototypes, boxes, self.end_to_end)


def _names(text: str | None) -> list[str]:
    """Class names from the export's metadata (``{0: 'cat', ...}``), in index order."""
    if not text:
        return []
    parsed: Any = ast.literal_eval(text)
    return [str(parsed[key]) for key in sorted(parsed)] if isinstance(parsed, dict) else [str(n) for n in parsed]


def _rows(outputs: YoloOutputs, index: int) -> tuple[FloatArray, FloatArray, Any, FloatArray]:
    """Image ``index``'s candidates: boxes ``xyxy`` in input pixels, scores, class ids, mask coefficients."""
    raw = outputs.detections[index]
    if outputs.end_to_end:  # (N, 6 + 32): x0, y0, x1, y1, score, class, coefficients
        return raw[:, :4], raw[:, 4], raw[:, 5].astype(np.int64), raw[:, 6:]
    rows = raw.T  # (anchors, 4 + classes + 32)
    # the head's class count, from the shapes (a head wider than the names given only adds classes never reported)
    classes = rows.shape[1] - 4 - outputs.prototypes.shape[1]
    scores = rows[:, 4 : 4 + classes]
    best = scores.argmax(axis=1)
    cx, cy, w, h = rows[:, :4].T
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return xyxy, scores[np.arange(len(rows)), best], best.astype(np.int64), rows[:, 4 + classes :]


def _mask_in_box(
    logits: FloatArray,
    box: npt.NDArray[np.int64],
    placed: Letterbox,
    image_wh: tuple[int, int],
    input_wh: tuple[int, int],
) -> Any:
    """The instance's mask inside its integer image box: the prototype-resolution mask sampled (bilinear) at each
    image pixel's place in the letterboxed input."""
    width, height = image_wh
    mask_h, mask_w = logits.shape
    # image pixel → input pixel → prototype pixel, per axis: scale and offset
    sx = placed.width / width * mask_w / input_wh[0]
    sy = placed.height / height * mask_h / input_wh[1]
    ox = placed.left * mask_w / input_wh[0]
    oy = placed.top * mask_h / input_wh[1]
    return sample_in_box(logits, box, (sx, sy), (ox, oy)) > 0.0


def decode_yolo(
    outputs: YoloOutputs,
    index: int,
    image_wh: tuple[int, int],
    class_names: Sequence[str],
    input_hw: tuple[int, int],
    options: PredictOptions,
) -> Prediction:
    """Image ``index`` of a batch as instances of an image of ``image_wh`` pixels (best first): threshold, class
    filter, NMS (Ultralytics' IoU 0.7 unless ``options.nms_iou`` says otherwise), masks from the prototypes."""
    width, height = image_wh
    xyxy_in, scores, classes, coefficients = _rows(outputs, index)
    keep = (scores > options.confidence) & (classes < len(class_names))
    if options.class_filter is not None:
        keep &= np.array([class_names[c] in options.class_filter for c in classes], dtype=bool).reshape(keep.shape)
    xyxy_in, scores, classes, coefficients = xyxy_in[keep], scores[keep], classes[keep], coefficients[keep]
    order = np.argsort(-scores, kind="stable")[:PRE_NMS_TOP_K]
    xyxy_in, scores, classes, coefficients = xyxy_in[order], scores[order], classes[order], coefficients[order]
    placed = outputs.boxes[index]
    scale = np.array([width / placed.width, height / placed.height] * 2, dtype=np.float32)
    shift = np.array([placed.left, placed.top] * 2, dtype=np.float32)
    limits = np.array([width, height, width, height], dtype=np.float32)
    xyxy = np.clip((xyxy_in - shift) * scale, 0.0, limits).astype(np.float32)
    iou = options.nms_iou if options.nms_iou is not None else (None if outputs.end_to_end else DEFAULT_NMS_IOU)
    if iou is not None and len(scores) > 1:
        survivors = _nms(xyxy, scores, classes, iou, options.class_agnostic_nms)
        xyxy, scores, classes = xyxy[survivors], scores[survivors], classes[survivors]
        coefficients = coefficients[survivors]
    prototypes = outputs.prototypes[index]
    channels = prototypes.shape[0]
    input_wh = (input_hw[1], input_hw[0])

    def mask_in_box(row: int, box: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        logits = (coefficients[row] @ prototypes.reshape(channels, -1)).reshape(prototypes.shape[1:])
        crop: npt.NDArray[np.bool_] = _mask_in_box(logits.astype(np.float32), box, placed, image_wh, input_wh)
        return crop

    return instances_in_boxes(xyxy, scores, classes, class_names, image_wh, options.max_detections, mask_in_box)


class YoloPredictor(BasePredictor[YoloOutputs]):
    """A YOLO-seg ONNX export plus the class names it was trained with."""

    def __init__(self, engine: YoloOnnxEngine, class_names: Sequence[str]) -> None:
        self.engine = engine
        self.class_names = list(class_names)

    @property
    def input_hw(self) -> tuple[int, int]:
        return self.engine.input_hw

    def forward(self, images: Sequence[RgbImage]) -> YoloOutputs:
        return self.engine.run(images)

    def decode(self, raw: YoloOutputs, index: int, image_wh: tuple[int, int], options: PredictOptions) -> Prediction:
        return decode_yolo(raw, index, image_wh, self.class_names, self.engine.input_hw, options)
