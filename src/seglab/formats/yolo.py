"""YOLO segmentation (Ultralytics and Roboflow "YOLOv8/v11" exports).

Layout: a ``data.yaml`` with ``names`` and ``train``/``val``/``test`` image folders (or .txt lists);
each image ``.../images/x.jpg`` has a label file ``.../labels/x.txt`` with one instance per line:
``class x1 y1 x2 y2 ...``, coordinates normalised to [0, 1] by the image's displayed size.

Multi-part instances and holes: one line holds one ring, so on writing, parts and holes are joined
into a single ring by zero-width bridges (as Ultralytics' COCO converter does, see ``_rings``); on
reading, such rings are split back into parts and holes. A 5-value line (a detection box) becomes
a rectangle polygon. Class ids become ``0..N-1`` in category-id order, as Ultralytics requires.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from seglab.core import Annotation, Category, Dataset, ImageRecord, Split
from seglab.formats._images import ImageCheck, displayed_size, image_files
from seglab.formats._output import ImageMode, place_image, write_text_atomic
from seglab.formats._problems import FormatError, Problem, ProblemLog
from seglab.formats._reading import LoadResult, PendingShape, check_polygons
from seglab.formats._rings import join_rings
from seglab.formats.coco import split_folders
from seglab.geometry import MultiPolygon, Polygon, mask_to_polygon, ring_from_points

DATA_FILES = ("data.yaml", "data.yml", "dataset.yaml")
_SPLIT_KEYS = {"train": Split.TRAIN, "val": Split.VALID, "valid": Split.VALID, "test": Split.TEST}


def find_data_yaml(path: Path) -> Path | None:
    if path.is_file() and path.suffix in {".yaml", ".yml"}:
        return path
    return next((path / name for name in DATA_FILES if (path / name).is_file()), None)


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        location = f"line {mark.line + 1}" if mark is not None else None
        raise FormatError.at(file, f"malformed YAML ({getattr(error, 'problem', error)})", location) from None
    if not isinstance(data, dict) or "names" not in data:
        raise FormatError.at(file, "not a YOLO data file: needs 'names'")
    return data


def _categories(names: object, file: Path) -> list[Category]:
    if isinstance(names, list):
        return [Category(index, str(name)) for index, name in enumerate(names)]
    if isinstance(names, dict) and all(isinstance(k, int) for k in names):
        return [Category(int(k), str(v)) for k, v in sorted(names.items())]
    raise FormatError.at(file, "'names' must be a list or a mapping of class index to name")


def _resolve_split_path(root: Path, value: str) -> Path:
    """Ultralytics' rules: relative to ``path`` (or the yaml folder), with Roboflow's ``../x`` accepted too."""
    candidate = (root / value).resolve()
    if not candidate.exists() and value.startswith("../"):
        candidate = (root / value[3:]).resolve()
    return candidate


def _split_images(root: Path, value: object, file: Path, log: ProblemLog) -> list[Path]:
    images: list[Path] = []
    for entry in value if isinstance(value, list) else [value]:
        location = str(entry)
        target = _resolve_split_path(root, str(entry))
        if target.is_dir():
            images.extend(image_files(target))
        elif target.is_file() and target.suffix == ".txt":
            for line in target.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    images.append(_resolve_split_path(target.parent, line.strip()))
        else:
            log.error(file, f"split folder or list not found: {target}", location)
    return images


def label_path_for(image: Path) -> Path:
    """``.../images/.../x.jpg`` -> ``.../labels/.../x.txt`` (the last ``images`` folder is swapped)."""
    parts = list(image.parts)
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "images":
            parts[index] = "labels"
            return Path(*parts).with_suffix(".txt")
    return image.with_suffix(".txt")


def _parse_line(
    line: str, categories: int, image: ImageRecord, file: Path, log: ProblemLog, location: str
) -> tuple[int, MultiPolygon] | None:
    try:
        values = [float(v) for v in line.split()]
    except ValueError:
        log.error(file, "not a list of numbers; line skipped", location)
        return None
    if not values[0].is_integer() or not 0 <= values[0] < categories:
        log.error(
            file, f"class id {values[0]:g} is out of range (data.yaml has {categories} classes); line skipped", location
        )
        return None
    coordinates = np.asarray(values[1:], dtype=np.float64)
    if len(coordinates) == 4:
        cx, cy, w, h = coordinates
        log.warning(file, "a detection box, not a polygon: kept as a rectangle", location)
        coordinates = np.array(
            [cx - w / 2, cy - h / 2, cx + w / 2, cy - h / 2, cx + w / 2, cy + h / 2, cx - w / 2, cy + h / 2]
        )
    if len(coordinates) % 2:
        log.error(file, f"odd number of coordinates ({len(coordinates)}); line skipped", location)
        return None
    try:
        ring = ring_from_points(coordinates.reshape(-1, 2) * [image.width, image.height], what="polygon")
    except ValueError as error:
        log.error(file, f"{error}; line skipped", location)
        return None
    return int(values[0]), MultiPolygon((Polygon._from_valid_rings(ring, ()),))


def load_yolo(path: Path, *, strict: bool = False, image_check: ImageCheck = ImageCheck.HEADER) -> LoadResult:
    """Read a YOLO-seg dataset from its folder or its ``data.yaml``."""
    log = ProblemLog(strict=strict)
    data_file = find_data_yaml(path)
    if data_file is None:
        raise FormatError.at(path, f"no YOLO data file found (looked for {', '.join(DATA_FILES)})")
    data = _read_yaml(data_file)
    categories = _categories(data["names"], data_file)
    root = data_file.parent
    if data.get("path"):
        root = _resolve_split_path(root, str(data["path"]))
    check = ImageCheck.DECODE if image_check is ImageCheck.DECODE else ImageCheck.HEADER  # sizes are needed
    splits_of: dict[Path, set[Split]] = {}
    for key, split in _SPLIT_KEYS.items():
        if data.get(key):
            for image_path in _split_images(root, data[key], data_file, log):
                splits_of.setdefault(image_path, set()).add(split)
    images: list[ImageRecord] = []
    read: list[tuple[int, int]] = []  # (image id, class index), aligned with pending
    pending: list[PendingShape] = []
    for image_path, splits in splits_of.items():
        split = _pick_split(image_path, splits)
        try:
            width, height = displayed_size(image_path, check)
        except ValueError as error:
            log.error(image_path, f"{error}; image skipped")
            continue
        record = ImageRecord(len(images), _relative_name(image_path), width, height, split=split, path=image_path)
        images.append(record)
        label_file = label_path_for(image_path)
        if not label_file.is_file():
            continue
        for number, line in enumerate(label_file.read_text(encoding="utf-8").splitlines(), start=1):
            parsed = (
                _parse_line(line, len(categories), record, label_file, log, f"line {number}") if line.strip() else None
            )
            if parsed is not None:
                read.append((record.id, parsed[0]))
                pending.append(PendingShape(parsed[1], record.resolution_wh, label_file, f"line {number}"))
    annotations: list[Annotation] = []
    for (image_id, class_index), shape in zip(read, check_polygons(pending, log, bridges_expected=True), strict=True):
        if shape is not None:
            annotations.append(
                Annotation(len(annotations) + 1, image_id, categories[class_index].id, shape, source="import")
            )
    _report_orphan_labels(root, {label_path_for(p) for p in splits_of}, log)
    return LoadResult(Dataset(categories, images, annotations), log.problems, "yolo")


def _pick_split(image_path: Path, splits: set[Split]) -> Split:
    """An image listed under several splits (train and val sharing a folder, as Ultralytics needs both)
    belongs to the one its folder is named after, or to none."""
    if len(splits) == 1:
        return next(iter(splits))
    folders = set(image_path.parts)
    named = [s for s in splits if s.value in folders or (s is Split.VALID and "val" in folders)]
    return named[0] if len(named) == 1 else Split.UNASSIGNED


def _relative_name(image_path: Path) -> str:
    """The file name below the ``images`` folder, without an Ultralytics split folder (``images/train/``)."""
    parts = image_path.parts
    if "images" not in parts:
        return image_path.name
    below = list(parts[len(parts) - parts[::-1].index("images") :])
    if len(below) > 1 and below[0] in _SPLIT_KEYS:
        below = below[1:]
    return "/".join(below)


def _report_orphan_labels(root: Path, used: set[Path], log: ProblemLog) -> None:
    for label_file in sorted(root.rglob("labels/**/*.txt")):
        if label_file not in used and label_file.stat().st_size > 0:
            log.error(label_file, "label file has no image in any split; skipped")


def _format_ring(ring: np.ndarray, width: int, height: int) -> str:
    normalised = np.clip(ring / [width, height], 0.0, 1.0)
    return " ".join(f"{v:.6f}".rstrip("0").rstrip(".") or "0" for v in normalised.ravel())


def yolo_label_lines(dataset: Dataset, image: ImageRecord) -> list[str]:
    class_index = {category.id: index for index, category in enumerate(dataset.categories)}
    lines = []
    for annotation in dataset.annotations_of(image.id):
        shape = annotation.segmentation
        if not isinstance(shape, MultiPolygon):
            vector = mask_to_polygon(shape.to_mask())
            if vector is None:
                continue
            shape = vector
        ring = join_rings(shape)
        lines.append(f"{class_index[annotation.category_id]} {_format_ring(ring, image.width, image.height)}")
    return lines


def save_yolo(dataset: Dataset, out: Path, *, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Write Roboflow's YOLO layout: ``data.yaml`` and ``<split>/images`` + ``<split>/labels``."""
    log = ProblemLog()
    folders = split_folders(dataset)
    if len(folders) > 1 and Split.UNASSIGNED.value in folders:
        unassigned = folders.pop(Split.UNASSIGNED.value)
        folders.setdefault(Split.TRAIN.value, []).extend(unassigned)
        log.info(out / "data.yaml", f"{len(unassigned)} images without a split were written to the train split")
    for folder_name, images in folders.items():
        base = out / folder_name
        for image in images:
            target = base / "images" / image.file_name
            if image.path is None or not image.path.is_file():
                log.error(target, "source image not available; only its labels were written", f"image {image.id}")
            else:
                place_image(image.path, target, image_mode)
            lines = yolo_label_lines(dataset, image)
            write_text_atomic(label_path_for(target), "\n".join(lines) + ("\n" if lines else ""))
    data: dict[str, Any] = {}
    if "" in folders:
        data["train"] = data["val"] = "images"
    else:
        for key, split in (("train", "train"), ("val", "valid"), ("test", "test")):
            if split in folders:
                data[key] = f"{split}/images"
        data.setdefault("train", data.get("val", data.get("test")))
        data.setdefault("val", data["train"])
    data["nc"] = len(dataset.categories)
    data["names"] = [category.name for category in dataset.categories]
    write_text_atomic(out / "data.yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return log.problems
