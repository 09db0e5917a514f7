"""YOLO segmentation (Ultralytics and Roboflow "YOLOv8/v11" exports).

Layout: a ``data.yaml`` with ``names`` and ``train``/``val``/``test`` image folders (or .txt lists);
each image ``.../images/x.jpg`` has a label file ``.../labels/x.txt`` with one instance per line:
``class x1 y1 x2 y2 ...``, coordinates normalised to [0, 1] by the image's displayed size.
Without a ``data.yaml`` (Ultralytics users often keep it elsewhere) the ``images/`` + ``labels/``
folders are found by their names (``images/train``, ``train/images`` or plain ``images``), class
names come from ``classes.txt`` or a ``*.names`` file, else ``class_0…``; ``names=`` overrides both.

Multi-part instances and holes: one line holds one ring, so on writing, parts and holes are joined
into a single ring by zero-width bridges (as Ultralytics' COCO converter does, see ``_rings``); on
reading, such rings are split back into parts and holes. A 5-value line (a detection box) becomes
a rectangle polygon. Class ids become ``0..N-1`` in category-id order, as Ultralytics requires.

Video frames: YOLO has no field for an object's track, so a ``tracks.json`` beside a split's ``images``/``labels``
folders lists the frames in order with each label line's track id (see ``_tracks``); read back as ``track_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import yaml

from seglab import atomic
from seglab.core import Annotation, Category, Dataset, ImageRecord, Split
from seglab.formats._images import ImageCheck, displayed_size, image_files
from seglab.formats._output import ImageMode, place_image
from seglab.formats._problems import FormatError, Problem, ProblemLog
from seglab.formats._reading import LoadResult, PendingShape, check_polygons
from seglab.formats._rings import join_rings
from seglab.formats._tracks import TRACK_ATTRIBUTE, YoloFrame, read_yolo_tracks, track_of, write_yolo_tracks
from seglab.formats.coco import split_folders
from seglab.geometry import MultiPolygon, Polygon, mask_to_polygon, ring_from_points

DATA_FILES = ("data.yaml", "data.yml", "dataset.yaml")
_SPLIT_KEYS = {"train": Split.TRAIN, "val": Split.VALID, "valid": Split.VALID, "test": Split.TEST}


def find_data_yaml(path: Path) -> Path | None:
    if path.is_file() and path.suffix in {".yaml", ".yml"}:
        return path
    return next((path / name for name in DATA_FILES if (path / name).is_file()), None)


def find_layout_images(root: Path) -> dict[Path, set[Split]]:
    """Images of a YOLO folder without ``data.yaml``: under every ``images`` folder that has a ``labels``
    sibling, each in the split its path names (``images/train/`` or ``train/images/``), else unassigned."""
    found: dict[Path, set[Split]] = {}
    if not root.is_dir():
        return found
    for images_dir in sorted(p for p in root.rglob("images") if p.is_dir()):
        if not (images_dir.parent / "labels").is_dir():
            continue
        for image in image_files(images_dir):
            names = image.relative_to(root).parts[:-1]
            splits = {_SPLIT_KEYS[n] for n in names if n in _SPLIT_KEYS}
            found[image] = splits or {Split.UNASSIGNED}
    return found


def is_yolo_layout(path: Path) -> bool:
    """An ``images``/``labels`` pair (possibly per split) with at least one label file."""
    if not path.is_dir():
        return False
    candidates = [path, *(path / name for name in ("train", "valid", "val", "test"))]
    return any(
        (c / "images").is_dir() and (c / "labels").is_dir() and any((c / "labels").rglob("*.txt")) for c in candidates
    )


def read_text_checked(file: Path) -> str:
    """A text file as UTF-8; bytes that are not raise ``FormatError`` naming the line."""
    data = file.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FormatError.at(file, f"not UTF-8 text ({error.reason} at byte {error.start})", f"line {line}") from None


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.safe_load`` without anchors/aliases: a few aliases can expand into gigabytes ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "YAML aliases are not allowed in dataset files", mark)
        return super().compose_node(parent, index)


def _read_yaml(file: Path) -> dict[str, Any]:
    text = read_text_checked(file)
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        location = f"line {mark.line + 1}" if mark is not None else None
        raise FormatError.at(file, f"malformed YAML ({getattr(error, 'problem', error)})", location) from None
    if not isinstance(data, dict) or "names" not in data:
        raise FormatError.at(file, "not a YOLO data file: needs 'names'")
    return data


def _categories(names: object, file: Path) -> list[Category]:
    if isinstance(names, list):
        pairs = list(enumerate(names))
    elif isinstance(names, dict) and all(isinstance(k, int) and not isinstance(k, bool) for k in names):
        pairs = sorted(names.items())
    else:
        raise FormatError.at(file, "'names' must be a list or a mapping of class index to name")
    empty = next((index for index, name in pairs if name is None or not str(name).strip()), None)
    if empty is not None:
        raise FormatError.at(file, f"class {empty} has an empty name", "names")
    return [Category(int(index), str(name)) for index, name in pairs]


def _names_file(root: Path) -> Path | None:
    """``classes.txt`` (YOLO-mark, labelImg, Roboflow's darknet export) or a darknet ``*.names`` file."""
    for candidate in [root / "classes.txt", *sorted(root.glob("*.names")), *sorted(root.glob("*/classes.txt"))]:
        if candidate.is_file():
            return candidate
    return None


def _inside(root: Path, target: Path) -> bool:
    return target == root or target.is_relative_to(root)


def _resolve_split_path(root: Path, value: str) -> Path:
    """Ultralytics' rules: relative to ``path`` (or the yaml folder), with Roboflow's ``../x`` accepted too."""
    candidate = (root / value).resolve()
    if value.startswith("../"):  # Roboflow writes ../train/images for train/ beside data.yaml
        inner = (root / value[3:]).resolve()
        if inner.exists() or not candidate.exists():
            return inner
    return candidate


def _split_images(root: Path, value: object, file: Path, log: ProblemLog) -> list[Path]:
    images: list[Path] = []
    base = root.resolve()
    for entry in value if isinstance(value, list) else [value]:
        location = str(entry)
        target = _resolve_split_path(root, str(entry))
        if PurePath(str(entry)).is_absolute() or not _inside(base, target):
            log.error(file, f"split path {entry} leads outside the dataset folder; not read", location)
        elif target.is_dir():
            images.extend(image_files(target))
        elif target.is_file() and target.suffix == ".txt":
            for line in read_text_checked(target).splitlines():
                listed = _resolve_split_path(target.parent, line.strip()) if line.strip() else None
                if listed is not None and _inside(base, listed):
                    images.append(listed)
                elif listed is not None:
                    log.error(target, f"{line.strip()} leads outside the dataset folder; not read", location)
        else:
            log.warning(file, f"split folder or list not found: {target}; the other splits are read", location)
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
            file,
            f"class id {values[0]:g} is out of range ({categories} classes); line skipped",
            location,
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
        with np.errstate(over="ignore"):  # 1e308 x the width is infinite: refused below as not finite
            pixels = coordinates.reshape(-1, 2) * [image.width, image.height]
        ring = ring_from_points(pixels, what="polygon")
    except ValueError as error:
        log.error(file, f"{error}; line skipped", location)
        return None
    return int(values[0]), MultiPolygon((Polygon._from_valid_rings(ring, ()),))


def _class_count(label_files: list[Path]) -> int:
    """One more than the highest class id in the label files (for ``class_N`` names without a names file)."""
    highest = -1
    for file in label_files:
        try:
            text = read_text_checked(file)
        except FormatError:
            continue  # reported when the file is read
        for line in text.splitlines():
            first = line.split(maxsplit=1)[0] if line.strip() else ""
            if first.isdigit():
                highest = max(highest, int(first))
    return highest + 1


def _layout_categories(root: Path, images: dict[Path, set[Split]], log: ProblemLog) -> list[Category]:
    """Classes of a folder without ``data.yaml``: ``classes.txt``/``*.names``, then ``class_N`` for any
    class id the labels use beyond those."""
    names_file = _names_file(root)
    listed = []
    if names_file is not None:
        listed = [line.strip() for line in read_text_checked(names_file).splitlines() if line.strip()]
    count = max(len(listed), _class_count([f for f in map(label_path_for, images) if f.is_file()]))
    if count > len(listed):
        log.info(root, f"classes {len(listed)}…{count - 1} have no name: called class_N (pass names to rename)")
    return [Category(index, listed[index] if index < len(listed) else f"class_{index}") for index in range(count)]


def _renamed(categories: list[Category], names: Sequence[str]) -> list[Category]:
    """``names`` replace the class names in class-id order; classes beyond them keep theirs."""
    count = max(len(categories), len(names))
    kept = [c.name for c in categories]
    return [Category(i, names[i] if i < len(names) else kept[i]) for i in range(count)]


def load_yolo(
    path: Path,
    *,
    strict: bool = False,
    image_check: ImageCheck = ImageCheck.HEADER,
    names: Sequence[str] | None = None,
) -> LoadResult:
    """Read a YOLO-seg dataset from its folder or its ``data.yaml``, or an ``images``/``labels`` folder
    without one; ``names`` (class names in class-id order) replaces the names the dataset gives."""
    log = ProblemLog(strict=strict)
    data_file = find_data_yaml(path)
    splits_of: dict[Path, set[Split]] = {}
    if data_file is not None:
        data = _read_yaml(data_file)
        categories = _categories(data["names"], data_file)
        root = data_file.parent
        if data.get("path"):
            chosen = _resolve_split_path(root, str(data["path"]))
            if _inside(root.resolve(), chosen):
                root = chosen
            else:
                log.warning(data_file, f"'path: {data['path']}' leads outside the dataset folder; ignored", "path")
        for key, split in _SPLIT_KEYS.items():
            if data.get(key):
                for image_path in _split_images(root, data[key], data_file, log):
                    splits_of.setdefault(image_path, set()).add(split)
    elif is_yolo_layout(path):
        root = path
        splits_of = find_layout_images(path)
        categories = _layout_categories(path, splits_of, ProblemLog() if names else log)  # names: no note
    else:
        raise FormatError.at(
            path, f"no YOLO data file ({', '.join(DATA_FILES)}) and no images/ + labels/ folders found"
        )
    if names:
        categories = _renamed(categories, names)
    check = ImageCheck.DECODE if image_check is ImageCheck.DECODE else ImageCheck.HEADER  # sizes are needed
    images: list[ImageRecord] = []
    read: list[tuple[int, int, int | None]] = []  # (image id, class index, track id), aligned with pending
    pending: list[PendingShape] = []
    tracks_in: dict[Path, dict[str, YoloFrame]] = {}  # a split folder's tracks.json, read once
    for image_path, splits in splits_of.items():
        split = _pick_split(image_path, splits)
        try:
            width, height = displayed_size(image_path, check)
        except ValueError as error:
            log.error(image_path, f"{error}; image skipped")
            continue
        name = _relative_name(image_path)
        folder = _split_folder(image_path)
        if folder not in tracks_in:
            tracks_in[folder] = read_yolo_tracks(folder, log)
        frame = tracks_in[folder].get(name)
        record = ImageRecord(
            len(images),
            name,
            width,
            height,
            split=split,
            path=image_path,
            video_id=frame.video_id if frame else None,
            frame_index=frame.frame_index if frame else None,
        )
        images.append(record)
        tracks = frame.track_ids if frame else []
        label_file = label_path_for(image_path)
        if not label_file.is_file():
            continue
        try:
            lines = read_text_checked(label_file).splitlines()
        except FormatError as error:
            log.error(label_file, f"{error.problem.message}; labels skipped", error.problem.location)
            continue
        for number, line in enumerate(lines, start=1):
            parsed = (
                _parse_line(line, len(categories), record, label_file, log, f"line {number}") if line.strip() else None
            )
            if parsed is not None:
                read.append((record.id, parsed[0], tracks[number - 1] if number <= len(tracks) else None))
                pending.append(PendingShape(parsed[1], record.resolution_wh, label_file, f"line {number}"))
    annotations: list[Annotation] = []
    for (image_id, class_index, track), shape in zip(
        read, check_polygons(pending, log, bridges_expected=True), strict=True
    ):
        if shape is not None:
            attributes = {TRACK_ATTRIBUTE: track} if track is not None else {}
            annotations.append(
                Annotation(
                    len(annotations) + 1,
                    image_id,
                    categories[class_index].id,
                    shape,
                    source="import",
                    attributes=attributes,
                )
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


def _split_folder(image_path: Path) -> Path:
    """The folder holding the ``images`` folder an image is under (a split's, or the dataset's)."""
    parts = image_path.parts
    if "images" not in parts:
        return image_path.parent
    return Path(*parts[: len(parts) - 1 - parts[::-1].index("images")])


def _report_orphan_labels(root: Path, used: set[Path], log: ProblemLog) -> None:
    for label_file in sorted(root.rglob("labels/**/*.txt")):
        if label_file not in used and label_file.stat().st_size > 0:
            log.error(label_file, "label file has no image in any split; skipped")


def _format_ring(ring: np.ndarray, width: int, height: int) -> str:
    normalised = np.clip(ring / [width, height], 0.0, 1.0)
    return " ".join(f"{v:.6f}".rstrip("0").rstrip(".") or "0" for v in normalised.ravel())


def yolo_label_lines(dataset: Dataset, image: ImageRecord) -> list[tuple[str, int | None]]:
    """The image's label lines, each with the track id of its annotation (for ``tracks.json``)."""
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
        line = f"{class_index[annotation.category_id]} {_format_ring(ring, image.width, image.height)}"
        lines.append((line, track_of(annotation)))
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
        frames: list[tuple[str, ImageRecord, list[int | None]]] = []
        for image in images:
            target = base / "images" / image.file_name
            if image.path is None or not image.path.is_file():
                log.error(target, "source image not available; only its labels were written", f"image {image.id}")
            else:
                place_image(image.path, target, image_mode)
            labelled = yolo_label_lines(dataset, image)
            lines = [line for line, _ in labelled]
            atomic.write_text(label_path_for(target), "\n".join(lines) + ("\n" if lines else ""), durable=True)
            frames.append((image.file_name, image, [track for _, track in labelled]))
        write_yolo_tracks(base, frames)
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
    atomic.write_text(out / "data.yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=True), durable=True)
    return log.problems
