"""CVAT for images 1.1 XML: ``annotations.xml`` with the images beside it in ``images/`` (a zip or a folder).

Reading: ``<polygon>``, ``<mask>`` (CVAT's RLE: run lengths over the ``width x height`` box at
``left, top``, row by row, starting with background), ``<box>`` (rotation included) and
``<ellipse>``; shapes sharing a ``group`` on one image with one label form one instance. Labels come
from ``<meta>`` (with their colours) in their order, ids from 1. ``<attribute>`` values become the
annotation's attributes, with ``occluded`` and ``z_order``; polylines, points and other shapes without
an area are reported and skipped. The XML is parsed with ``defusedxml`` (no entities, no DTDs).

Writing: an instance without holes becomes its polygons (parts share a ``group``); one with holes, or
an RLE, a ``<mask>``; ``occluded``/``z_order`` and attributes go back where they came from. A video frame's
annotation carries its track as a text attribute ``track_id`` (declared on its label, which CVAT's importer
needs): CVAT for images keeps each frame an image, where CVAT for video's ``<track>`` would number frames by
their place in a task; read back, ``track_id`` is an int again.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import numpy as np
import numpy.typing as npt
from defusedxml import DefusedXmlException

from seglab import atomic
from seglab.core import Annotation, Category, Dataset, ImageRecord, Split
from seglab.formats._images import ImageCheck, probe_image
from seglab.formats._output import ImageMode, place_image
from seglab.formats._problems import FormatError, Problem, ProblemLog
from seglab.formats._reading import LoadResult, PendingShape, check_polygons, escapes
from seglab.formats._tracks import TRACK_ATTRIBUTE, frame_order, read_track, track_of
from seglab.formats.coco import SPLIT_FOLDERS
from seglab.geometry import MultiPolygon, Polygon, Rle, Segmentation, segmentation_to_mask

ANNOTATION_FILE = "annotations.xml"
_AREA_SHAPES = ("polygon", "mask", "box", "ellipse")
_NO_AREA_SHAPES = ("polyline", "points", "cuboid", "skeleton", "tag")
_SUBSETS = {**SPLIT_FOLDERS, "validation": Split.VALID}
_RESERVED = ("occluded", "z_order", "iscrowd")
"""Attribute names with a meaning of their own (XML attributes of the shape, or COCO's crowd flag)."""


def find_annotation_file(path: Path) -> Path | None:
    if path.is_file():
        if path.suffix.lower() != ".xml":
            return None
        with path.open("rb") as handle:
            return path if b"<annotations" in handle.read(4096) else None
    candidate = path / ANNOTATION_FILE
    return candidate if candidate.is_file() else None


def _parse(file: Path) -> ET.Element:
    try:
        root: ET.Element = SafeET.parse(file, forbid_dtd=True).getroot()
    except ET.ParseError as error:
        line, column = error.position
        raise FormatError.at(file, f"malformed XML ({error})", f"line {line}, column {column}") from None
    except DefusedXmlException as error:
        raise FormatError.at(file, f"refused: {error} (entities and DTDs are not read)") from None
    if root.tag != "annotations":
        raise FormatError.at(file, f"not a CVAT XML file: the root element is <{root.tag}>, not <annotations>")
    return root


def _labels(root: ET.Element) -> list[Category]:
    """Labels of ``<meta>`` (task or project) in document order."""
    categories: list[Category] = []
    for label in root.iterfind("meta//labels/label"):
        name = (label.findtext("name") or "").strip()
        if name and all(c.name != name for c in categories):
            color = (label.findtext("color") or "").strip().lower()
            valid = len(color) == 7 and color.startswith("#") and all(c in "0123456789abcdef" for c in color[1:])
            categories.append(Category(len(categories) + 1, name, color if valid else None))
    return categories


def _number(element: ET.Element, key: str) -> float:
    raw = element.get(key)
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"<{element.tag}> needs a number in '{key}', got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"<{element.tag}> '{key}' is {raw}")
    return value


def _points(element: ET.Element) -> npt.NDArray[np.float64]:
    try:
        pairs = [[float(v) for v in pair.split(",")] for pair in (element.get("points") or "").split(";") if pair]
        points = np.asarray(pairs, dtype=np.float64)
    except ValueError:
        raise ValueError("'points' must be 'x,y;x,y;…'") from None
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError("'points' must be 'x,y;x,y;…'")
    return points


def _box(element: ET.Element) -> MultiPolygon:
    x0, y0, x1, y1 = (_number(element, k) for k in ("xtl", "ytl", "xbr", "ybr"))
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    angle = math.radians(float(element.get("rotation") or 0))
    if angle:  # CVAT turns a box clockwise about its centre
        centre = corners.mean(axis=0)
        turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        corners = (corners - centre) @ turn.T + centre
    return MultiPolygon((Polygon(corners),))


def _ellipse(element: ET.Element) -> MultiPolygon:
    cx, cy, rx, ry = (_number(element, k) for k in ("cx", "cy", "rx", "ry"))
    count = max(16, min(128, math.ceil(math.pi * (rx + ry) / 2)))  # a vertex every ~2 px
    angles = np.linspace(0, 2 * math.pi, count, endpoint=False)
    ring = np.column_stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)])
    angle = math.radians(float(element.get("rotation") or 0))
    if angle:
        turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        ring = (ring - [cx, cy]) @ turn.T + [cx, cy]
    return MultiPolygon((Polygon(ring),))


