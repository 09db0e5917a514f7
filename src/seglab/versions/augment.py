"""Training-set augmentation with albumentations, keeping every instance aligned with its pixels.

Polygons are transformed exactly: their vertices travel through the pipeline as keypoints (every
geometric augmentation here is affine), then the rings are clipped to the new frame. Crowd (RLE)
instances travel as masks. Mosaic cuts and moves whole images, so with mosaic the instances are
rasterised into one instance-label mask and vectorised again. The pipeline is seeded per output,
so the same recipe on the same data gives the same pixels.

albumentations places pixel centres at integer coordinates; seglab places pixel corners there
(COCO's convention), so vertices are shifted by half a pixel on the way in and back on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from seglab.geometry import MultiPolygon, Polygon, clean_polygons, segmentation_to_mask
from seglab.versions.instances import MIN_AREA, Instance, instance_from_mask
from seglab.versions.preprocess import Pixels
from seglab.versions.recipe import Augmentation, AugmentStep

if TYPE_CHECKING:  # albumentations imports torch: loaded when a pipeline is built, not with the package
    import albumentations as albu

_HALF_PIXEL = 0.5
VECTOR_TOLERANCE = 0.5
"""Pixels of simplification when re-vectorising augmented masks (keeps vertex counts sane)."""

_DEFAULTS: dict[Augmentation, float] = {
    Augmentation.CROP: 20,
    Augmentation.ROTATE: 15,
    Augmentation.SHEAR: 10,
    Augmentation.GRAYSCALE: 15,
    Augmentation.HUE: 25,
    Augmentation.SATURATION: 25,
    Augmentation.BRIGHTNESS: 25,
    Augmentation.EXPOSURE: 15,
    Augmentation.BLUR: 2.5,
    Augmentation.NOISE: 5,
    Augmentation.CUTOUT: 3,
    Augmentation.MOSAIC: 50,
}


def _number(step: AugmentStep) -> float:
    if isinstance(step.value, int | float):
        return float(step.value)
    return _DEFAULTS.get(step.name, 0.0)


def _transform(step: AugmentStep, size_wh: tuple[int, int]) -> list[albu.BasicTransform]:
    """The albumentations transform(s) for one recipe step."""
    import albumentations as albu

    value = _number(step)
    constant = {"border_mode": cv2.BORDER_CONSTANT, "fill": 0, "fill_mask": 0}
    match step.name:
        case Augmentation.FLIP:
            flips: list[albu.BasicTransform] = [albu.HorizontalFlip(p=0.5)]
            if isinstance(step.value, str) and "v" in step.value:
                flips = ([] if step.value == "v" else flips) + [albu.VerticalFlip(p=0.5)]
            return flips
        case Augmentation.ROTATE90:
            return [albu.RandomRotate90(p=1.0)]
        case Augmentation.CROP:
            return [
                albu.Affine(
                    scale=(1.0, 1.0 / max(0.05, 1 - value / 100)),
                    translate_percent=(-value / 200, value / 200),
                    p=1.0,
                    **constant,
                )
            ]
        case Augmentation.ROTATE:
            return [albu.Affine(rotate=(-value, value), p=1.0, **constant)]
        case Augmentation.SHEAR:
            return [albu.Affine(shear={"x": (-value, value), "y": (-value, value)}, p=1.0, **constant)]
        case Augmentation.GRAYSCALE:
            return [albu.ToGray(p=value / 100)]
        case Augmentation.HUE:
            return [albu.HueSaturationValue(hue_shift_limit=value, sat_shift_limit=0, val_shift_limit=0, p=1.0)]
        case Augmentation.SATURATION:
            return [
                albu.HueSaturationValue(hue_shift_limit=0, sat_shift_limit=255 * value / 100, val_shift_limit=0, p=1.0)
            ]
        case Augmentation.BRIGHTNESS:
            return [albu.RandomBrightnessContrast(brightness_limit=value / 100, contrast_limit=0, p=1.0)]
        case Augmentation.EXPOSURE:
            return [albu.RandomGamma(gamma_limit=(100 - value, 100 + value), p=1.0)]
        case Augmentation.BLUR:
            largest = max(3, int(value * 2) // 2 * 2 + 1)
            return [albu.GaussianBlur(blur_limit=(3, largest), sigma_limit=(0.1, max(0.2, value)), p=1.0)]
        case Augmentation.NOISE:
            return [albu.GaussNoise(std_range=(0.0, value / 100), p=1.0)]
        case Augmentation.CUTOUT:
            holes = max(1, int(value))
            return [
                albu.CoarseDropout(
                    num_holes_range=(1, holes), hole_height_range=(0.05, 0.1), hole_width_range=(0.05, 0.1), p=1.0
                )
            ]
        case Augmentation.MOSAIC:
            width, height = size_wh
            return [albu.Mosaic(target_size=(height, width), cell_shape=(height, width), p=value / 100)]
    raise AssertionError(f"unhandled augmentation {step.name}")


@dataclass(frozen=True)
class Source:
    """One image with its instances (a mosaic partner, or the image being augmented)."""

    pixels: Pixels
    instances: Sequence[Instance]


class Augmenter:
    """Builds the albumentations pipeline once per image size and applies it with a given seed."""

    def __init__(self, steps: Sequence[AugmentStep]) -> None:
        self.steps = tuple(steps)
        self.uses_mosaic = any(step.name is Augmentation.MOSAIC for step in self.steps)
        self._pipelines: dict[tuple[int, int], albu.Compose] = {}

    def pipeline(self, size_wh: tuple[int, int]) -> albu.Compose:
        if size_wh not in self._pipelines:
            import albumentations as albu

            # mosaic first (it combines whole images), then geometry, then pixel-level changes
            ordered = sorted(self.steps, key=lambda s: s.name is not Augmentation.MOSAIC)
            transforms = [t for step in ordered for t in _transform(step, size_wh)]
            moves_pixels = any(isinstance(t, albu.DualTransform) for t in transforms)
            keypoints = albu.KeypointParams(format="xy", remove_invisible=False) if moves_pixels else None
            self._pipelines[size_wh] = albu.Compose(
                transforms, keypoint_params=None if self.uses_mosaic else keypoints, seed=0
            )
        return self._pipelines[size_wh]

    def __call__(self, source: Source, seed: int, partners: Sequence[Source] = ()) -> tuple[Pixels, list[Instance]]:
        height, width = source.pixels.shape[:2]
        pipeline = self.pipeline((width, height))
        pipeline.set_random_seed(seed)
        if self.uses_mosaic:
            return self._with_label_mask(pipeline, source, partners)
        polygons = [(i, i.segmentation) for i in source.instances if isinstance(i.segmentation, MultiPolygon)]
        crowds = [i for i in source.instances if not isinstance(i.segmentation, MultiPolygon)]
        targets: dict[str, Any] = {"image": source.pixels}
        moves_pixels = pipeline.processors.get("keypoints") is not None
        if moves_pixels:
            rings = [ring for _, shape in polygons for part in shape.parts for ring in (part.exterior, *part.holes)]
            targets["keypoints"] = np.concatenate(rings) - _HALF_PIXEL if rings else np.zeros((0, 2))
        if crowds:
            targets["masks"] = np.stack(
                [segmentation_to_mask(i.segmentation, (width, height)).astype(np.uint8) for i in crowds]
            )
        result = pipeline(**targets)
        image = result["image"]
        out_wh = (image.shape[1], image.shape[0])
        if moves_pixels:
            moved_points = np.asarray(result["keypoints"], dtype=np.float64).reshape(-1, 2) + _HALF_PIXEL
            out = _rebuild_polygons(polygons, moved_points, out_wh)
        else:
            out = [instance for instance, _ in polygons]
        for instance, mask in zip(crowds, result.get("masks", []), strict=True):
            moved = instance_from_mask(np.asarray(mask) > 0, instance.category_id, True, VECTOR_TOLERANCE)
            if moved is not None:
                out.append(moved)
        return image, out

    @staticmethod
    def _label_mask(source: Source, first_label: int) -> np.ndarray:
        """All instances of an image in one ``uint16`` mask (0 = background); later instances win overlaps."""
        height, width = source.pixels.shape[:2]
        labels = np.zeros((height, width), dtype=np.uint16)
        for offset, instance in enumerate(source.instances):
            labels[segmentation_to_mask(instance.segmentation, (width, height))] = first_label + offset
        return labels

    def _with_label_mask(
        self, pipeline: albu.Compose, source: Source, partners: Sequence[Source]
    ) -> tuple[Pixels, list[Instance]]:
        everyone = [source, *partners]
        firsts = np.cumsum([1] + [len(s.instances) for s in everyone])[:-1]
        metadata: list[dict[str, Any]] = [
            {"image": p.pixels, "mask": self._label_mask(p, int(first))}
            for p, first in zip(partners, firsts[1:], strict=True)
        ]
        result = pipeline(image=source.pixels, mask=self._label_mask(source, 1), mosaic_metadata=metadata)
        labels = np.asarray(result["mask"])
        owners = [
            (instance, int(first) + k)
            for s, first in zip(everyone, firsts, strict=True)
            for k, instance in enumerate(s.instances)
        ]
        out = []
        for instance, label in owners:
            moved = instance_from_mask(labels == label, instance.category_id, instance.iscrowd, VECTOR_TOLERANCE)
            if moved is not None:
                out.append(moved)
        return result["image"], out


def _rebuild_polygons(
    polygons: Sequence[tuple[Instance, MultiPolygon]], points: np.ndarray, size_wh: tuple[int, int]
) -> list[Instance]:
    """Put transformed vertices back into their rings, then clip to the image; instances that left are dropped."""
    shapes, offset = [], 0
    for _, shape in polygons:
        parts = []
        for part in shape.parts:
            exterior = points[offset : offset + len(part.exterior)]
            offset += len(part.exterior)
            holes = []
            for hole in part.holes:
                holes.append(points[offset : offset + len(hole)])
                offset += len(hole)
            parts.append(Polygon._from_valid_rings(exterior, tuple(holes)))
        shapes.append(MultiPolygon(tuple(parts)))
    kept = []
    for (instance, _), cleaned in zip(polygons, clean_polygons(shapes, [size_wh] * len(shapes)), strict=True):
        if cleaned.shape is not None and cleaned.shape.geometric_area >= MIN_AREA:
            kept.append(Instance(instance.category_id, cleaned.shape, instance.iscrowd))
    return kept
