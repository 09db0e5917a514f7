"""Regressions the hostile-input corpus (tests/corpus) and the fuzzing (tests/fuzz) found in the readers, one test
each, so each names what it protects. Before the fixes: a dataset whose image, mask or embedded picture was a
decompression bomb raised Pillow's ``DecompressionBombError`` (a traceback; it is no ``OSError``), a mask of the
wrong size was decoded whole before its size was compared, a LabelMe circle at 1e308 overflowed, COCO ids that are
JSON lists raised ``TypeError: unhashable type``, YOLO's empty class names raised core's ``ValueError``, labels
that are JSON lists became category names and ``'shapes'`` that is no list was silently empty."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.formats import FormatError, load_coco, load_labelme, load_masks, load_yolo

from .conftest import HEIGHT, WIDTH, write_image


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG header claiming ``width`` x ``height`` (200 Mpx here: above Pillow's own bomb limit)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 9)) + chunk(b"IEND", b"")
    )


BOMB = _png_claiming(20_000, 10_000)


def _coco(folder: Path, document: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_annotations.coco.json").write_text(json.dumps(document))
    return folder


def test_a_bomb_as_a_dataset_image_is_a_located_problem(tmp_path):
    (tmp_path / "a.png").write_bytes(BOMB)
    _coco(tmp_path, {"images": [{"id": 1, "file_name": "a.png", "width": 5, "height": 5}], "annotations": [],
                     "categories": [{"id": 1, "name": "x"}]})  # fmt: skip
    result = load_coco(tmp_path)
    assert len(result.dataset) == 0
    (problem,) = result.problems
    assert problem.file == str(tmp_path / "_annotations.coco.json")
    assert "decompression bomb" in problem.message
    with pytest.raises(FormatError, match="decompression bomb"):
        load_coco(tmp_path, strict=True)


def test_a_mask_bomb_is_refused_by_its_header(tmp_path):
    write_image(tmp_path / "a.png")
    (tmp_path / "a_mask.png").write_bytes(BOMB)
    result = load_masks(tmp_path)
    assert [p.file for p in result.problems] == [str(tmp_path / "a_mask.png")]
    assert "20000x10000" in result.problems[0].message or "bomb" in result.problems[0].message


def test_a_mask_of_another_size_is_refused_before_it_is_decoded(tmp_path):
    write_image(tmp_path / "a.png")
    Image.fromarray(np.ones((7, 900), dtype=np.uint8)).save(tmp_path / "a_mask.png")
    (problem,) = load_masks(tmp_path).problems
    assert problem.message == f"mask is 900x7 but its image a.png is {WIDTH}x{HEIGHT}; image and mask skipped"


@pytest.mark.parametrize("where", ["imageData", "mask"])
def test_labelme_bombs_embedded_as_base64_are_located_problems(tmp_path, where):
    write_image(tmp_path / "a.png")
    encoded = base64.b64encode(BOMB).decode()
    shape = {"label": "x", "points": [[0, 0], [5, 5]], "shape_type": "mask", "mask": encoded}
    document = {"shapes": [shape] if where == "mask" else [], "imagePath": "a.png"}
    if where == "imageData":
        document |= {"imageData": encoded, "imagePath": ""}
        (tmp_path / "a.png").unlink()
    (tmp_path / "a.json").write_text(json.dumps(document))
    problems = load_labelme(tmp_path).problems
    assert problems
    assert all(p.file == str(tmp_path / "a.json") for p in problems)
    assert any("bomb" in p.message or "larger than its image" in p.message for p in problems)


def test_a_labelme_circle_at_1e308_is_a_located_problem_or_clipped(tmp_path):
    write_image(tmp_path / "a.png")
    shapes = [{"label": "x", "points": [[5, 5], [1e300, 1e300]], "shape_type": "circle"},
              {"label": "x", "points": [[5, 5], [float("inf"), 1]], "shape_type": "circle"}]  # fmt: skip
    (tmp_path / "a.json").write_text(json.dumps({"shapes": shapes, "imagePath": "a.png"}))
    result = load_labelme(tmp_path)
    assert any("finite" in p.message and p.location == "shapes[1]" for p in result.problems)


def test_labelme_labels_and_shapes_of_the_wrong_type_are_located_errors(tmp_path):
    write_image(tmp_path / "a.png")
    (tmp_path / "a.json").write_text(json.dumps({"shapes": [{"label": ["x"], "points": [[1, 1], [5, 1], [5, 5]]}],
                                                 "imagePath": "a.png"}))  # fmt: skip
    result = load_labelme(tmp_path)
    assert not result.dataset.categories
    assert [(p.severity.value, p.location) for p in result.problems] == [("error", "shapes[0]")]
    (tmp_path / "a.json").write_text(json.dumps({"shapes": {"a": 1}, "imagePath": "a.png"}))
    with pytest.raises(FormatError, match="'shapes' is not a list"):
        load_labelme(tmp_path, strict=True)


def test_coco_ids_of_any_json_type_are_skipped_as_located_errors(tmp_path):
    write_image(tmp_path / "a.png")
    square = [[1, 1, 9, 1, 9, 9, 1, 9]]
    annotations = [{"id": 1, "image_id": [1], "category_id": 1, "segmentation": square},
                   {"id": 2, "image_id": 1, "category_id": {"a": 1}, "segmentation": square}]  # fmt: skip
    _coco(tmp_path, {"images": [{"id": 1, "file_name": "a.png", "width": WIDTH, "height": HEIGHT}],
                     "annotations": annotations, "categories": [{"id": 1, "name": "x"}]})  # fmt: skip
    result = load_coco(tmp_path)
    assert [(p.location, p.severity.value) for p in result.problems] == [
        ("annotation 1", "error"),
        ("annotation 2", "error"),
    ]


def test_a_coco_integer_too_large_for_a_float_is_a_located_error(tmp_path):
    """JSON integers have no limit; one of 400 digits once escaped the reader as numpy's ``OverflowError``."""
    write_image(tmp_path / "a.png")
    annotations = [{"id": 7, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 10**400, 1, 9, 9]]},
                   {"id": 8, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 9, 1, 9, 9, 1, 9]]}]  # fmt: skip
    _coco(tmp_path, {"images": [{"id": 1, "file_name": "a.png", "width": WIDTH, "height": HEIGHT}],
                     "annotations": annotations, "categories": [{"id": 1, "name": "x"}]})  # fmt: skip
    result = load_coco(tmp_path)
    assert [a.id for a in result.dataset.annotations] == [8]
    (problem,) = result.problems
    assert (problem.severity.value, problem.location) == ("error", "annotation 7")
    assert "too large for a float" in problem.message