def _mask(element: ET.Element, image: ImageRecord) -> Rle:
    """CVAT's mask RLE: counts alternating background/foreground over the box, row by row."""
    try:
        counts = [int(v) for v in (element.get("rle") or "").split(",") if v.strip()]
    except ValueError:
        raise ValueError("'rle' must be comma-separated integers") from None
    left, top, width, height = (int(_number(element, k)) for k in ("left", "top", "width", "height"))
    if width <= 0 or height <= 0 or any(c < 0 for c in counts) or sum(counts) != width * height:
        raise ValueError(f"'rle' counts sum to {sum(counts)}, the {width}x{height} box needs {width * height}")
    if left < 0 or top < 0 or left + width > image.width or top + height > image.height:
        raise ValueError(f"mask box {left},{top} {width}x{height} lies outside the {image.width}x{image.height} image")
    values = np.zeros(len(counts), dtype=bool)
    values[1::2] = True
    local = np.repeat(values, counts).reshape(height, width)
    canvas = np.zeros((image.height, image.width), dtype=bool)
    canvas[top : top + height, left : left + width] = local
    if not canvas.any():
        raise ValueError("mask is empty")
    return Rle.from_mask(canvas)


def _geometry(element: ET.Element, image: ImageRecord) -> Segmentation:
    if element.tag == "polygon":
        return MultiPolygon((Polygon(_points(element)),))
    if element.tag == "box":
        return _box(element)
    if element.tag == "ellipse":
        return _ellipse(element)
    return _mask(element, image)


def _attributes(element: ET.Element) -> dict[str, Any]:
    attributes: dict[str, Any] = {a.get("name", ""): (a.text or "") for a in element.iterfind("attribute")}
    attributes.pop("", None)
    if TRACK_ATTRIBUTE in attributes:
        track = read_track(attributes[TRACK_ATTRIBUTE])
        if track is None:
            del attributes[TRACK_ATTRIBUTE]
        else:
            attributes[TRACK_ATTRIBUTE] = track
    if element.get("occluded") in ("1", "true", "True"):
        attributes["occluded"] = True
    if (element.get("z_order") or "0") not in ("0", ""):
        attributes["z_order"] = int(element.get("z_order") or 0)
    return attributes


def _image_path(root: Path, name: str, subset: str | None) -> Path:
    """``images/<subset>/<name>`` (CVAT's project exports), ``images/<name>`` (task exports) or ``<name>``."""
    candidates = [root / "images" / subset / name] if subset else []
    candidates += [root / "images" / name, root / name]
    return next((c for c in candidates if c.is_file()), root / "images" / name)


def _merge_group(shapes: list[Segmentation], image: ImageRecord) -> Segmentation:
    """One instance from grouped shapes: their polygons together, or one mask when any is a mask."""
    if all(isinstance(s, MultiPolygon) for s in shapes):
        return MultiPolygon(tuple(part for s in shapes for part in s.parts))  # type: ignore[union-attr]
    union = np.zeros((image.height, image.width), dtype=bool)
    for shape in shapes:
        union |= segmentation_to_mask(shape, image.resolution_wh)
    return Rle.from_mask(union)


