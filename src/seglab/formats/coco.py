"""COCO instance segmentation: single files and Roboflow's ``train/valid/test/_annotations.coco.json`` layout.

Reading keeps category ids as they are (they are stable), reads polygons and RLE (compressed or
not) and ``iscrowd``, and drops Roboflow's superclass category (id 0, no annotations, parent of
every other class) with a note. Writing emits polygons, or RLE when an instance has holes (COCO
polygons cannot express holes), and ``area`` counted on the mask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from seglab.core import Annotation, Category, Dataset, ImageRecord, Split
from seglab.formats._images import ImageCheck, is_file, probe_image
from seglab.formats._output import ImageMode, place_image, write_json_atomic
from seglab.formats._problems import FormatError, Problem, ProblemLog, Severity
from seglab.formats._reading import (
    LoadResult,
    PendingShape,
    check_polygons,
    collector_paused,
    escapes,
    is_int,
    read_each,
    read_json,
)
from seglab.formats._tracks import TRACK_ATTRIBUTE, frame_order
from seglab.geometry import (
    MultiPolygon,
    Polygon,
    Rle,
    Segmentation,
    polygons_from_flat,
    segmentation_to_rle,
    xyxy_to_xywh,
)

ROBOFLOW_ANNOTATION_FILE = "_annotations.coco.json"
SPLIT_FOLDERS: dict[str, Split] = {
    "train": Split.TRAIN,
    "valid": Split.VALID,
    "val": Split.VALID,
    "test": Split.TEST,
    "unassigned": Split.UNASSIGNED,
}
_IMAGE_FIELDS = {"id", "file_name", "width", "height"}


@dataclass
class _Part:
    """One COCO file as read: ids as they are in the file."""

    file: Path
    split: Split
    categories: list[Category] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


def is_coco_document(data: object) -> bool:
    return isinstance(data, dict) and {"images", "annotations", "categories"} <= data.keys()


def _read_categories(raw: object, file: Path, log: ProblemLog) -> list[Category]:
    if not isinstance(raw, list):
        raise FormatError.at(file, "'categories' must be a list")
    categories = []
    for index, item in enumerate(raw):
        try:
            categories.append(
                Category(
                    id=item["id"],
                    name=str(item["name"]),
                    supercategory=item.get("supercategory"),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            log.error(file, f"bad category ({error}); skipped", f"categories[{index}]")
    return categories


def _read_images(
    raw: object, file: Path, images_dir: Path, split: Split, check: ImageCheck, log: ProblemLog
) -> tuple[list[ImageRecord], dict[int, tuple[int, int]]]:
    """The image entries, and the real (decoded) size of each whose JSON size disagrees with its file."""
    if not isinstance(raw, list):
        raise FormatError.at(file, "'images' must be a list")
    images: list[ImageRecord] = []
    seen: set[object] = set()
    real_sizes: dict[int, tuple[int, int]] = {}
    for index, item in enumerate(raw):
        location = f"image {item.get('id')}" if isinstance(item, dict) and "id" in item else f"images[{index}]"
        if not isinstance(item, dict) or not item.keys() >= _IMAGE_FIELDS:
            log.error(file, f"image entry needs {sorted(_IMAGE_FIELDS)}; skipped", location)
            continue
        if not all(is_int(item[key]) for key in ("id", "width", "height")):
            log.error(file, "'id', 'width' and 'height' must be integers; image and its annotations skipped", location)
            continue
        if item["id"] in seen:
            log.error(file, f"duplicate image id {item['id']}; the second one and its annotations skipped", location)
            continue
        seen.add(item["id"])
        if escapes(str(item["file_name"])):
            log.error(file, f"file_name {item['file_name']!r} leads outside the dataset; image skipped", location)
            continue
        path = images_dir / str(item["file_name"])
        try:
            size = probe_image(path, check)
            record = ImageRecord(
                id=item["id"],
                file_name=str(item["file_name"]),
                width=item["width"],
                height=item["height"],
                split=split,
                path=path,
                metadata={k: v for k, v in item.items() if k not in _IMAGE_FIELDS},
            )
        except (ValueError, TypeError) as error:
            log.error(file, f"{error} ({path.name}); image and its annotations skipped", location)
            continue
        if size is not None and size != record.resolution_wh:
            real_sizes[record.id] = size
        images.append(record)
    return images, real_sizes


def _raw_extent(item: Mapping[str, Any]) -> tuple[float, float]:
    """How far right and down a raw annotation reaches (its polygons, RLE size or box)."""
    raw = item.get("segmentation")
    if isinstance(raw, dict) and isinstance(raw.get("size"), list) and len(raw["size"]) == 2:
        height, width = raw["size"]
        return float(width), float(height)
    values = (
        [v for ring in raw for v in ring] if isinstance(raw, list) and all(isinstance(r, list) for r in raw) else []
    )
    xs, ys = values[0::2], values[1::2]
    box = item.get("bbox")
    if isinstance(box, list) and len(box) == 4:
        xs, ys = [*xs, box[0] + box[2]], [*ys, box[1] + box[3]]
    numbers = [v for v in (*xs, *ys) if isinstance(v, int | float)]
    if len(numbers) != len(xs) + len(ys) or not xs:
        return 0.0, 0.0
    return float(max(xs)), float(max(ys))


def _settle_sizes(
    images: list[ImageRecord], real_sizes: dict[int, tuple[int, int]], raw: object, file: Path, log: ProblemLog
) -> list[ImageRecord]:
    """The file's pixels decide an image's size: a JSON size that disagrees is a warning when every
    annotation fits the real image (the image is kept at its real size), else an error (image skipped)."""
    if not real_sizes:
        return images
    reach: dict[int, tuple[float, float]] = {}
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and is_int(item.get("image_id")) and item["image_id"] in real_sizes:
            x, y = _raw_extent(item)
            old = reach.get(item["image_id"], (0.0, 0.0))
            reach[item["image_id"]] = (max(old[0], x), max(old[1], y))
    settled = []
    for image in images:
        real = real_sizes.get(image.id)
        if real is None:
            settled.append(image)
            continue
        said = f"{Path(image.file_name).name} is {real[0]}x{real[1]} but the JSON says {image.width}x{image.height}"
        x, y = reach.get(image.id, (0.0, 0.0))
        if x > real[0] + 1 or y > real[1] + 1:
            log.error(
                file,
                f"{said}, and its annotations reach {x:g},{y:g}; image and its annotations skipped",
                f"image {image.id}",
            )
            continue
        log.warning(file, f"{said}; its annotations fit the real size, which is kept", f"image {image.id}")
        settled.append(replace(image, width=real[0], height=real[1]))
    return settled


def _segmentation(
    item: Mapping[str, Any],
    built: Sequence[Polygon | None],
    image: ImageRecord,
    file: Path,
    log: ProblemLog,
    location: str,
) -> Segmentation | None:
    """The annotation's shape as read (polygons are validated later, all together).

    ``built``: its polygon rings as :func:`polygons_from_flat` built them; a ``None`` is read again alone, for
    the reason it is refused."""
    raw = item.get("segmentation")
    if isinstance(raw, dict):
        try:
            rle = Rle.from_coco(raw, what="RLE")
        except ValueError as error:
            log.error(file, f"{error}; annotation skipped", location)
            return None
        if (rle.width, rle.height) != image.resolution_wh:
            log.error(
                file,
                f"RLE is {rle.width}x{rle.height} but image {image.id} is {image.width}x{image.height}; "
                "annotation skipped",
                location,
            )
            return None
        return rle
    if built and all(polygon is not None for polygon in built):  # the common case: every ring was read in bulk
        return MultiPolygon(tuple(built))  # type: ignore[arg-type]
    parts, reasons = [], []
    for index, (ring, polygon) in enumerate(zip(raw if isinstance(raw, list) else [], built, strict=True)):
        try:
            parts.append(polygon if polygon is not None else Polygon.from_flat(ring, what=f"polygon part {index}"))
        except (ValueError, TypeError) as error:
            reasons.append(str(error))
    if not parts and raw in (None, []):
        parts = _box_as_polygon(item.get("bbox"), file, log, location)
    if not parts:
        reason = reasons[0] if reasons else "empty segmentation"
        log.error(file, f"no usable polygon ({reason}); annotation skipped", location)
        return None
    for reason in reasons:
        log.warning(file, f"{reason}; part dropped", location)
    return MultiPolygon(tuple(parts))


def _box_as_polygon(box: object, file: Path, log: ProblemLog, location: str) -> list[Polygon]:
    """Box-only annotations (COCO detection files) become rectangle polygons rather than being lost."""
    if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, int | float) for v in box)):
        return []
    x, y, w, h = (float(v) for v in box)
    if w <= 0 or h <= 0:
        return []
    log.warning(file, "no segmentation, only a box: kept as a rectangle polygon", location)
    return [Polygon.from_flat([x, y, x + w, y, x + w, y + h, x, y + h])]


def _build_polygons(raw: list[Any]) -> tuple[list[Polygon | None], list[int]]:
    """Every polygon ring of the file built in one pass, and where each annotation's rings start in that list."""
    rings: list[object] = []
    first_ring = [0]
    for item in raw:
        segmentation = item.get("segmentation") if isinstance(item, dict) else None
        if isinstance(segmentation, list):
            rings.extend(segmentation)
        first_ring.append(len(rings))
    return polygons_from_flat(rings), first_ring


