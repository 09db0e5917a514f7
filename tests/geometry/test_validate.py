import numpy as np
import pytest

from seglab.geometry import (
    IssueKind,
    MultiPolygon,
    clean_polygon,
    clean_polygons,
    polygon_to_mask,
    simplify_polygon,
)

BOW_TIE = [[0, 0, 10, 10, 10, 0, 0, 10]]


def test_valid_shape_passes_unchanged():
    shape = MultiPolygon.from_coco([[0, 0, 10, 0, 10, 10, 0, 10]])
    cleaned, issues = clean_polygon(shape, image_wh=(20, 20))
    assert cleaned is shape
    assert issues == []


def test_self_intersection_is_repaired_and_reported():
    cleaned, issues = clean_polygon(MultiPolygon.from_coco(BOW_TIE), what="annotation 3")
    assert [issue.kind for issue in issues] == [IssueKind.SELF_INTERSECTION]
    assert "annotation 3" in issues[0].message
    assert len(cleaned) == 2  # the bow-tie becomes two triangles
    assert cleaned.geometric_area == pytest.approx(50)


def test_self_intersection_is_an_error_without_repair():
    with pytest.raises(ValueError, match=r"annotation 3: invalid polygon .*Self-intersection"):
        clean_polygon(MultiPolygon.from_coco(BOW_TIE), repair=False, what="annotation 3")


def test_out_of_bounds_is_clipped_and_reported():
    shape = MultiPolygon.from_coco([[-5, -5, 15, -5, 15, 15, -5, 15]])
    cleaned, issues = clean_polygon(shape, image_wh=(10, 12))
    assert [issue.kind for issue in issues] == [IssueKind.OUT_OF_BOUNDS]
    assert "10x12 image" in issues[0].message
    np.testing.assert_array_equal(cleaned.bounds_xyxy(), [0, 0, 10, 12])


def test_shape_entirely_outside_the_image_is_an_error():
    shape = MultiPolygon.from_coco([[50, 50, 60, 50, 60, 60]])
    with pytest.raises(ValueError, match="no area left inside the image"):
        clean_polygon(shape, image_wh=(10, 10))


def test_holes_survive_repair():
    from seglab.geometry import Polygon

    shape = MultiPolygon((Polygon.from_flat([-2, 0, 30, 0, 30, 30, -2, 30], holes=[[5, 5, 10, 5, 10, 10, 5, 10]]),))
    cleaned, _ = clean_polygon(shape, image_wh=(30, 30))
    assert cleaned.has_holes


@pytest.mark.parametrize(
    ("tolerance", "max_points"),
    [(0.0, 200), (0.5, 40), (2.0, 20)],
)
def test_simplify_reduces_points_within_tolerance(tolerance, max_points):
    angles = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    circle = MultiPolygon.from_coco([np.column_stack([50 + 40 * np.cos(angles), 50 + 40 * np.sin(angles)]).ravel()])
    simplified = simplify_polygon(circle, tolerance)
    assert simplified.num_points <= max_points
    original = polygon_to_mask(circle, (100, 100))
    assert np.logical_xor(original, polygon_to_mask(simplified, (100, 100))).sum() / original.sum() < 0.03


def test_simplify_rejects_negative_tolerance():
    with pytest.raises(ValueError, match="tolerance"):
        simplify_polygon(MultiPolygon.from_coco(BOW_TIE), -1)


def test_batch_cleaning_matches_one_by_one():
    shapes = [
        MultiPolygon.from_coco([[0, 0, 10, 0, 10, 10, 0, 10]]),
        MultiPolygon.from_coco(BOW_TIE),
        MultiPolygon.from_coco([[-5, 0, 5, 0, 5, 5, -5, 5]]),
        MultiPolygon.from_coco([[50, 50, 60, 50, 60, 60]]),
    ]
    sizes = [(20, 20), None, (20, 20), (20, 20)]
    results = clean_polygons(shapes, sizes)
    assert results[0].shape is shapes[0]
    assert results[0].issues == []
    for shape, size, result in zip(shapes[1:3], sizes[1:3], results[1:3], strict=True):
        expected, issues = clean_polygon(shape, image_wh=size)
        assert result.shape == expected
        assert result.issues == issues
    assert results[3].shape is None
    assert "no area left inside the image" in results[3].error


def test_batch_cleaning_checks_sizes_align():
    with pytest.raises(ValueError, match="got 1 image sizes for 2 shapes"):
        clean_polygons([MultiPolygon.from_coco(BOW_TIE)] * 2, [(5, 5)])
    assert clean_polygons([]) == []
