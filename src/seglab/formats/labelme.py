"""LabelMe JSON: one file per image, shapes with labels; ``group_id`` joins shapes into one instance.

Reading: ``polygon``, ``rectangle``, ``circle`` and ``mask`` shapes (others, such as lines and
points, are reported and skipped); shapes sharing ``(label, group_id)`` form one multi-part
instance. Categories are the labels in alphabetical order, ids from 1. Files as written in the
wild: the image is ``imagePath`` when it is there (never followed out of the dataset), else the
embedded ``imageData``, else the JSON's own stem with an image extension; LabelMe 3.x files (no
``shape_type``: a polygon; no ``imageWidth``/``imageHeight``) read like the others, and the image's
size is always its file's. Writing: one polygon shape per part (parts of one instance share a
``group_id``), or a ``mask`` shape when the instance has holes, which LabelMe polygons cannot express. A video's
tracked object has its track id as ``group_id`` in every frame's file.
"""

from __future__ import annotations

import base64
import glob
import io
import math
import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from PIL import Image

from seglab.core import Annotation, Category, Dataset, ImageRecord, Split
from seglab.formats._images import IMAGE_EXTENSIONS, ImageCheck, open_untrusted, probe_image
from seglab.formats._output import ImageMode, place_image, write_json_atomic
from seglab.formats._problems import FormatError, Problem, ProblemLog
from seglab.formats._reading import LoadResult, PendingShape, check_polygons, read_each, read_json
from seglab.formats._scratch import scratch_file
from seglab.formats.coco import SPLIT_FOLDERS, split_folders
from seglab.geometry import (
    MultiPolygon,
    Polygon,
    mask_to_polygon,
    segmentation_to_mask,
)

LABELME_VERSION = "5.5.0"
SUPPORTED_SHAPES = ("polygon", "rectangle", "circle", "mask")


def is_labelme_document(data: object) -> bool:
    return isinstance(data, dict) and "shapes" in data and "imagePath" in data


def find_labelme_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = []
    for file in sorted(path.rglob("*.json")):
        try:
            with file.open("rb") as handle:
                head = handle.read(4096)
        except OSError:
            continue
        if b'"shapes"' in head or b'"imagePath"' in head or b'"version"' in head:
            files.append(file)
    return files


def _circle_ring(center: np.ndarray, edge: np.ndarray) -> np.ndarray:
    radius = math.hypot(*(edge - center))  # no overflow for coordinates near 1e308 (np.linalg.norm squares them)
    if not math.isfinite(radius):
        raise ValueError("the circle's radius is not a finite number")
    count = max(16, math.ceil(min(128.0, math.pi * radius)))  # a vertex every ~2 px, at most 128 (no infinity)
    angles = np.linspace(0, 2 * math.pi, count, endpoint=False)
    return np.column_stack([center[0] + radius * np.cos(angles), center[1] + radius * np.sin(angles)])


def _decode_mask(shape: Mapping[str, Any], points: np.ndarray, image: ImageRecord) -> np.ndarray:
    data = base64.b64decode(str(shape.get("mask", "")), validate=True)
    try:
        with open_untrusted(io.BytesIO(data)) as opened:
            if opened.width * opened.height > image.width * image.height:
                raise ValueError(f"mask is {opened.width}x{opened.height}, larger than its image")
            local = np.asarray(opened.convert("L"), dtype=np.uint8) > 0
    except OSError as error:
        raise ValueError(f"mask is not a readable image ({error})") from None
    x0, y0 = (round(float(v)) for v in points[0])
    canvas = np.zeros((image.height, image.width), dtype=bool)
    height = min(local.shape[0], image.height - y0)
    width = min(local.shape[1], image.width - x0)
    if x0 < 0 or y0 < 0 or height <= 0 or width <= 0:
        raise ValueError("mask lies outside the image")
    canvas[y0 : y0 + height, x0 : x0 + width] = local[:height, :width]
    return canvas