def _read_annotations(
    raw: object, file: Path, images: Mapping[int, ImageRecord], categories: set[int], log: ProblemLog
) -> list[Annotation]:
    if not isinstance(raw, list):
        raise FormatError.at(file, "'annotations' must be a list")
    read: list[tuple[dict[str, Any], ImageRecord, Segmentation]] = []
    seen: set[int] = set()
    built, first_ring = _build_polygons(raw)
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not is_int(item.get("id")):
            log.error(file, "annotation without an integer 'id'; skipped", f"annotations[{index}]")
            continue
        location = f"annotation {item['id']}"
        if item["id"] in seen:
            log.error(file, f"duplicate annotation id {item['id']}; the second one skipped", location)
            continue
        seen.add(item["id"])
        image = images.get(item["image_id"]) if is_int(item.get("image_id")) else None
        if image is None:
            log.error(file, f"refers to image {item.get('image_id')!r}, which is not available; skipped", location)
            continue
        if not is_int(item.get("category_id")) or item["category_id"] not in categories:
            log.error(file, f"category id {item.get('category_id')!r} is not among the categories; skipped", location)
            continue
        rings = built[first_ring[index] : first_ring[index + 1]]
        segmentation = _segmentation(item, rings, image, file, log, location)
        if segmentation is not None:
            read.append((item, image, segmentation))
    polygons = [(i, s) for i, (_, _, s) in enumerate(read) if isinstance(s, MultiPolygon)]
    pending = [PendingShape(s, read[i][1].resolution_wh, file, f"annotation {read[i][0]['id']}") for i, s in polygons]
    checked: dict[int, Segmentation | None] = {
        i: shape for (i, _), shape in zip(polygons, check_polygons(pending, log), strict=True)
    }
    annotations = []
    for index, (item, image, segmentation) in enumerate(read):
        shape = checked.get(index, segmentation)
        if shape is None:
            continue
        try:
            annotations.append(
                Annotation(
                    id=item["id"],
                    image_id=image.id,
                    category_id=item["category_id"],
                    segmentation=shape,
                    iscrowd=bool(item.get("iscrowd", 0)),
                    confidence=item.get("score"),
                    source="import",
                    attributes=item.get("attributes") or {},
                )
            )
        except (TypeError, ValueError) as error:
            log.error(file, f"{error}; skipped", f"annotation {item['id']}")
    return annotations


