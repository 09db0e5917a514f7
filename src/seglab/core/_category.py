"""Object classes of a dataset or project."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

DEFAULT_PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
    "#E15759", "#59A14F", "#B07AA1", "#875692", "#F38400", "#A1CAF1", "#BE0032", "#C2B280", "#848482",
    "#008856", "#E68FAC", "#604E97", "#DCD300", "#882D17", "#8DB600", "#654522", "#2B3D26",
)  # fmt: skip
"""Candidate colours for classes: Okabe-Ito's colour-blind-friendly set first, then Kelly's colours of maximum
contrast (and a few of Tableau's); :func:`distinct_color` picks among them."""


def _lab(color: str) -> tuple[float, float, float]:
    """CIELAB (D65) of a ``#rrggbb`` colour: where distances are roughly what eyes see."""
    linear = []
    for start in (1, 3, 5):
        channel = int(color[start : start + 2], 16) / 255
        linear.append(channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4)
    r, g, b = linear
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _distance(first: str, second: str) -> float:
    return math.dist(_lab(first), _lab(second))


def distinct_color(used: Sequence[str | None]) -> str:
    """The colour for a new class: the candidate farthest (in CIELAB) from every colour the project's classes have
    already, so two classes never look alike by accident (the first candidate for the first class)."""
    taken = [color for color in used if color and _HEX_COLOR.match(color)]
    if not taken:
        return DEFAULT_PALETTE[0]
    return max(DEFAULT_PALETTE, key=lambda candidate: min(_distance(candidate, color) for color in taken))


@dataclass(frozen=True)
class Category:
    """A class of objects. ``id`` is stable: formats keep it, and annotations refer to it."""

    id: int
    name: str
    color: str | None = None
    supercategory: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, int) or isinstance(self.id, bool) or self.id < 0:
            raise ValueError(f"category id must be a non-negative integer, got {self.id!r}")
        if not self.name or not self.name.strip():
            raise ValueError(f"category {self.id}: name must not be empty")
        if self.color is not None and not _HEX_COLOR.match(self.color):
            raise ValueError(f"category {self.id} ({self.name}): colour must look like '#1f77b4', got {self.color!r}")


def match_categories(categories: Iterable[Category], class_names: Sequence[str]) -> dict[str, int]:
    """Class name -> category id, by exact name, else ignoring case; names with no category are left out.

    The one way seglab matches classes by name: a model's or detector's classes to a project's categories
    (label assist, Rapid, a workflow storing into a project) and an imported dataset's categories.
    """
    exact: dict[str, int] = {}
    folded: dict[str, int] = {}
    for category in categories:
        exact.setdefault(category.name, category.id)
        folded.setdefault(category.name.casefold(), category.id)
    mapping = {}
    for name in class_names:
        found = exact.get(name, folded.get(name.casefold()))
        if found is not None:
            mapping[name] = found
    return mapping