def _shape_geometry(shape: Mapping[str, Any], image: ImageRecord) -> MultiPolygon:
    """The shape as polygons in image pixels; ``ValueError`` says what is wrong with it."""
    kind = shape.get("shape_type") or "polygon"
    if kind not in SUPPORTED_SHAPES:
        raise ValueError(f"shape type {kind!r} has no area (supported: {', '.join(SUPPORTED_SHAPES)})")
    points = np.asarray(shape.get("points", []), dtype=np.float64)
    if points.ndim != 2 or points.shape[1:] != (2,):
        raise ValueError("'points' must be a list of [x, y] pairs")
    if kind == "mask":
        vector = mask_to_polygon(_decode_mask(shape, points, image))
        if vector is None:
            raise ValueError("mask is empty")
        return vector
    if kind in ("rectangle", "circle") and len(points) != 2:
        raise ValueError(f"a {kind} needs exactly 2 points, got {len(points)}")
    if kind == "rectangle":
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        points = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    elif kind == "circle":
        points = _circle_ring(points[0], points[1])
    return MultiPolygon((Polygon(points),))


def _inside(root: Path, target: Path) -> bool:
    return target == root or target.is_relative_to(root)


def _embedded_image(data: Mapping[str, Any], file: Path) -> tuple[Path, str] | None:
    """The picture LabelMe embeds as base64 ``imageData``, written to a scratch file; its name is
    ``imagePath``'s base name when that names an image, else the JSON's stem with the picture's type."""
    encoded = data.get("imageData")
    if not isinstance(encoded, str) or not encoded:
        return None
    try:
        raw = base64.b64decode(encoded, validate=False)
        with open_untrusted(io.BytesIO(raw)) as picture:
            kind = (picture.format or "png").lower()
    except (ValueError, OSError) as error:
        raise FormatError.at(file, f"imageData is not a readable image ({error})") from None
    suffix = ".jpg" if kind in ("jpeg", "mpo") else f".{kind}"
    named = PurePosixPath(str(data.get("imagePath") or "").replace("\\", "/")).name
    name = named if Path(named).suffix.lower() in IMAGE_EXTENSIONS else f"{file.stem}{suffix}"
    return scratch_file(raw, suffix), name


def _same_stem_image(file: Path) -> Path | None:
    """``x.jpg`` (any image extension, any case) beside ``x.json``."""
    siblings = sorted(file.parent.glob(f"{glob.escape(file.stem)}.*"))
    return next((p for p in siblings if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS), None)


def _locate_image(data: Mapping[str, Any], file: Path, root: Path, log: ProblemLog) -> tuple[Path, str]:
    """Where the image is: ``imagePath`` (never followed out of the dataset), the embedded ``imageData``,
    or the JSON's own stem with an image extension; ``FormatError`` saying what was tried otherwise."""
    raw = str(data.get("imagePath") or "").replace("\\", "/")
    escaping = bool(raw) and (PurePosixPath(raw).is_absolute() or re.match(r"^[A-Za-z]:", raw) is not None)
    if raw and not escaping:
        target = (file.parent / raw).resolve()
        escaping = not _inside(root.resolve(), target)
        if not escaping and target.is_file():
            return target, target.name
    found = _embedded_image(data, file)
    if found is None:
        stem_image = _same_stem_image(file)
        found = (stem_image, stem_image.name) if stem_image is not None else None
    if escaping:
        if found is None:
            raise FormatError.at(
                file,
                f"imagePath {raw!r} leads outside the dataset (not followed) and there is no imageData "
                f"nor {file.stem}.<image extension> beside the JSON",
            )
        log.warning(file, f"imagePath {raw!r} leads outside the dataset; not followed, read {found[1]} instead")
    if found is None:
        raise FormatError.at(
            file, f"image {raw or '(no imagePath)'} not found, no imageData, no {file.stem}.<image extension> beside it"
        )
    return found


