"""``Annotations``: an ordered, indexable, filterable collection of instances.

In the spirit of ``supervision.Detections`` (indexing with an int gives one item; with a slice, an
index array or a boolean array gives another collection, so filters chain), but vector-first: it
holds polygons/RLE and produces dense masks only when asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import overload

import numpy as np
import numpy.typing as npt

from seglab.core._annotation import Annotation
from seglab.geometry import segmentation_to_mask

IndexArray = npt.NDArray[np.integer] | npt.NDArray[np.bool_]


class Annotations(Sequence[Annotation]):
    """Immutable sequence of :class:`Annotation` with column views for vectorised filtering."""

    __slots__ = ("__dict__", "_items")

    def __init__(self, items: Iterable[Annotation] = ()) -> None:
        self._items: tuple[Annotation, ...] = tuple(items)
        for item in self._items:
            if not isinstance(item, Annotation):
                raise TypeError(f"expected Annotation items, got {type(item).__name__}")

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Annotation]:
        return iter(self._items)

    @overload
    def __getitem__(self, index: int) -> Annotation: ...
    @overload
    def __getitem__(self, index: slice | IndexArray | Sequence[int]) -> Annotations: ...
    def __getitem__(self, index: int | slice | IndexArray | Sequence[int]) -> Annotation | Annotations:
        if isinstance(index, int | np.integer):
            return self._items[int(index)]
        if isinstance(index, slice):
            return Annotations(self._items[index])
        selector = np.asarray(index)
        if selector.dtype == bool:
            if selector.shape != (len(self),):
                raise IndexError(f"boolean index has shape {selector.shape}, expected ({len(self)},)")
            selector = np.flatnonzero(selector)
        elif selector.size and not np.issubdtype(selector.dtype, np.integer):
            raise IndexError(f"index must be int, slice, or an int/bool array, got dtype {selector.dtype}")
        return Annotations(self._items[int(i)] for i in selector)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Annotations):
            return NotImplemented
        return self._items == other._items

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Annotations(n={len(self)})"

    @cached_property
    def id(self) -> npt.NDArray[np.int64]:
        return np.fromiter((a.id for a in self._items), dtype=np.int64, count=len(self))

    @cached_property
    def image_id(self) -> npt.NDArray[np.int64]:
        return np.fromiter((a.image_id for a in self._items), dtype=np.int64, count=len(self))

    @cached_property
    def category_id(self) -> npt.NDArray[np.int64]:
        return np.fromiter((a.category_id for a in self._items), dtype=np.int64, count=len(self))

    @cached_property
    def confidence(self) -> npt.NDArray[np.float64]:
        """Model confidence per instance; NaN where there is none (human annotations)."""
        values = (np.nan if a.confidence is None else a.confidence for a in self._items)
        return np.fromiter(values, dtype=np.float64, count=len(self))

    @cached_property
    def area(self) -> npt.NDArray[np.int64]:
        """Rasterised pixel area per instance (computed on first use)."""
        return np.fromiter((a.area for a in self._items), dtype=np.int64, count=len(self))

    @cached_property
    def bbox_xyxy(self) -> npt.NDArray[np.float64]:
        if not self._items:
            return np.zeros((0, 4), dtype=np.float64)
        return np.stack([a.bbox_xyxy for a in self._items])

    def filter(
        self,
        *,
        category_ids: Iterable[int] | None = None,
        image_ids: Iterable[int] | None = None,
        min_area: float | None = None,
        min_confidence: float | None = None,
        sources: Iterable[str] | None = None,
    ) -> Annotations:
        """Keep instances matching every given condition (``None`` means no condition)."""
        keep = np.ones(len(self), dtype=bool)
        if category_ids is not None:
            keep &= np.isin(self.category_id, list(category_ids))
        if image_ids is not None:
            keep &= np.isin(self.image_id, list(image_ids))
        if min_area is not None:
            keep &= self.area >= min_area
        if min_confidence is not None:
            keep &= np.nan_to_num(self.confidence, nan=1.0) >= min_confidence
        if sources is not None:
            wanted = set(sources)
            keep &= np.fromiter((a.source in wanted for a in self._items), dtype=bool, count=len(self))
        return self[keep]

    def masks(self, resolution_wh: tuple[int, int]) -> npt.NDArray[np.bool_]:
        """Dense ``(N, height, width)`` masks, produced now (they are never stored)."""
        width, height = resolution_wh
        if not self._items:
            return np.zeros((0, height, width), dtype=bool)
        return np.stack([segmentation_to_mask(a.segmentation, resolution_wh) for a in self._items])