def test_reading_a_dataset_imports_only_the_image_plugins_seglab_decodes(tmp_path):
    """Pillow's ``init()`` (every plugin, EPS's Ghostscript one among them) once cost a tenth of a fresh COCO import."""
    write_image(tmp_path / "a.png")
    _coco(tmp_path, {"images": [{"id": 1, "file_name": "a.png", "width": WIDTH, "height": HEIGHT}],
                     "annotations": [], "categories": [{"id": 1, "name": "x"}]})  # fmt: skip
    code = (
        "import sys; from pathlib import Path; from seglab.formats import load_coco; "
        f"assert load_coco(Path({str(tmp_path)!r})).problems == []; "
        "print(sorted(m for m in sys.modules if m.startswith('PIL.') and m.endswith('ImagePlugin')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout.replace("'", '"')))
    assert "PIL.PngImagePlugin" in loaded
    assert "PIL.EpsImagePlugin" not in loaded


def test_yolo_empty_class_names_are_a_located_format_error(tmp_path):
    write_image(tmp_path / "images" / "a.png")
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "a.txt").write_text("0 0.1 0.1 0.5 0.1 0.5 0.5\n")
    (tmp_path / "data.yaml").write_text("names: ['thing', '']\ntrain: images\n")
    with pytest.raises(FormatError, match="class 1 has an empty name") as raised:
        load_yolo(tmp_path)
    assert raised.value.problem.file == str(tmp_path / "data.yaml")


def test_yolo_coordinates_of_1e308_are_a_located_error_without_overflow(tmp_path):
    write_image(tmp_path / "images" / "a.png")
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "a.txt").write_text("0 1e308 0.1 0.5 0.1 0.5 0.5\n")
    (tmp_path / "data.yaml").write_text("names: ['thing']\ntrain: images\n")
    (problem,) = load_yolo(tmp_path).problems
    assert (problem.location, "NaN or infinity" in problem.message) == ("line 1", True)


def test_a_mask_classes_file_that_is_no_csv_is_a_located_error(tmp_path):
    write_image(tmp_path / "a.png")
    Image.fromarray(np.zeros((HEIGHT, WIDTH), dtype=np.uint8)).save(tmp_path / "a_mask.png")
    (tmp_path / "_classes.csv").write_text("Pixel Value, Class\n1, a\rb\n", newline="")
    with pytest.raises(FormatError, match="not a readable CSV file") as raised:
        load_masks(tmp_path)
    assert raised.value.problem.file == str(tmp_path / "_classes.csv")


def test_a_coco_file_name_too_long_for_the_system_is_a_located_error(tmp_path):
    _coco(tmp_path, {"images": [{"id": 1, "file_name": "x" * 5000, "width": 5, "height": 5}], "annotations": [],
                     "categories": []})  # fmt: skip
    (problem,) = load_coco(tmp_path).problems
    assert (problem.file, problem.location) == (str(tmp_path / "_annotations.coco.json"), "image 1")


def test_a_labelme_circle_of_enormous_finite_radius_is_drawn_with_few_points(tmp_path):
    write_image(tmp_path / "a.png")
    shapes = [{"label": "x", "points": [[-390, 28949], [-9_223_372_036_854_775_808, 1e308]], "shape_type": "circle"}]
    (tmp_path / "a.json").write_text(json.dumps({"shapes": shapes, "imagePath": "a.png"}))
    result = load_labelme(tmp_path)  # was OverflowError: cannot convert float infinity to integer
    assert all(p.file == str(tmp_path / "a.json") for p in result.problems)


def test_coco_image_ids_of_any_type_beside_a_resized_image_are_skipped(tmp_path):
    """The size check (an image whose JSON size differs from its file) looked the ids up unchecked."""
    write_image(tmp_path / "a.png")
    annotations = [{"id": 1, "image_id": {"a": 1}, "category_id": 1, "segmentation": [[1, 1, 9, 1, 9, 9]]}]
    _coco(tmp_path, {"images": [{"id": 0, "file_name": "a.png", "width": 10**9, "height": HEIGHT}],
                     "annotations": annotations, "categories": [{"id": 1, "name": "x"}]})  # fmt: skip
    result = load_coco(tmp_path)
    assert [p.location for p in result.problems if p.severity.value == "error"] == ["annotation 1"]


def test_a_bomb_is_refused_even_after_a_library_raised_pillows_limit(tmp_path, monkeypatch):
    """rf-detr sets ``PIL.Image.MAX_IMAGE_PIXELS`` to 2e9 when imported: a worker that has trained must refuse the
    same bombs as one that has not."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2_000_000_000)
    test_a_bomb_as_a_dataset_image_is_a_located_problem(tmp_path)
