import math
from pathlib import Path

import numpy as np
import pytest

from seglab.core import DEFAULT_PALETTE, Annotation, Category, ImageRecord, ImageStatus, Split, distinct_color
from seglab.geometry import MultiPolygon, Rle

SQUARE = MultiPolygon.from_coco([[0, 0, 10, 0, 10, 10, 0, 10]])


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"id": 1, "name": "car"}, None),
        ({"id": 0, "name": "Tumor", "supercategory": "none", "color": "#AbCdEf"}, None),
        ({"id": -1, "name": "car"}, pytest.raises(ValueError, match="non-negative")),
        ({"id": True, "name": "car"}, pytest.raises(ValueError, match="non-negative")),
        ({"id": 1, "name": "  "}, pytest.raises(ValueError, match="name must not be empty")),
        ({"id": 1, "name": "car", "color": "red"}, pytest.raises(ValueError, match="colour")),
    ],
)
def test_category_validation(kwargs, expected):
    if expected is None:
        assert Category(**kwargs).name == kwargs["name"]
    else:
        with expected:
            Category(**kwargs)


def test_new_classes_get_colours_far_from_those_taken():
    """Colours distinct by construction: the next class's colour is the candidate farthest from every colour in
    use (two blues of the old fixed cycle, #56B4E9 and #0072B2, looked alike side by side)."""
    from seglab.core._category import _distance

    colors: list[str] = []
    for _ in range(12):
        colors.append(distinct_color(colors))
    assert colors[0] == DEFAULT_PALETTE[0]
    assert len(set(colors)) == 12
    closest = min(_distance(a, b) for i, a in enumerate(colors) for b in colors[i + 1 :])
    assert closest > 25  # CIELAB distance: clearly different to the eye
    assert distinct_color(["#0072B2"]) != "#56B4E9"
    assert distinct_color([None, "not a colour"]) == DEFAULT_PALETTE[0]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}, None),
        (
            {"id": 1, "file_name": "a.jpg", "width": 0, "height": 480},
            pytest.raises(ValueError, match=r"a\.jpg.*positive"),
        ),
        ({"id": 1, "file_name": "", "width": 1, "height": 1}, pytest.raises(ValueError, match="file_name")),
        (
            {"id": 1, "file_name": "a", "width": 1, "height": 1, "split": "bogus"},
            pytest.raises(ValueError, match="bogus"),
        ),
    ],
)
def test_image_validation(kwargs, expected):
    if expected is None:
        image = ImageRecord(**kwargs)
        assert image.resolution_wh == (640, 480)
        assert image.split is Split.UNASSIGNED
        assert image.status is ImageStatus.UNANNOTATED
    else:
        with expected:
            ImageRecord(**kwargs)


def test_image_coerces_strings_to_enums():
    image = ImageRecord(1, "a.jpg", 5, 5, split="valid", status="null", tags=["x"], path=Path("a.jpg"))
    assert image.split is Split.VALID
    assert image.status is ImageStatus.NULL
    assert image.tags == ("x",)


def test_annotation_derives_box_and_area_from_shape():
    annotation = Annotation(1, image_id=2, category_id=3, segmentation=MultiPolygon.from_coco([[0, 0, 20, 0, 0, 20]]))
    np.testing.assert_array_equal(annotation.bbox_xyxy, [0, 0, 20, 20])
    assert annotation.area < 400  # pixel area of the triangle, not its box
    rle_annotation = Annotation(2, 2, 3, Rle.from_mask(np.ones((4, 4), dtype=bool)))
    assert rle_annotation.area == 16


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image_id": -1}, "image_id"),
        ({"category_id": "3"}, "category_id"),
        ({"confidence": 1.5}, "confidence"),
        ({"confidence": math.nan}, "confidence"),
        ({"source": ""}, "source"),
    ],
)
def test_annotation_validation(kwargs, message):
    arguments = {"id": 9, "image_id": 1, "category_id": 1, "segmentation": SQUARE} | kwargs
    with pytest.raises(ValueError, match=f"annotation 9: {message}"):
        Annotation(**arguments)


def test_annotation_rejects_raw_lists_as_segmentation():
    with pytest.raises(TypeError, match="MultiPolygon or Rle"):
        Annotation(1, 1, 1, [[0, 0, 1, 0, 1, 1]])  # type: ignore[arg-type]
