"""Comparing answers of the same model reached by different paths (HTTP, the SDK, workflows, the CLI).

The network runs with different thread counts in a server and in a CLI process, so sums are added in different
orders: scores agree to 1e-4, but a mask pixel sitting on the threshold may fall either way and move one outline
vertex. Instances are therefore the same when their class, score and box agree and their outlines overlap.
"""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import Polygon

OUTLINE_IOU = 0.7
"""Low enough for the tiny test model's few-pixel instances, where one vertex is a large share of the area."""


def _outline(points: list[dict[str, float]]) -> Polygon:
    return Polygon([(p["x"], p["y"]) for p in points]).buffer(0)


def assert_same_instances(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(actual) == len(expected), f"{len(actual)} instances, expected {len(expected)}"
    for index, (got, wanted) in enumerate(zip(actual, expected, strict=True)):
        assert got["class"] == wanted["class"], index
        assert got["class_id"] == wanted["class_id"], index
        assert got["confidence"] == pytest.approx(wanted["confidence"], abs=1e-4), index
        for key in ("x", "y", "width", "height"):
            assert got[key] == pytest.approx(wanted[key], abs=0.5), (index, key)
        if "points" in wanted:
            ours, theirs = _outline(got["points"]), _outline(wanted["points"])
            union = ours.union(theirs).area
            assert union == 0 or ours.intersection(theirs).area / union >= OUTLINE_IOU, (index, got, wanted)