def _read_part(file: Path, images_dir: Path | None, split: Split, check: ImageCheck, log: ProblemLog) -> _Part:
    data = read_json(file)
    if not is_coco_document(data):
        raise FormatError.at(file, "not a COCO file: needs 'images', 'annotations' and 'categories'")
    part = _Part(file, split)
    part.categories = _read_categories(data["categories"], file, log)
    folder = images_dir if images_dir is not None else guess_images_dir(file, data["images"])
    images, real_sizes = _read_images(data["images"], file, folder, split, check, log)
    part.images = _settle_sizes(images, real_sizes, data["annotations"], file, log)
    by_id = {image.id: image for image in part.images}
    part.annotations = _read_annotations(data["annotations"], file, by_id, {c.id for c in part.categories}, log)
    return part


def guess_images_dir(file: Path, raw_images: object) -> Path:
    """Where a COCO file's images are: beside it (Roboflow), or ``../<name>`` for ``instances_<name>.json``."""
    candidates = [file.parent, file.parent.parent / file.stem.removeprefix("instances_"), file.parent.parent / "images"]
    first = raw_images[0] if isinstance(raw_images, list) and raw_images else None
    if isinstance(first, dict) and "file_name" in first:
        for folder in candidates:
            if is_file(folder / str(first["file_name"])):
                return folder
    return file.parent


