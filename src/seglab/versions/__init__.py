"""Dataset versions: reproducible, immutable snapshots of a project with splits, preprocessing and augmentation."""

from seglab.versions.build import RenderedVersion, SplitPlan, render_version, split_plan
from seglab.versions.export import export_version, version_dataset
from seglab.versions.preview import PreviewSample, preview_samples
from seglab.versions.recipe import (
    Augmentation,
    AugmentStep,
    Contrast,
    Preprocessing,
    Recipe,
    Resize,
    ResizeMode,
    SplitRecipe,
    parse_augmentations,
    parse_resize,
    parse_split,
)

__all__ = [
    "AugmentStep",
    "Augmentation",
    "Contrast",
    "Preprocessing",
    "PreviewSample",
    "Recipe",
    "RenderedVersion",
    "Resize",
    "ResizeMode",
    "SplitPlan",
    "SplitRecipe",
    "export_version",
    "parse_augmentations",
    "parse_resize",
    "parse_split",
    "preview_samples",
    "render_version",
    "split_plan",
    "version_dataset",
]
