"""Object classes of a dataset or project."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

# A colour-blind-friendly palette (Okabe-Ito, then Tableau 10) used when a category has no colour.
DEFAULT_PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1",
)  # fmt: skip


def default_color(index: int) -> str:
    """A stable colour for the ``index``-th category."""
    return DEFAULT_PALETTE[index % len(DEFAULT_PALETTE)]


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
