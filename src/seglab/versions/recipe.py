"""The recipe of a dataset version: split, preprocessing, augmentation, multiplier and seed.

A recipe is plain data (pydantic, JSON-serialisable) so that it can be stored with the version,
hashed, and re-applied to get the very same bytes. ``parse_*`` functions read the CLI's compact
forms (``640x640:fit``, ``flip,rotate=15,mosaic``).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from seglab.errors import InvalidInputError


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SplitRecipe(_Frozen):
    """Images keep the split they have; unassigned ones are spread over ``ratios`` (train, valid, test)."""

    ratios: tuple[float, float, float] = (0.7, 0.2, 0.1)
    reassign_all: bool = False
    """Also redistribute images that already have a split."""
    evaluation_only: bool = False
    """A version only to evaluate models on (a held-out test set): it may have no training image, which is
    otherwise refused (a version that could train nothing is a mistake until said otherwise)."""

    @field_validator("ratios")
    @classmethod
    def _ratios_sum_to_one(cls, ratios: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(r < 0 for r in ratios) or not 0.99 <= sum(ratios) <= 1.01:
            raise ValueError(f"split ratios must be >= 0 and sum to 1 (or 100), got {ratios}")
        return ratios


class ResizeMode(StrEnum):
    STRETCH = "stretch"
    FIT_BLACK = "fit"
    FIT_WHITE = "fit-white"
    FIT_REFLECT = "fit-reflect"
    FILL = "fill"
    """Scale to cover the target, then crop the centre."""


class Resize(_Frozen):
    width: int = Field(gt=0, le=8192)
    height: int = Field(gt=0, le=8192)
    mode: ResizeMode = ResizeMode.STRETCH


class Contrast(StrEnum):
    STRETCH = "stretch"
    EQUALIZE = "equalize"
    CLAHE = "clahe"


MAX_TILES_PER_SIDE = 64
"""Each image becomes at most 64 x 64 tiles: more is a typo, not a dataset (and would multiply a version by 4096)."""


class Preprocessing(_Frozen):
    """Applied to every split, in this order: crop, resize, tile, grayscale, contrast, classes, filters."""

    auto_orient: bool = True
    """Always applied: annotations are drawn on the image as displayed (EXIF orientation applied)."""
    static_crop: tuple[float, float, float, float] | None = None
    """``(x_min, y_min, x_max, y_max)`` in percent of the image."""
    resize: Resize | None = None
    tile: tuple[int, int] | None = None
    """``(rows, cols)``: each image becomes rows x cols images."""
    grayscale: bool = False
    contrast: Contrast | None = None
    class_remap: dict[str, str | None] = Field(default_factory=dict)
    """Rename classes (``{"car": "vehicle"}``); ``None`` omits the class and its annotations."""
    max_null_fraction: float | None = Field(default=None, ge=0, le=1)
    """Keep at most this share of images without annotations (None keeps them all)."""
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    only_approved: bool = False
    """Only images approved in review (approved in an annotation job, open in none); the service that reads the
    project applies it, since review states are stored data, not part of an image record."""

    @model_validator(mode="after")
    def _check(self) -> Preprocessing:
        if not self.auto_orient:
            raise ValueError("auto_orient cannot be turned off: annotations are stored on the displayed image")
        if self.static_crop is not None:
            x0, y0, x1, y1 = self.static_crop
            if not (0 <= x0 < x1 <= 100 and 0 <= y0 < y1 <= 100):
                raise ValueError(f"static_crop must be 0 <= min < max <= 100 percent, got {self.static_crop}")
        if self.tile is not None and (self.tile[0] < 1 or self.tile[1] < 1):
            raise ValueError(f"tile must be at least 1x1, got {self.tile}")
        if self.tile is not None and max(self.tile) > MAX_TILES_PER_SIDE:
            raise ValueError(f"tile must be at most {MAX_TILES_PER_SIDE}x{MAX_TILES_PER_SIDE}, got {self.tile}")
        return self


class Augmentation(StrEnum):
    """Training-set augmentations (Roboflow's names); each takes one optional number."""

    FLIP = "flip"  # horizontal flip, p=0.5 (flip=v: vertical too)
    ROTATE90 = "rot90"  # 0/90/180/270°
    CROP = "crop"  # random crop keeping at least (100 - value)% of each side (default 20)
    ROTATE = "rotate"  # ±value degrees (default 15)
    SHEAR = "shear"  # ±value degrees on both axes (default 10)
    GRAYSCALE = "grayscale"  # with probability value% (default 15)
    HUE = "hue"  # ±value degrees (default 25)
    SATURATION = "saturation"  # ±value% (default 25)
    BRIGHTNESS = "brightness"  # ±value% (default 25)
    EXPOSURE = "exposure"  # ±value% gamma (default 15)
    BLUR = "blur"  # Gaussian blur up to value px (default 2.5)
    NOISE = "noise"  # Gaussian noise up to value% of pixels' range (default 5)
    CUTOUT = "cutout"  # value boxes of 10% size (default 3)
    MOSAIC = "mosaic"  # 2x2 mosaic with three other training images, probability value% (default 50)


class AugmentStep(_Frozen):
    name: Augmentation
    value: float | str | None = None


class Recipe(_Frozen):
    split: SplitRecipe = SplitRecipe()
    preprocessing: Preprocessing = Preprocessing()
    augmentations: tuple[AugmentStep, ...] = ()
    multiplier: int = Field(default=1, ge=1, le=50)
    """Training outputs per training image: the preprocessed original plus ``multiplier - 1`` augmented copies."""
    seed: int = 0

    def canonical_json(self) -> str:
        """Stable text for hashing: sorted keys, no whitespace. Options added after versions were first made are
        left out while off, so a recipe without them hashes as it always did."""
        data = self.model_dump(mode="json")
        if not self.preprocessing.only_approved:
            del data["preprocessing"]["only_approved"]
        if not self.split.evaluation_only:
            del data["split"]["evaluation_only"]
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def parse_split(text: str) -> SplitRecipe:
    """``70,20,10`` (percent) or ``0.7,0.2,0.1``."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInputError(f"split must be three numbers like 70,20,10, got {text!r}") from None
    if len(values) != 3:
        raise InvalidInputError(f"split must be three numbers like 70,20,10, got {text!r}")
    if sum(values) > 1.5:
        values = tuple(v / 100 for v in values)
    try:
        return SplitRecipe(ratios=values)
    except ValueError as error:
        raise InvalidInputError(str(error)) from None


def parse_resize(text: str) -> Resize:
    """``640x640`` (stretch) or ``640x640:fit|fit-white|fit-reflect|fill|stretch``."""
    size, _, mode = text.partition(":")
    try:
        width, height = (int(v) for v in size.lower().split("x"))
        return Resize(width=width, height=height, mode=ResizeMode(mode or "stretch"))
    except ValueError:
        modes = ", ".join(m.value for m in ResizeMode)
        raise InvalidInputError(f"resize must look like 640x640:fit (modes: {modes}), got {text!r}") from None


def parse_augmentations(text: str) -> tuple[AugmentStep, ...]:
    """``flip,rotate=15,brightness=25,mosaic``."""
    steps = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, raw = item.partition("=")
        try:
            augmentation = Augmentation(name.strip().lower())
        except ValueError:
            known = ", ".join(a.value for a in Augmentation)
            raise InvalidInputError(f"unknown augmentation {name!r} (known: {known})") from None
        value: Any = None
        if raw:
            try:
                value = float(raw)
            except ValueError:
                value = raw.strip()
        steps.append(AugmentStep(name=augmentation, value=value))
    return tuple(steps)
