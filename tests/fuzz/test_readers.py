"""Fuzzing the dataset readers: files generated from strategies (valid structure with hostile values, and values
of any type where structure is expected). Property: reading returns a result whose problems each name their file,
or raises :class:`seglab.formats.FormatError` (located) — never any other exception, in lenient and strict mode."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from seglab.formats import FormatError, load_coco, load_cvat, load_labelme, load_masks, load_yolo

from . import EXAMPLES, FUZZ

WIDTH, HEIGHT = 40, 30

numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1e308, -1e308, 1e-320, 2**63, -(2**63), 2**64]),
)
anything = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)
maybe = lambda strategy: st.one_of(strategy, anything)  # noqa: E731  # a field of the right kind, or anything


def _png(folder: Path, name: str = "a.png") -> None:
    Image.fromarray(np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)).save(folder / name)


def _read(reader: Callable[..., Any], path: Path, folder: Path, name: str) -> None:
    """The property, in both modes."""
    EXAMPLES[name] += 1
    for strict in (False, True):
        try:
            result = reader(path, strict=strict)
        except FormatError as error:
            refused = error.problem
        else:
            refused = None
        if refused is not None:
            assert refused.file, refused
            continue
        for problem in result.problems:
            assert problem.file, problem
            assert problem.message, problem


polygons = st.lists(st.lists(numbers, max_size=12), max_size=3)
rles = st.fixed_dictionaries(
    {"size": maybe(st.lists(st.integers(-5, 2**40), min_size=2, max_size=2)), "counts": maybe(st.lists(numbers))}
)
coco_annotation = st.fixed_dictionaries(
    {
        "id": maybe(st.integers(0, 5)),
        "image_id": maybe(st.integers(0, 3)),
        "category_id": maybe(st.integers(0, 3)),
        "segmentation": maybe(st.one_of(polygons, rles)),
        "iscrowd": maybe(st.integers(0, 1)),
    },
    optional={"bbox": maybe(st.lists(numbers, min_size=4, max_size=4)), "area": numbers},
)
coco_document = st.fixed_dictionaries(
    {
        "images": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "id": maybe(st.integers(0, 3)),
                        "file_name": maybe(st.sampled_from(["a.png", "missing.png", "../a.png", "/etc/passwd", ""])),
                        "width": maybe(st.sampled_from([WIDTH, 0, -1, 10**9])),
                        "height": maybe(st.sampled_from([HEIGHT, 0, -1, 10**9])),
                    }
                ),
                max_size=3,
            )
        ),
        "annotations": maybe(st.lists(coco_annotation, max_size=4)),
        "categories": maybe(
            st.lists(st.fixed_dictionaries({"id": maybe(st.integers(0, 3)), "name": maybe(st.text())}), max_size=3)
        ),
    }
)


@FUZZ
@given(coco_document)
def test_coco(document):
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        _png(folder)
        (folder / "_annotations.coco.json").write_text(json.dumps(document))
        _read(load_coco, folder, folder, "coco")


label_lines = st.lists(
    st.lists(st.one_of(numbers.map(str), st.sampled_from(["0", "1", "x", "nan", "-1", "0.5", "1e308"])), max_size=12),
    max_size=4,
)


@FUZZ
@given(label_lines, maybe(st.lists(st.text(max_size=5), max_size=3)))
def test_yolo(lines, names):
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "images").mkdir()
        (folder / "labels").mkdir()
        _png(folder / "images")
        (folder / "labels" / "a.txt").write_text("\n".join(" ".join(line) for line in lines))
        (folder / "data.yaml").write_text(json.dumps({"names": names, "train": "images"}))
        _read(load_yolo, folder, folder, "yolo")


labelme_shape = st.fixed_dictionaries(
    {
        "label": maybe(st.sampled_from(["thing", "other", ""])),
        "points": maybe(st.lists(st.lists(numbers, min_size=2, max_size=2), max_size=6)),
        "shape_type": maybe(st.sampled_from(["polygon", "rectangle", "circle", "mask", "line", "point"])),
    },
    optional={"group_id": anything, "mask": st.text(max_size=8)},
)


@FUZZ
@given(maybe(st.lists(labelme_shape, max_size=4)), maybe(st.sampled_from([WIDTH, 0, -3, 10**9])), anything)
def test_labelme(shapes, width, image_path):
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        _png(folder)
        document = {"version": "5", "shapes": shapes, "imagePath": image_path, "imageWidth": width, "imageHeight": 30}
        (folder / "a.json").write_text(json.dumps(document))
        _read(load_labelme, folder, folder, "labelme")


xml_number = st.one_of(numbers.map(str), st.sampled_from(["", "x", "nan", "inf", "-0", "1e400"]))
points_text = st.lists(st.tuples(xml_number, xml_number), max_size=6).map(
    lambda pairs: ";".join(f"{x},{y}" for x, y in pairs)
)
cvat_shape = st.one_of(
    st.builds(
        lambda label, points: f"<polygon label={quoteattr(label)} points={quoteattr(points)}/>",
        st.sampled_from(["thing", "ghost", ""]),
        points_text,
    ),
    st.builds(
        lambda a, b, c, d: (
            f'<box label="thing" xtl={quoteattr(a)} ytl={quoteattr(b)} xbr={quoteattr(c)} ybr={quoteattr(d)}/>'
        ),
        xml_number,
        xml_number,
        xml_number,
        xml_number,
    ),
    st.builds(
        lambda rle, left, w: (
            f'<mask label="thing" rle={quoteattr(rle)} left={quoteattr(left)} top="0" '
            f"width={quoteattr(w)} height='3'/>"
        ),
        st.lists(xml_number, max_size=6).map(", ".join),
        xml_number,
        xml_number,
    ),
)


@FUZZ
@given(st.lists(cvat_shape, max_size=4), xml_number, xml_number)
def test_cvat(shapes, width, height):
    labels = "<meta><task><labels><label><name>thing</name></label></labels></task></meta>"
    image = f'<image id="0" name="a.png" width={quoteattr(width)} height={quoteattr(height)}>{"".join(shapes)}</image>'
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "images").mkdir()
        _png(folder / "images")
        (folder / "annotations.xml").write_text(f"<annotations>{labels}{image}</annotations>")
        _read(load_cvat, folder, folder, "cvat")


@FUZZ
@given(
    st.sampled_from(["L", "I;16", "P", "RGB", "1"]),
    st.integers(1, 50),
    st.integers(1, 50),
    st.integers(0, 2**32 - 1),
    st.one_of(st.none(), st.text(max_size=40)),
)
def test_masks(mode, width, height, seed, classes):
    values = np.random.default_rng(seed).integers(0, 4, (height, width))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        _png(folder)
        if mode == "RGB":
            mask = Image.fromarray(np.dstack([values * 60] * 3).astype(np.uint8))
        elif mode == "I;16":
            mask = Image.fromarray((values * 1001).astype(np.uint16))
        else:
            mask = (
                Image.fromarray(values.astype(np.uint8)).convert(mode)
                if mode != "L"
                else Image.fromarray(values.astype(np.uint8))
            )
        mask.save(folder / "a_mask.png")
        if classes is not None:
            (folder / "_classes.csv").write_text(classes)
        _read(load_masks, folder, folder, "masks")