def _drop_roboflow_superclass(
    categories: list[Category], annotations: Sequence[Annotation], file: Path, log: ProblemLog
) -> list[Category]:
    """Roboflow exports add the project as category 0 (supercategory "none"), parent of every real class."""
    used = {a.category_id for a in annotations}
    for category in categories:
        others = [c for c in categories if c is not category]
        if (
            category.supercategory == "none"
            and category.id not in used
            and others
            and all(c.supercategory == category.name for c in others)
        ):
            log.info(
                file,
                f"dropped Roboflow's superclass category {category.id} {category.name!r} "
                "(it has no annotations; every other category belongs to it)",
            )
            return others
    return categories


def _merge(parts: list[_Part], log: ProblemLog) -> Dataset:
    """Combine split files. Ids are kept for a single file and renumbered when files are combined,
    since each Roboflow split file numbers its images from 0."""
    categories: dict[int, Category] = {}
    for part in parts:
        for category in part.categories:
            known = categories.setdefault(category.id, category)
            if known.name != category.name:
                log.error(
                    part.file, f"category {category.id} is {category.name!r} here but {known.name!r} in another split"
                )
    if len(parts) == 1:
        images, annotations = parts[0].images, parts[0].annotations
    else:
        images, annotations = [], []
        for part in parts:
            new_image_ids = {}
            for image in part.images:
                new_image_ids[image.id] = len(images)
                images.append(_renumber_image(image, len(images)))
            for annotation in part.annotations:
                annotations.append(
                    _renumber_annotation(annotation, len(annotations) + 1, new_image_ids[annotation.image_id])
                )
    kept = _drop_roboflow_superclass(list(categories.values()), annotations, parts[0].file.parent, log)
    return Dataset(sorted(kept, key=lambda c: c.id), images, annotations)


def _renumber_image(image: ImageRecord, new_id: int) -> ImageRecord:
    return replace(image, id=new_id, metadata={**image.metadata, "source_id": image.id})


def _renumber_annotation(annotation: Annotation, new_id: int, image_id: int) -> Annotation:
    return replace(annotation, id=new_id, image_id=image_id)


def find_coco_files(path: Path) -> list[tuple[Path, Split]]:
    """The COCO files that make up the dataset at ``path`` (a file, a Roboflow export, or a COCO folder)."""
    if path.is_file():
        return [(path, SPLIT_FOLDERS.get(path.parent.name, Split.UNASSIGNED))]
    found = []
    if (path / ROBOFLOW_ANNOTATION_FILE).is_file():
        found.append((path / ROBOFLOW_ANNOTATION_FILE, Split.UNASSIGNED))
    for folder, split in SPLIT_FOLDERS.items():
        if (path / folder / ROBOFLOW_ANNOTATION_FILE).is_file():
            found.append((path / folder / ROBOFLOW_ANNOTATION_FILE, split))
    for file in sorted((path / "annotations").glob("instances_*.json")):
        name = file.stem.removeprefix("instances_")
        split = next((s for prefix, s in SPLIT_FOLDERS.items() if name.startswith(prefix)), Split.UNASSIGNED)
        found.append((file, split))
    return found


