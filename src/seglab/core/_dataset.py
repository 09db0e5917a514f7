"""``Dataset``: images, categories and annotations held together in memory and checked for consistency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import overload

import numpy as np
import numpy.typing as npt

from seglab.core._annotation import Annotation
from seglab.core._annotations import Annotations
from seglab.core._category import Category
from seglab.core._image import ImageRecord, Split
from seglab.geometry import Rle


def _duplicates(values: Iterable[int]) -> list[int]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


class Dataset:
    """A validated set of images with their annotations.

    Invariants checked on construction: ids are unique; every annotation refers to an existing
    image and category; RLE masks have their image's size. Indexing selects *images* (int gives
    an :class:`ImageRecord`, a slice or array gives a sub-``Dataset`` carrying those images'
    annotations).
    """

    def __init__(
        self,
        categories: Sequence[Category],
        images: Sequence[ImageRecord],
        annotations: Iterable[Annotation] = (),
    ) -> None:
        self.categories: tuple[Category, ...] = tuple(categories)
        self.images: tuple[ImageRecord, ...] = tuple(images)
        self.annotations = annotations if isinstance(annotations, Annotations) else Annotations(annotations)
        self._validate()

    def _validate(self) -> None:
        for label, ids in (
            ("category", [c.id for c in self.categories]),
            ("image", [i.id for i in self.images]),
            ("annotation", self.annotations.id.tolist()),
        ):
            repeated = _duplicates(ids)
            if repeated:
                raise ValueError(f"duplicate {label} ids: {repeated[:10]}")
        images = self._images_by_id
        categories = {c.id for c in self.categories}
        for annotation in self.annotations:
            image = images.get(annotation.image_id)
            if image is None:
                raise ValueError(f"annotation {annotation.id}: image {annotation.image_id} does not exist")
            if annotation.category_id not in categories:
                raise ValueError(f"annotation {annotation.id}: category {annotation.category_id} does not exist")
            rle = annotation.segmentation
            if isinstance(rle, Rle) and (rle.width, rle.height) != image.resolution_wh:
                raise ValueError(
                    f"annotation {annotation.id}: RLE is {rle.width}x{rle.height} but image "
                    f"{image.id} ({image.file_name}) is {image.width}x{image.height}"
                )

    @cached_property
    def _images_by_id(self) -> dict[int, ImageRecord]:
        return {image.id: image for image in self.images}

    @cached_property
    def _categories_by_id(self) -> dict[int, Category]:
        return {category.id: category for category in self.categories}

    @cached_property
    def _annotation_rows_by_image(self) -> dict[int, npt.NDArray[np.intp]]:
        order = np.argsort(self.annotations.image_id, kind="stable")
        image_ids = self.annotations.image_id[order]
        boundaries = np.flatnonzero(np.diff(image_ids)) + 1
        return {
            int(group[0]): rows
            for group, rows in zip(np.split(image_ids, boundaries), np.split(order, boundaries), strict=True)
            if len(group)
        }

    def __len__(self) -> int:
        return len(self.images)

    def __iter__(self) -> Iterator[ImageRecord]:
        return iter(self.images)

    def __repr__(self) -> str:
        counts = f"images={len(self.images)}, annotations={len(self.annotations)}, categories={len(self.categories)}"
        return f"Dataset({counts})"

    @overload
    def __getitem__(self, index: int) -> ImageRecord: ...
    @overload
    def __getitem__(
        self, index: slice | npt.NDArray[np.integer] | npt.NDArray[np.bool_] | Sequence[int]
    ) -> Dataset: ...
    def __getitem__(
        self, index: int | slice | npt.NDArray[np.integer] | npt.NDArray[np.bool_] | Sequence[int]
    ) -> ImageRecord | Dataset:
        if isinstance(index, int | np.integer):
            return self.images[int(index)]
        if isinstance(index, slice):
            return self._with_images(self.images[index])
        selector = np.asarray(index)
        if selector.dtype == bool:
            if selector.shape != (len(self),):
                raise IndexError(f"boolean index has shape {selector.shape}, expected ({len(self)},)")
            selector = np.flatnonzero(selector)
        return self._with_images([self.images[int(i)] for i in selector])

    def _with_images(self, images: Sequence[ImageRecord]) -> Dataset:
        kept = {image.id for image in images}
        rows = np.isin(self.annotations.image_id, list(kept))
        return Dataset(self.categories, images, self.annotations[rows])

    def image(self, image_id: int) -> ImageRecord:
        try:
            return self._images_by_id[image_id]
        except KeyError:
            raise KeyError(f"image {image_id} is not in this dataset") from None

    def category(self, category_id: int) -> Category:
        try:
            return self._categories_by_id[category_id]
        except KeyError:
            raise KeyError(f"category {category_id} is not in this dataset") from None

    def annotations_of(self, image_id: int) -> Annotations:
        """The instances on one image, in their original order."""
        self.image(image_id)
        rows = self._annotation_rows_by_image.get(image_id)
        return self.annotations[rows] if rows is not None else Annotations()

    def masks(self, image_id: int) -> npt.NDArray[np.bool_]:
        """Dense ``(N, height, width)`` masks of one image's instances, produced on demand."""
        return self.annotations_of(image_id).masks(self.image(image_id).resolution_wh)

    def filter(
        self,
        *,
        splits: Iterable[Split | str] | None = None,
        category_ids: Iterable[int] | None = None,
        tags: Iterable[str] | None = None,
    ) -> Dataset:
        """Keep images in ``splits`` and having any of ``tags``; keep only annotations of ``category_ids``.

        Filtering by category keeps every image (an image without the class is still a valid
        negative example) and drops the categories not asked for.
        """
        images: Sequence[ImageRecord] = self.images
        if splits is not None:
            wanted_splits = {Split(s) for s in splits}
            images = [image for image in images if image.split in wanted_splits]
        if tags is not None:
            wanted_tags = set(tags)
            images = [image for image in images if wanted_tags.intersection(image.tags)]
        subset = self._with_images(images) if images is not self.images else self
        if category_ids is None:
            return subset
        wanted = set(category_ids)
        return Dataset(
            [c for c in subset.categories if c.id in wanted],
            subset.images,
            subset.annotations.filter(category_ids=wanted),
        )

    def split(self, split: Split | str) -> Dataset:
        return self.filter(splits=[split])

    def split_counts(self) -> dict[Split, int]:
        """Number of images per split (only splits that have images)."""
        return dict(Counter(image.split for image in self.images))

    def annotation_counts(self) -> dict[int, int]:
        """Number of instances per category id (every category listed, zero included)."""
        counts = Counter(self.annotations.category_id.tolist())
        return {category.id: counts.get(category.id, 0) for category in self.categories}
