"""Run-length encoded masks, COCO's compact pixel format, backed by pycocotools."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pycocotools import mask as coco_mask

BoolMask = npt.NDArray[np.bool_]


MAX_RLE_PIXELS = 2**32 - 1
"""pycocotools counts runs in 32-bit integers: a larger mask (10^6 x 10^6, say) would overflow, not decode."""


def _check_size(height: int, width: int, what: str | None = None) -> None:
    where = f"{what}: " if what else ""
    if height <= 0 or width <= 0:
        raise ValueError(f"{where}RLE size must be positive, got {height}x{width}")
    if height * width > MAX_RLE_PIXELS:
        raise ValueError(f"{where}RLE size {height}x{width} is above the {MAX_RLE_PIXELS} pixels an RLE mask can hold")


@dataclass(frozen=True)
class Rle:
    """A binary mask as COCO compressed RLE: ``counts`` bytes for an image of ``height x width``."""

    height: int
    width: int
    counts: bytes

    def __post_init__(self) -> None:
        _check_size(self.height, self.width)

    @classmethod
    def from_mask(cls, mask: npt.ArrayLike) -> Rle:
        """Encode a 2-D boolean (or 0/1) mask."""
        array = np.asarray(mask)
        if array.ndim != 2:
            raise ValueError(f"expected a 2-D mask, got shape {array.shape}")
        encoded = coco_mask.encode(np.asfortranarray(array.astype(np.uint8)))
        return cls(height=array.shape[0], width=array.shape[1], counts=bytes(encoded["counts"]))

    @classmethod
    def from_coco(cls, segmentation: Mapping[str, Any], *, what: str = "segmentation") -> Rle:
        """Read COCO RLE, compressed (``counts`` string) or uncompressed (``counts`` list of ints)."""
        size = segmentation.get("size")
        counts = segmentation.get("counts")
        if not (isinstance(size, Sequence) and len(size) == 2 and all(isinstance(v, int) for v in size)):
            raise ValueError(f"{what}: RLE 'size' must be [height, width], got {size!r}")
        height, width = int(size[0]), int(size[1])
        _check_size(height, width, what)  # before any count is read
        if isinstance(counts, list):
            if any(not isinstance(c, int) or c < 0 for c in counts):
                raise ValueError(f"{what}: uncompressed RLE counts must be non-negative integers")
            if sum(counts) != height * width:
                raise ValueError(
                    f"{what}: uncompressed RLE counts sum to {sum(counts)}, expected {height * width} "
                    f"for size {height}x{width}"
                )
            compressed = coco_mask.frPyObjects({"size": [height, width], "counts": counts}, height, width)
            return cls(height, width, bytes(compressed["counts"]))
        if isinstance(counts, str | bytes):
            raw = counts.encode("ascii") if isinstance(counts, str) else counts
            rle = cls(height, width, raw)
            try:
                decoded_area = int(coco_mask.area(rle.to_coco_bytes()))
            except Exception as error:  # pycocotools raises bare Exceptions on corrupt strings
                raise ValueError(f"{what}: corrupt compressed RLE counts ({error})") from error
            if decoded_area < 0 or decoded_area > height * width:
                raise ValueError(f"{what}: compressed RLE counts do not fit size {height}x{width}")
            return rle
        raise ValueError(f"{what}: RLE 'counts' must be a string or a list of integers, got {type(counts).__name__}")

    def to_coco(self) -> dict[str, Any]:
        """COCO JSON form: ``{"size": [h, w], "counts": "<ascii>"}``."""
        return {"size": [self.height, self.width], "counts": self.counts.decode("ascii")}

    def to_coco_bytes(self) -> dict[str, Any]:
        """The form pycocotools functions take (``counts`` as bytes)."""
        return {"size": [self.height, self.width], "counts": self.counts}

    def to_mask(self) -> BoolMask:
        return np.asarray(coco_mask.decode(self.to_coco_bytes()), dtype=bool)

    @property
    def area(self) -> int:
        """Number of foreground pixels."""
        return int(coco_mask.area(self.to_coco_bytes()))

    def bbox_xyxy(self) -> npt.NDArray[np.float64]:
        """Pixel-corner bounds of the foreground, ``[x_min, y_min, x_max, y_max]`` (zeros when empty)."""
        x, y, w, h = (float(v) for v in coco_mask.toBbox(self.to_coco_bytes()))
        return np.array([x, y, x + w, y + h], dtype=np.float64)