def _declared_size(data: Mapping[str, Any]) -> tuple[int, int] | None:
    """``imageWidth``/``imageHeight`` when given (LabelMe 3.x files have none); ``ValueError`` when not integers."""
    width, height = data.get("imageWidth"), data.get("imageHeight")
    if width is None and height is None:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (width, height)):
        raise ValueError(f"imageWidth/imageHeight must be integers, got {width!r}/{height!r}")
    return int(width), int(height)  # type: ignore[arg-type]


def _read_file(
    file: Path, root: Path, check: ImageCheck, log: ProblemLog, image_id: int
) -> tuple[Path, ImageRecord, list[tuple[str, MultiPolygon, str]]] | None:
    data = read_json(file)
    if not is_labelme_document(data):
        raise FormatError.at(file, "not a LabelMe file: needs 'shapes' and 'imagePath'")
    image_path, image_name = _locate_image(data, file, root, log)
    try:
        declared = _declared_size(data)
        # the pixels decide the size: LabelMe 3.x files do not say it, and a stale JSON may say it wrong
        size = probe_image(image_path, ImageCheck.HEADER if check is ImageCheck.EXISTS else check)
        assert size is not None
        width, height = size
        relative = file.relative_to(root).parent / image_name if file.is_relative_to(root) else Path(image_name)
        split = SPLIT_FOLDERS.get(relative.parts[0], Split.UNASSIGNED) if len(relative.parts) > 1 else Split.UNASSIGNED
        if split is not Split.UNASSIGNED:
            relative = Path(*relative.parts[1:])
        record = ImageRecord(image_id, relative.as_posix(), width, height, split=split, path=image_path)
    except (ValueError, KeyError, TypeError) as error:
        log.error(file, f"{error} ({image_name}); image skipped")
        return None
    shapes = []
    if not isinstance(data["shapes"], list):
        log.error(file, "'shapes' is not a list; the image is kept without shapes")
    for index, shape in enumerate(data["shapes"] if isinstance(data["shapes"], list) else []):
        location = f"shapes[{index}]"
        label = shape.get("label") if isinstance(shape, dict) else None
        if not isinstance(label, str | int) or isinstance(label, bool) or not str(label).strip():
            log.error(file, "shape without a label (text); skipped", location)
            continue
        label = str(label).strip()
        try:
            geometry = _shape_geometry(shape, record)
        except (ValueError, TypeError) as error:
            log.error(file, f"{error}; shape skipped", location)
            continue
        group = shape.get("group_id")
        shapes.append((label, geometry, f"{label}:{group}" if group is not None else f"#{index}"))
    if declared is not None and declared != size:
        said = f"imageWidth/imageHeight say {declared[0]}x{declared[1]}, {image_name} is {width}x{height}"
        reach = _extent([geometry for _, geometry, _ in shapes])
        if reach[0] > width + 1 or reach[1] > height + 1:
            log.error(file, f"{said} and the shapes reach {reach[0]:g},{reach[1]:g}, outside it; image skipped")
            return None
        log.warning(file, f"{said}; the shapes fit the real image, which is kept at its real size")
    return file, record, shapes


def _extent(shapes: list[MultiPolygon]) -> tuple[float, float]:
    """How far right and down the shapes reach."""
    reach = (0.0, 0.0)
    for shape in shapes:
        for part in shape.parts:
            right, bottom = part.exterior.max(axis=0)
            reach = (max(reach[0], float(right)), max(reach[1], float(bottom)))
    return reach


