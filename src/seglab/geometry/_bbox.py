"""Bounding boxes. Names carry the convention: ``xyxy`` is corners, ``xywh`` is COCO's corner+size."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def xyxy_to_xywh(xyxy: npt.ArrayLike) -> FloatArray:
    """``[x_min, y_min, x_max, y_max]`` -> ``[x_min, y_min, width, height]``; works on (4,) or (N, 4)."""
    boxes = np.array(xyxy, dtype=np.float64)
    _check_boxes(boxes)
    boxes[..., 2:] -= boxes[..., :2]
    return boxes


def xywh_to_xyxy(xywh: npt.ArrayLike) -> FloatArray:
    """``[x_min, y_min, width, height]`` -> ``[x_min, y_min, x_max, y_max]``; works on (4,) or (N, 4)."""
    boxes = np.array(xywh, dtype=np.float64)
    _check_boxes(boxes)
    boxes[..., 2:] += boxes[..., :2]
    return boxes


def mask_to_xyxy(mask: npt.ArrayLike) -> FloatArray:
    """Pixel-corner bounds of a boolean mask's foreground (zeros when the mask is empty)."""
    array = np.asarray(mask, dtype=bool)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D mask, got shape {array.shape}")
    rows, cols = np.any(array, axis=1), np.any(array, axis=0)
    if not rows.any():
        return np.zeros(4, dtype=np.float64)
    y0, y1 = np.flatnonzero(rows)[[0, -1]]
    x0, x1 = np.flatnonzero(cols)[[0, -1]]
    return np.array([x0, y0, x1 + 1, y1 + 1], dtype=np.float64)


def _check_boxes(boxes: FloatArray) -> None:
    if boxes.shape[-1:] != (4,) or boxes.ndim > 2:
        raise ValueError(f"expected boxes of shape (4,) or (N, 4), got {boxes.shape}")
