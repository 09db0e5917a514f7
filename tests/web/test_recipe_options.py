"""The Versions page's option lists mirror the recipe model: a new augmentation, resize mode or contrast method (or a
changed default) fails here until the page offers it."""

from __future__ import annotations

import re
from pathlib import Path

from seglab.versions import Augmentation, Contrast, ResizeMode
from seglab.versions.augment import _DEFAULTS

RECIPE_TS = Path(__file__).resolve().parents[2] / "web" / "src" / "pipeline" / "recipe.ts"


def _block(source: str, name: str) -> str:
    start = source.index(f"export const {name}")
    return source[start : source.index("];", start)]


def test_the_page_offers_every_option_of_the_recipe_model():
    source = RECIPE_TS.read_text()
    assert re.findall(r'value: "([\w-]+)"', _block(source, "RESIZE_MODES")) == [m.value for m in ResizeMode]
    assert re.findall(r'value: "([\w-]+)"', _block(source, "CONTRASTS")) == [c.value for c in Contrast]
    offered = dict(re.findall(r'name: "(\w+)".*?value: ([\d.]+|null)', _block(source, "AUGMENTATIONS")))
    assert list(offered) == [a.value for a in Augmentation]
    assert {name: None if value == "null" else float(value) for name, value in offered.items()} == {
        a.value: _DEFAULTS.get(a) for a in Augmentation
    }
