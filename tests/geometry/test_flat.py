"""Bulk ring building must accept and refuse exactly what ``Polygon.from_flat`` does, ring by ring."""

from typing import Any

import numpy as np
import pytest

from seglab.geometry import Polygon, polygons_from_flat

SQUARE = [0, 0, 10, 0, 10, 10, 0, 10]
# each row: a ring as a file may hold it; why it is there
RINGS: list[tuple[Any, str]] = [
    (SQUARE, "plain"),
    ([*SQUARE, 0, 0], "closed: the repeated point is dropped"),
    ([0.5, 0.25, 3, 1, 2, 4.75], "triangle with fractions"),
    ([5, 5, 5, 5, 5, 5], "one point repeated"),
    ([0, 0, 1, 1, 2, 2, 3, 3], "collinear"),
    ([0, 0, 1e-300, 1e-300, 2e-300, 2e-300], "collinear, tiny"),
    ([0, 0, 10, 10, 10, 0, 0, 10], "bow-tie: zero area, not collinear (kept for repair)"),
    ([0, 0, 10, 0, 10], "odd count"),
    ([0, 0, 10, 0], "two points"),
    ([0, 0, 10, 0, 0, 0], "closed two points"),
    ([], "empty"),
    ([0, 0, float("nan"), 0, 5, 5], "NaN"),
    ([0, 0, float("inf"), 0, 5, 5], "infinity"),
    ([0, 0, 1e308, 0, 5, 5], "beyond the coordinate limit"),
    ([0, 0, "10", 0, 5, 5], "numbers as text (numpy converts them, as from_flat does)"),
    ([0, 0, None, 0, 5, 5], "null becomes NaN"),
    ([0, 0, True, 0, 5, 5], "boolean"),
    ([[0, 0], [10, 0], [5, 5]], "nested pairs"),
    ([0, 0, [10], 0, 5, 5], "a list inside"),
    ([0, 0, "ten", 0, 5, 5], "a word"),
    ([0, 0, 10**400, 0, 5, 5], "an integer too large for a float"),
    ([0, 0, {"x": 1}, 0, 5, 5], "an object"),
    ("0 0 10 0 5 5", "text instead of a list"),
    (7, "a number instead of a list"),
    (None, "null instead of a list"),
]


def _single(ring: Any) -> Polygon | None:
    try:
        return Polygon.from_flat(ring)
    except (ValueError, TypeError):
        return None


def _same(bulk: Polygon | None, single: Polygon | None) -> bool:
    if bulk is None or single is None:
        return bulk is single
    return bulk == single and not bulk.exterior.flags.writeable and bulk.holes == ()


@pytest.mark.parametrize(("ring", "why"), RINGS, ids=[why for _, why in RINGS])
def test_each_ring_alone_reads_as_from_flat(ring: Any, why: str) -> None:
    assert _same(polygons_from_flat([ring])[0], _single(ring)), why


@pytest.mark.parametrize(("ring", "why"), RINGS, ids=[why for _, why in RINGS])
def test_one_bad_ring_among_good_ones_costs_only_itself(ring: Any, why: str) -> None:
    rings = [SQUARE, ring, [*SQUARE, 0, 0], ring, [1, 1, 4, 1, 1, 4]]
    built = polygons_from_flat(rings)
    assert [_same(b, _single(r)) for b, r in zip(built, rings, strict=True)] == [True] * 5, why


def test_random_rings_match_one_by_one() -> None:
    rng = np.random.default_rng(1)
    rings: list[Any] = []
    for _ in range(300):
        points = rng.integers(-3, 4, size=int(rng.integers(0, 8)) * 2).tolist()  # small grid: many degenerate
        rings.append(points + points[:2] if rng.random() < 0.3 else points)
    built = polygons_from_flat(rings)
    assert all(_same(b, _single(r)) for b, r in zip(built, rings, strict=True))
    assert sum(b is None for b in built) > 30  # both kinds exercised
    assert sum(b is not None for b in built) > 30


def test_no_rings() -> None:
    assert polygons_from_flat([]) == []
