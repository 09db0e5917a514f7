"""A small dataset with every kind of shape, written to disk with real image files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from seglab.core import Annotation, Category, Dataset, ImageRecord, Split
from seglab.geometry import MultiPolygon, Polygon, Rle, mask_iou

WIDTH, HEIGHT = 96, 64


def write_image(path: Path, width: int = WIDTH, height: int = HEIGHT, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)
    cv2.imwrite(str(path), pixels)
    return path


def square(x: float, y: float, size: float) -> Polygon:
    return Polygon.from_flat([x, y, x + size, y, x + size, y + size, x, y + size])


def build_dataset(folder: Path, splits: tuple[Split, ...] = (Split.TRAIN, Split.VALID, Split.TEST)) -> Dataset:
    """Three images: plain polygons, a two-part instance, a ring with a hole, and an RLE crowd."""
    categories = [Category(1, "cat"), Category(2, "dog"), Category(5, "bird")]
    images = [
        ImageRecord(i, f"img{i}.png", WIDTH, HEIGHT, split=split, path=write_image(folder / f"img{i}.png", seed=i))
        for i, split in enumerate(splits)
    ]
    crowd = np.zeros((HEIGHT, WIDTH), dtype=bool)
    crowd[40:60, 50:90] = True
    annotations = [
        Annotation(1, 0, 1, MultiPolygon((square(5, 5, 20),))),
        Annotation(2, 0, 2, MultiPolygon((Polygon.from_flat([40, 10, 80, 12, 60, 50]),))),
        Annotation(3, 1, 1, MultiPolygon((square(2, 2, 20), square(60, 30, 25)))),  # two parts
        Annotation(
            4,
            1,
            5,
            MultiPolygon((Polygon.from_flat([30, 5, 58, 5, 58, 33, 30, 33], [[38, 13, 50, 13, 50, 25, 38, 25]]),)),
        ),
        Annotation(5, 2 if len(images) > 2 else 0, 2, Rle.from_mask(crowd), iscrowd=True),
    ]
    return Dataset(categories, images, annotations)


@pytest.fixture
def sample(tmp_path: Path) -> Dataset:
    return build_dataset(tmp_path / "source")


def masks_by_file(dataset: Dataset) -> dict[str, list[np.ndarray]]:
    return {image.file_name: list(dataset.masks(image.id)) for image in dataset.images}


def assert_same_instances(expected: Dataset, actual: Dataset, min_iou: float = 0.98) -> None:
    """Same images (by file name), same number of instances, each matching its counterpart's mask."""
    expected_masks, actual_masks = masks_by_file(expected), masks_by_file(actual)
    assert expected_masks.keys() == actual_masks.keys()
    for name, masks in expected_masks.items():
        assert len(masks) == len(actual_masks[name]), name
        for index, (a, b) in enumerate(zip(masks, actual_masks[name], strict=True)):
            assert mask_iou(a, b) >= min_iou, f"{name} instance {index}: IoU {mask_iou(a, b):.3f}"