def load_cvat(path: Path, *, strict: bool = False, image_check: ImageCheck = ImageCheck.HEADER) -> LoadResult:
    """Read CVAT for images 1.1: ``annotations.xml`` (or a folder holding it, images in ``images/``)."""
    log = ProblemLog(strict=strict)
    file = find_annotation_file(path)
    if file is None:
        raise FormatError.at(path, f"no CVAT {ANNOTATION_FILE} found")
    root = _parse(file)
    folder = file.parent
    categories = _labels(root)
    by_name = {c.name: c for c in categories}
    images: list[ImageRecord] = []
    seen_ids: set[str] = set()
    # (image, category, shape, group key, attributes, location), in document order
    read: list[tuple[ImageRecord, Category, Segmentation, str, dict[str, Any], str]] = []
    for element in root.iterfind("image"):
        where = f"image {element.get('id')}"
        name, subset = element.get("name") or "", (element.get("subset") or "").strip()
        if element.get("id") in seen_ids:
            log.error(file, f"duplicate image id {element.get('id')}; the second one skipped", where)
            continue
        seen_ids.add(element.get("id") or "")
        if not name or escapes(name) or (subset and escapes(subset)):
            log.error(file, f"image name {name!r} is empty or leads outside the dataset; skipped", where)
            continue
        image_path = _image_path(folder, name, subset or None)
        try:
            declared = (int(element.get("width") or ""), int(element.get("height") or ""))
            size = probe_image(image_path, ImageCheck.HEADER if image_check is ImageCheck.EXISTS else image_check)
        except ValueError as error:
            log.error(file, f"{error} ({name}); image and its shapes skipped", where)
            continue
        assert size is not None
        if size != declared:
            log.warning(file, f"{name} is {size[0]}x{size[1]} but the XML says {declared[0]}x{declared[1]}", where)
        split = _SUBSETS.get(subset.lower(), Split.UNASSIGNED)
        record = ImageRecord(len(images), name, size[0], size[1], split=split, path=image_path)
        images.append(record)
        for index, shape in enumerate(element):
            location = f"{where}, <{shape.tag}> {index}"
            if shape.tag in _NO_AREA_SHAPES:
                log.error(file, f"<{shape.tag}> has no area; skipped", location)
                continue
            if shape.tag not in _AREA_SHAPES:
                continue
            label = shape.get("label") or ""
            category = by_name.get(label)
            if category is None:
                category = Category(len(categories) + 1, label) if label.strip() else None
                if category is None:
                    log.error(file, "shape without a label; skipped", location)
                    continue
                log.warning(file, f"label {label!r} is not in <meta>; added", location)
                categories.append(category)
                by_name[label] = category
            try:
                geometry = _geometry(shape, record)
            except ValueError as error:
                log.error(file, f"{error}; shape skipped", location)
                continue
            group = shape.get("group_id") or shape.get("group")
            key = f"{label}:{group}" if group not in (None, "", "0") else f"#{index}"
            read.append((record, category, geometry, key, _attributes(shape), location))
    return LoadResult(_instances(categories, images, read, file, log), log.problems, "cvat")


def _instances(
    categories: list[Category],
    images: list[ImageRecord],
    read: list[tuple[ImageRecord, Category, Segmentation, str, dict[str, Any], str]],
    file: Path,
    log: ProblemLog,
) -> Dataset:
    """Group shapes into instances, then validate every polygon in one pass."""
    grouped: dict[tuple[int, str], list[tuple[ImageRecord, Category, Segmentation, str, dict[str, Any], str]]] = {}
    for item in read:
        grouped.setdefault((item[0].id, item[3]), []).append(item)
    merged = [(items[0], _merge_group([i[2] for i in items], items[0][0])) for items in grouped.values()]
    polygons = [index for index, (_, shape) in enumerate(merged) if isinstance(shape, MultiPolygon)]
    pending = [
        PendingShape(merged[i][1], merged[i][0][0].resolution_wh, file, merged[i][0][5])  # type: ignore[arg-type]
        for i in polygons
    ]
    checked = dict(zip(polygons, check_polygons(pending, log), strict=True))
    annotations: list[Annotation] = []
    for index, ((image, category, _, _, attributes, _), shape) in enumerate(merged):
        final = checked.get(index, shape)
        if final is None:
            continue
        crowd = str(attributes.pop("iscrowd", "")).lower() in ("1", "true")
        annotations.append(
            Annotation(
                len(annotations) + 1,
                image.id,
                category.id,
                final,
                iscrowd=crowd,
                source="import",
                attributes=attributes,
            )
        )
    return Dataset(categories, images, annotations)