def load_labelme(path: Path, *, strict: bool = False, image_check: ImageCheck = ImageCheck.HEADER) -> LoadResult:
    """Read a LabelMe JSON file or a folder of them (recursively; ``train/valid/test`` folders set splits)."""
    log = ProblemLog(strict=strict)
    files = find_labelme_files(path)
    if not files:
        raise FormatError.at(path, "no LabelMe JSON files found")
    root = path if path.is_dir() else path.parent
    images: list[ImageRecord] = []
    instances: list[tuple[int, str, MultiPolygon, str, Path, str]] = []
    read_one = partial(_read_file, root=root, check=image_check, log=log)
    for file, record, shapes in read_each(files, lambda f: read_one(f, image_id=len(images)), log):
        images.append(record)
        grouped: dict[str, tuple[str, list[MultiPolygon]]] = {}
        for label, geometry, key in shapes:
            grouped.setdefault(key, (label, []))[1].append(geometry)
        for key, (label, geometries) in grouped.items():
            merged = MultiPolygon(tuple(part for g in geometries for part in g.parts))
            instances.append((record.id, label, merged, key, file, f"group {key}"))
    names = sorted({label for _, label, *_ in instances})
    categories = [Category(index + 1, name) for index, name in enumerate(names)]
    category_ids = {category.name: category.id for category in categories}
    by_id = {image.id: image for image in images}
    pending = [
        PendingShape(shape, by_id[image_id].resolution_wh, file, location)
        for image_id, _, shape, _, file, location in instances
    ]
    annotations: list[Annotation] = []
    for (image_id, label, *_), shape in zip(instances, check_polygons(pending, log), strict=True):
        if shape is not None:
            annotations.append(Annotation(len(annotations) + 1, image_id, category_ids[label], shape, source="import"))
    return LoadResult(Dataset(categories, images, annotations), log.problems, "labelme")


def _encode_mask(mask: np.ndarray) -> tuple[list[list[float]], str]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    y0, y1, x0, x1 = rows[0], rows[-1], cols[0], cols[-1]
    buffer = io.BytesIO()
    Image.fromarray((mask[y0 : y1 + 1, x0 : x1 + 1] * 255).astype(np.uint8)).convert("1").save(buffer, format="PNG")
    return [[float(x0), float(y0)], [float(x1), float(y1)]], base64.b64encode(buffer.getvalue()).decode("ascii")


def labelme_document(dataset: Dataset, image: ImageRecord, image_name: str) -> dict[str, Any]:
    shapes: list[dict[str, Any]] = []
    for annotation in dataset.annotations_of(image.id):
        label = dataset.category(annotation.category_id).name
        shape = annotation.segmentation
        common = {"label": label, "description": "", "flags": {}}
        # a video's object keeps its track id across the frames' files, as LabelMe's video tools use group_id
        track = annotation.track_id
        if isinstance(shape, MultiPolygon) and not shape.has_holes:
            group = track if track is not None else annotation.id if len(shape) > 1 else None
            for part in shape.parts:
                points = [[float(x), float(y)] for x, y in part.exterior]
                shapes.append({**common, "points": points, "group_id": group, "shape_type": "polygon", "mask": None})
            continue
        mask = segmentation_to_mask(shape, image.resolution_wh)
        if mask.any():
            points, encoded = _encode_mask(mask)
            shapes.append({**common, "points": points, "group_id": track, "shape_type": "mask", "mask": encoded})
    return {
        "version": LABELME_VERSION,
        "flags": {},
        "shapes": shapes,
        "imagePath": image_name,
        "imageData": None,
        "imageHeight": image.height,
        "imageWidth": image.width,
    }


def save_labelme(dataset: Dataset, out: Path, *, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Write each image with a LabelMe JSON beside it (in ``train/valid/test`` folders when split)."""
    log = ProblemLog()
    for folder_name, images in split_folders(dataset).items():
        for image in images:
            target = out / folder_name / image.file_name
            if image.path is None or not image.path.is_file():
                log.error(target, "source image not available; only its JSON was written", f"image {image.id}")
            else:
                place_image(image.path, target, image_mode)
            write_json_atomic(target.with_suffix(".json"), labelme_document(dataset, image, target.name))
    return log.problems
