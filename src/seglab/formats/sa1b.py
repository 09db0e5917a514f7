"""SA-1B / SAM JSON: one JSON per image (``{"image": {...}, "annotations": [...]}``) with RLE masks.

SA-1B is class-agnostic: every instance gets the single category ``object``. SAM's quality fields
(``predicted_iou``, ``stability_score``, ``point_coords``, ``crop_box``) are kept as attributes. A video frame's
image names its ``video_id`` and ``frame_index``, and each of its annotations its ``track_id`` (the object across
frames; read back as the attribute ``track_id``).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from seglab.core import Annotation, Category, Dataset, ImageRecord
from seglab.formats._images import ImageCheck, probe_image
from seglab.formats._output import ImageMode, place_image, write_json_atomic
from seglab.formats._problems import FormatError, Problem, ProblemLog
from seglab.formats._reading import LoadResult, escapes, is_int, read_each, read_json
from seglab.formats._tracks import TRACK_ATTRIBUTE, read_track, track_of
from seglab.geometry import Rle, segmentation_to_rle, xyxy_to_xywh

OBJECT_CATEGORY = Category(1, "object")
_SAM_FIELDS = ("predicted_iou", "stability_score", "point_coords", "crop_box")


def is_sa1b_document(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("image"), dict) and isinstance(data.get("annotations"), list)


def find_sa1b_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.json") if p.name != "data.json")


def _read_file(
    file: Path, check: ImageCheck, log: ProblemLog, image_id: int, first_annotation_id: int
) -> tuple[ImageRecord, list[Annotation]] | None:
    data = read_json(file)
    if not is_sa1b_document(data):
        raise FormatError.at(file, "not an SA-1B file: needs an 'image' object and an 'annotations' list")
    meta = data["image"]
    name = str(meta.get("file_name", file.with_suffix(".jpg").name))
    if escapes(name):
        raise FormatError.at(file, f"file_name {name!r} leads outside the dataset")
    image_path = file.parent / name
    declared = (meta.get("width"), meta.get("height"))
    try:
        if any(v is not None and not is_int(v) for v in declared):
            raise ValueError(f"width/height must be integers, got {declared[0]!r}/{declared[1]!r}")
        size = probe_image(image_path, check)
        width, height = size or (int(declared[0] or 0), int(declared[1] or 0))
        if size is not None and None not in declared and size != declared:
            raise ValueError(f"the file is {size[0]}x{size[1]} but the JSON says {declared[0]}x{declared[1]}")
        record = ImageRecord(
            image_id, image_path.name, width, height, path=image_path, metadata={"source_id": meta.get("image_id")}
        )
    except (ValueError, TypeError) as error:
        log.error(file, f"{error} ({image_path.name}); image skipped")
        return None
    annotations: list[Annotation] = []
    for index, item in enumerate(data["annotations"]):
        location = f"annotation {item.get('id', index)}" if isinstance(item, dict) else f"annotations[{index}]"
        try:
            rle = Rle.from_coco(item["segmentation"], what="RLE")
        except (KeyError, TypeError, ValueError) as error:
            log.error(file, f"bad RLE segmentation ({error}); skipped", location)
            continue
        if (rle.width, rle.height) != record.resolution_wh:
            log.error(
                file, f"RLE is {rle.width}x{rle.height}, image is {record.width}x{record.height}; skipped", location
            )
            continue
        attributes = {key: item[key] for key in _SAM_FIELDS if key in item}
        track = read_track(item.get(TRACK_ATTRIBUTE))
        if track is not None:
            attributes[TRACK_ATTRIBUTE] = track
        annotations.append(
            Annotation(
                first_annotation_id + len(annotations),
                image_id,
                OBJECT_CATEGORY.id,
                rle,
                source="import",
                attributes=attributes,
            )
        )
    return record, annotations


def load_sa1b(path: Path, *, strict: bool = False, image_check: ImageCheck = ImageCheck.HEADER) -> LoadResult:
    """Read an SA-1B JSON file or a folder of them (images beside their JSON)."""
    log = ProblemLog(strict=strict)
    files = find_sa1b_files(path)
    if not files:
        raise FormatError.at(path, "no SA-1B JSON files found")
    images: list[ImageRecord] = []
    annotations: list[Annotation] = []
    read_one = partial(_read_file, check=image_check, log=log)
    for record, found in read_each(
        files, lambda f: read_one(f, image_id=len(images), first_annotation_id=len(annotations) + 1), log
    ):
        images.append(record)
        annotations.extend(found)
    return LoadResult(Dataset([OBJECT_CATEGORY], images, annotations), log.problems, "sa1b")


def sa1b_document(dataset: Dataset, image: ImageRecord) -> dict[str, Any]:
    entries = []
    for annotation in dataset.annotations_of(image.id):
        rle = segmentation_to_rle(annotation.segmentation, image.resolution_wh)
        entries.append(
            {
                "id": annotation.id,
                "segmentation": rle.to_coco(),
                "bbox": [float(v) for v in xyxy_to_xywh(annotation.bbox_xyxy)],
                "area": annotation.area,
                **{key: annotation.attributes[key] for key in _SAM_FIELDS if key in annotation.attributes},
                **({TRACK_ATTRIBUTE: track} if (track := track_of(annotation)) is not None else {}),
            }
        )
    meta: dict[str, Any] = {
        "image_id": image.id,
        "width": image.width,
        "height": image.height,
        "file_name": image.file_name,
    }
    if image.video_id is not None:
        meta |= {"video_id": image.video_id, "frame_index": image.frame_index or 0}
    return {"image": meta, "annotations": entries}


def save_sa1b(dataset: Dataset, out: Path, *, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Write each image with its SA-1B JSON beside it (class names are not part of SA-1B)."""
    log = ProblemLog()
    for image in dataset.images:
        target = out / image.file_name
        if image.path is None or not image.path.is_file():
            log.error(target, "source image not available; only its JSON was written", f"image {image.id}")
        else:
            place_image(image.path, target, image_mode)
        write_json_atomic(target.with_suffix(".json"), sa1b_document(dataset, image))
    if len(dataset.categories) > 1:
        log.info(out, f"SA-1B has no classes: the {len(dataset.categories)} category names were not written")
    return log.problems
