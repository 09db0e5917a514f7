"""A look at what a recipe will make, before generating the version: a few outputs rendered in memory.

It runs the very code :func:`~seglab.versions.render_version` runs (selection and class remapping,
preprocessing, augmentation with mosaic partners), so what the preview shows is what the version
will hold; nothing is stored. Samples are chosen and augmented from the recipe's seed, so the same
recipe on the same project previews the same pixels.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from seglab.core import Annotation, Category, ImageRecord, Split
from seglab.store.blobs import BlobStore
from seglab.versions.augment import Augmenter, Source
from seglab.versions.build import (
    MOSAIC_PARTNERS,
    SelectedImage,
    planned_splits,
    select_images,
    source_image,
    version_categories,
)
from seglab.versions.instances import Instance
from seglab.versions.preprocess import Pixels, preprocess
from seglab.versions.recipe import Recipe
from seglab.versions.render import derived_seed, first_piece, load_pixels


@dataclass(frozen=True)
class PreviewSample:
    source_image_id: int
    file_name: str
    pixels: Pixels
    instances: tuple[Instance, ...]
    """In the version's class ids (see the categories :func:`preview_samples` returns)."""


def preview_samples(
    categories: Sequence[Category],
    records: Sequence[ImageRecord],
    annotations: Iterable[Annotation],
    recipe: Recipe,
    count: int,
    blobs: BlobStore,
) -> tuple[list[Category], list[PreviewSample]]:
    """Up to ``count`` outputs of ``recipe`` on a project (its categories, images and annotations), with the
    version's categories.

    Annotated images come first (augmentation is easiest judged on instances); with augmentation an
    image may appear more than once, each time augmented differently, as its copies would be.
    """
    numbered, category_map = version_categories(categories, recipe.preprocessing.class_remap)
    if count == 0:  # only where the splits go was asked for (the Versions page, as its form changes)
        return numbered, []
    selected = select_images(records, annotations, recipe, category_map)
    training: list[SelectedImage] = []
    if recipe.augmentations:  # only training images are augmented: the preview shows what they become
        splits = planned_splits(selected, recipe)
        training = [image for image, split in zip(selected, splits, strict=True) if split is Split.TRAIN]
        selected = training or selected
    order = sorted(
        selected, key=lambda s: (not s.instances, derived_seed(recipe.seed, s.record.sha256 or "", "preview"))
    )
    sources = [source_image(blobs, s) for s in order]
    augmenter = Augmenter(recipe.augmentations) if training else None
    shown = count if augmenter and sources else min(count, len(sources))
    samples = []
    for index in range(shown):
        source = sources[index % len(sources)]
        seed = derived_seed(recipe.seed, source.sha256, "preview", index)
        pieces = preprocess(load_pixels(source.path), source.instances, recipe.preprocessing)
        _, pixels, instances = pieces[seed % len(pieces)]
        if augmenter is not None:
            chosen = random.Random(seed).choices(sources, k=MOSAIC_PARTNERS) if augmenter.uses_mosaic else []
            partners = [first_piece(partner, recipe.preprocessing) for partner in chosen]
            pixels, instances = augmenter(Source(pixels, instances), seed, partners)
        samples.append(PreviewSample(source.image_id, source.file_name, pixels, tuple(instances)))
    return numbered, samples