def _format(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _cvat_rle(mask: npt.NDArray[np.bool_]) -> tuple[str, int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    top, left = int(rows[0]), int(cols[0])
    crop = mask[top : int(rows[-1]) + 1, left : int(cols[-1]) + 1].ravel()
    changes = np.flatnonzero(np.diff(crop.astype(np.int8))) + 1
    bounds = np.concatenate([[0], changes, [crop.size]])
    counts = np.diff(bounds).tolist()
    if crop[0]:
        counts = [0, *counts]  # CVAT's runs start with background
    height, width = int(rows[-1]) - top + 1, int(cols[-1]) - left + 1
    return ", ".join(str(c) for c in counts), left, top, width, height


def _shape_attributes(element: ET.Element, annotation: Annotation) -> None:
    attributes = dict(annotation.attributes)
    element.set("occluded", "1" if attributes.pop("occluded", False) in (True, "true", "1") else "0")
    element.set("z_order", str(int(attributes.pop("z_order", 0) or 0)))
    if annotation.iscrowd:
        attributes["iscrowd"] = "true"
    if (track := track_of(annotation)) is not None:
        attributes[TRACK_ATTRIBUTE] = track
    for key, value in attributes.items():
        ET.SubElement(element, "attribute", name=str(key)).text = str(value)


def _image_element(parent: ET.Element, dataset: Dataset, image: ImageRecord) -> None:
    attributes = {"id": str(image.id), "name": image.file_name, "width": str(image.width), "height": str(image.height)}
    if image.split is not Split.UNASSIGNED:
        attributes["subset"] = image.split.value
    element = ET.SubElement(parent, "image", attributes)
    for annotation in dataset.annotations_of(image.id):
        label = dataset.category(annotation.category_id).name
        shape = annotation.segmentation
        common = {"label": label, "source": "manual"}
        if isinstance(shape, MultiPolygon) and not shape.has_holes and not annotation.iscrowd:
            for part in shape.parts:
                points = ";".join(f"{_format(x)},{_format(y)}" for x, y in part.exterior)
                extra = {"group_id": str(annotation.id)} if len(shape) > 1 else {}
                polygon = ET.SubElement(element, "polygon", {**common, "points": points, **extra})
                _shape_attributes(polygon, annotation)
            continue
        mask = segmentation_to_mask(shape, image.resolution_wh)
        if not mask.any():
            continue
        rle, left, top, width, height = _cvat_rle(mask)
        box = {"left": str(left), "top": str(top), "width": str(width), "height": str(height)}
        masked = ET.SubElement(element, "mask", {**common, "rle": rle, **box})
        _shape_attributes(masked, annotation)


def cvat_document(dataset: Dataset) -> str:
    """The whole ``annotations.xml``: ``<meta>`` with every label (and the attribute names in use), then images."""
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = "1.1"
    task = ET.SubElement(ET.SubElement(root, "meta"), "task")
    ET.SubElement(task, "size").text = str(len(dataset.images))
    labels = ET.SubElement(task, "labels")
    used: dict[int, set[str]] = {}
    for annotation in dataset.annotations:
        names = {k for k in annotation.attributes if k not in _RESERVED}
        if track_of(annotation) is not None:
            names.add(TRACK_ATTRIBUTE)
        used.setdefault(annotation.category_id, set()).update(names)
    for category in dataset.categories:
        label = ET.SubElement(labels, "label")
        ET.SubElement(label, "name").text = category.name
        ET.SubElement(label, "color").text = category.color or ""
        ET.SubElement(label, "type").text = "any"
        attributes = ET.SubElement(label, "attributes")
        for name in sorted(used.get(category.id, ())):
            spec = ET.SubElement(attributes, "attribute")
            for key, value in (("name", name), ("mutable", "False"), ("input_type", "text"), ("values", "")):
                ET.SubElement(spec, key).text = value
    for image in sorted(dataset.images, key=frame_order):  # a video's frames in order
        _image_element(root, dataset, image)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def save_cvat(dataset: Dataset, out: Path, *, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Write ``annotations.xml`` and ``images/<subset>/<name>`` (``images/<name>`` without splits)."""
    log = ProblemLog()
    for image in dataset.images:
        subset = image.split.value if image.split is not Split.UNASSIGNED else ""
        target = out / "images" / subset / image.file_name
        if image.path is None or not image.path.is_file():
            log.error(target, "source image not available; only its annotations were written", f"image {image.id}")
        else:
            place_image(image.path, target, image_mode)
    atomic.write_text(out / ANNOTATION_FILE, cvat_document(dataset), durable=True)
    return log.problems