def load_coco(
    path: Path,
    *,
    images_dir: Path | None = None,
    strict: bool = False,
    image_check: ImageCheck = ImageCheck.HEADER,
) -> LoadResult:
    """Read a COCO file, or a folder of them (Roboflow ``train/valid/test`` layout or ``annotations/``)."""
    log = ProblemLog(strict=strict)
    files = find_coco_files(path)
    if not files:
        raise FormatError.at(
            path,
            f"no COCO annotation file found (looked for {ROBOFLOW_ANNOTATION_FILE} and annotations/instances_*.json)",
        )
    split_of = dict(files)
    with collector_paused():
        parts = list(read_each(list(split_of), lambda f: _read_part(f, images_dir, split_of[f], image_check, log), log))
        if not parts:  # nothing readable at all: the first file's reason is the answer
            raise FormatError(next(p for p in log.problems if p.severity is Severity.ERROR))
        return LoadResult(_merge(parts, log), log.problems, "coco")


def _segmentation_json(annotation: Annotation, image: ImageRecord) -> list[list[float]] | dict[str, Any]:
    shape = annotation.segmentation
    if isinstance(shape, MultiPolygon) and not shape.has_holes and not annotation.iscrowd:
        return shape.to_coco()
    return segmentation_to_rle(shape, image.resolution_wh).to_coco()


def _video_fields(image: ImageRecord) -> dict[str, int]:
    """A frame's video and index, named as video datasets in COCO's layout (YouTube-VIS, TAO) name them."""
    if image.video_id is None:
        return {}
    return {"video_id": image.video_id, "frame_index": image.frame_index or 0}


def coco_document(dataset: Dataset, images: Sequence[ImageRecord]) -> dict[str, Any]:
    """The COCO JSON for ``images`` of ``dataset``: polygons, or RLE for holes and crowds; mask areas."""
    kept = {image.id for image in images}
    by_id = {image.id: image for image in images}
    annotations = []
    for annotation in dataset.annotations:
        if annotation.image_id not in kept:
            continue
        entry: dict[str, Any] = {
            "id": annotation.id,
            "image_id": annotation.image_id,
            "category_id": annotation.category_id,
            "segmentation": _segmentation_json(annotation, by_id[annotation.image_id]),
            "area": annotation.area,
            "bbox": [round(float(v), 3) for v in xyxy_to_xywh(annotation.bbox_xyxy)],
            "iscrowd": int(annotation.iscrowd),
        }
        if annotation.confidence is not None:
            entry["score"] = annotation.confidence
        attributes = dict(annotation.attributes)
        if annotation.track_id is not None:  # one object across a video's frames (read back as an attribute)
            attributes[TRACK_ATTRIBUTE] = annotation.track_id
        if attributes:
            entry["attributes"] = attributes
        annotations.append(entry)
    return {
        "info": {"description": "exported by seglab"},
        "licenses": [],
        "categories": [
            {"id": c.id, "name": c.name, "supercategory": c.supercategory or "none"} for c in dataset.categories
        ],
        "images": [
            {**dict(i.metadata), "id": i.id, "file_name": i.file_name, "width": i.width, "height": i.height}
            | _video_fields(i)
            for i in sorted(images, key=frame_order)
        ],
        "annotations": annotations,
    }


def split_folders(dataset: Dataset) -> dict[str, list[ImageRecord]]:
    """Images grouped by output folder: ``""`` (flat) when no image has a split, else one folder per split."""
    if all(image.split is Split.UNASSIGNED for image in dataset.images):
        return {"": list(dataset.images)}
    folders: dict[str, list[ImageRecord]] = {}
    for image in dataset.images:
        folders.setdefault(image.split.value, []).append(image)
    return folders


def save_coco(dataset: Dataset, out: Path, *, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Write Roboflow's COCO layout: ``<split>/_annotations.coco.json`` plus images (flat when unsplit)."""
    log = ProblemLog()
    for folder_name, images in split_folders(dataset).items():
        folder = out / folder_name
        for image in images:
            if image.path is None or not image.path.is_file():
                log.error(
                    folder / image.file_name,
                    "source image not available; only its annotations were written",
                    f"image {image.id}",
                )
            else:
                place_image(image.path, folder / image.file_name, image_mode)
        write_json_atomic(folder / ROBOFLOW_ANNOTATION_FILE, coco_document(dataset, images))
    return log.problems
