"""Transformed masks stay on the transformed pixels: known shapes are painted, moved, and compared."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.geometry import mask_iou, segmentation_to_mask
from seglab.versions import Preprocessing, Resize, ResizeMode, parse_augmentations
from seglab.versions.augment import Augmenter, Source
from seglab.versions.preprocess import preprocess

from .conftest import BLUE, RED, painted_mask

COLOURS = {1: RED, 2: BLUE}


def _check(pixels, instances, min_iou=0.9, region=None):
    """Each instance's mask against the pixels painted in its colour (optionally inside ``region`` only)."""
    height, width = pixels.shape[:2]
    for instance in instances:
        expected = painted_mask(pixels, COLOURS[instance.category_id])
        actual = segmentation_to_mask(instance.segmentation, (width, height))
        if region is not None:
            expected, actual = expected[region], actual[region]
        assert mask_iou(expected, actual) >= min_iou, (
            f"class {instance.category_id}: IoU {mask_iou(expected, actual):.3f}"
        )


@pytest.mark.parametrize(
    "spec",
    [
        Preprocessing(),
        Preprocessing(static_crop=(10, 10, 95, 90)),
        Preprocessing(resize=Resize(width=100, height=100, mode=ResizeMode.STRETCH)),
        Preprocessing(resize=Resize(width=320, height=320, mode=ResizeMode.FIT_BLACK)),
        Preprocessing(resize=Resize(width=160, height=200, mode=ResizeMode.FIT_WHITE)),
        Preprocessing(resize=Resize(width=160, height=200, mode=ResizeMode.FIT_REFLECT)),
        Preprocessing(resize=Resize(width=120, height=120, mode=ResizeMode.FILL)),
    ],
    ids=["none", "crop", "stretch", "fit-black", "fit-white", "fit-reflect", "fill"],
)
def test_preprocessing_keeps_shapes_on_their_pixels(scene, spec):
    pixels, instances = scene
    [(_, out, moved)] = preprocess(pixels, instances, spec)
    if spec.resize is not None:
        assert out.shape[:2] == (spec.resize.height, spec.resize.width)
    assert len(moved) == 2
    # reflected borders mirror the painted shapes, but not the annotations: compare inside the image itself
    region = (slice(40, 160), slice(None)) if spec.resize and spec.resize.mode is ResizeMode.FIT_REFLECT else None
    _check(out, moved, min_iou=0.85 if spec.resize and spec.resize.width <= 120 else 0.95, region=region)


def test_holes_survive_preprocessing(scene):
    pixels, instances = scene
    [(_, _, moved)] = preprocess(pixels, instances, Preprocessing(resize=Resize(width=400, height=300)))
    square = next(i for i in moved if i.category_id == 1)
    assert square.segmentation.has_holes


def test_tiles_split_and_clip_instances(scene):
    pixels, instances = scene
    pieces = preprocess(pixels, instances, Preprocessing(tile=(1, 2)))
    assert [name for name, _, _ in pieces] == ["r0c0", "r0c1"]
    left, right = pieces[0][2], pieces[1][2]
    assert [i.category_id for i in left] == [1]  # the square lies in the left half
    assert [i.category_id for i in right] == [2]
    for _, out, moved in pieces:
        assert out.shape[:2] == (150, 100)
        _check(out, moved, min_iou=0.95)


def test_pixel_only_steps_do_not_move_shapes(scene):
    pixels, instances = scene
    [(_, out, moved)] = preprocess(pixels, instances, Preprocessing(grayscale=True, contrast="clahe"))
    assert (out[:, :, 0] == out[:, :, 1]).all()
    assert moved == instances


@pytest.mark.parametrize(
    "augmentations",
    ["flip", "flip=v", "rot90", "rotate=30", "shear=15", "crop=30", "brightness,hue,saturation,exposure,blur,noise"],
)
def test_augmentations_keep_shapes_on_their_pixels(scene, augmentations):
    pixels, instances = scene
    augmenter = Augmenter(parse_augmentations(augmentations))
    for seed in range(5):
        out, moved = augmenter(Source(pixels, instances), seed)
        kept = {i.category_id for i in moved}
        assert kept, "every shape left the image"
        colours = {1: RED, 2: BLUE}
        for instance in moved:
            expected = painted_mask(out, colours[instance.category_id]) if "hue" not in augmentations else None
            actual = segmentation_to_mask(instance.segmentation, (out.shape[1], out.shape[0]))
            if expected is not None:
                assert mask_iou(expected, actual) >= 0.9, (augmentations, seed, instance.category_id)
            else:  # colours change, shapes must not
                original = segmentation_to_mask(instances[instance.category_id - 1].segmentation, (200, 150))
                assert mask_iou(original, actual) >= 0.98


def test_mosaic_combines_instances_of_four_images(scene):
    pixels, instances = scene
    augmenter = Augmenter(parse_augmentations("mosaic=100"))
    out, moved = augmenter(Source(pixels, instances), seed=1, partners=[Source(pixels, instances)] * 3)
    assert out.shape == pixels.shape
    assert len(moved) > 2  # instances from more than one of the four images
    red = painted_mask(out, RED)
    union = np.any([segmentation_to_mask(i.segmentation, (200, 150)) for i in moved if i.category_id == 1], axis=0)
    assert mask_iou(red, union) >= 0.9


def test_same_seed_same_pixels_different_seed_different(scene):
    pixels, instances = scene
    augmenter = Augmenter(parse_augmentations("rotate=30,noise,brightness"))
    first, shapes = augmenter(Source(pixels, instances), seed=11)
    again, shapes_again = Augmenter(parse_augmentations("rotate=30,noise,brightness"))(
        Source(pixels, instances), seed=11
    )
    other, _ = augmenter(Source(pixels, instances), seed=12)
    assert np.array_equal(first, again)
    assert shapes == shapes_again
    assert not np.array_equal(first, other)


def test_instances_leaving_the_image_are_dropped(scene):
    pixels, instances = scene
    # zooming in on the centre by 5x pushes the triangle (right side) out of the frame
    augmenter = Augmenter(parse_augmentations("crop=80"))
    outcomes = [len(augmenter(Source(pixels, instances), seed)[1]) for seed in range(10)]
    assert min(outcomes) < 2
