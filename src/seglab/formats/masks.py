"""Mask PNGs: one PNG per image whose pixel values say which class (or instance) covers each pixel.

Layout (Roboflow's "Semantic Segmentation Masks" export, also what seglab writes): in the dataset
folder or in ``train/valid/test`` folders, ``<name>.jpg`` beside ``<name>_mask.png`` and one
``_classes.csv`` (``Pixel Value, Class``; value 0 is the background). Two encodings, one reader:

- **semantic** (8-bit, Roboflow): value = class. Instances are the 8-connected components of each
  class, or all of a class's pixels as one instance with ``one_instance_per_class``.
- **instance** (16-bit, seglab's ``mask-png``): value = ``class * 1000 + instance`` (the convention of
  Cityscapes' ``instanceIds`` PNGs), so touching instances, instances in several parts and holes all
  survive; values under 1000 are read as classes, as above.

Read instances are RLE, so a round trip through either encoding is pixel-exact where instances do not
overlap (a PNG holds one value per pixel: the later instance wins, and the writer says so). Class
values are the category's position plus one; without ``_classes.csv`` classes are named ``class_N``
(``names=`` renames them).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from seglab import atomic
from seglab.core import Annotation, Category, Dataset, ImageRecord, Split
from seglab.formats._images import ImageCheck, displayed_size, image_files, open_untrusted
from seglab.formats._output import ImageMode, place_image
from seglab.formats._problems import FormatError, Problem, ProblemLog
from seglab.formats._reading import LoadResult
from seglab.formats.coco import SPLIT_FOLDERS, split_folders
from seglab.geometry import Rle, segmentation_to_mask

CLASSES_FILE = "_classes.csv"
MASK_SUFFIX = "_mask.png"
INSTANCE_BASE = 1000
"""Instance PNG values are ``class * INSTANCE_BASE + instance``; lower values are plain classes."""
_MAX_INSTANCE_CLASS = np.iinfo(np.uint16).max // INSTANCE_BASE  # 65 classes fit in 16 bits
_INSTANCE_MODES = frozenset({"I;16", "I;16B", "I;16L", "I"})


def mask_path_for(image: Path) -> Path:
    return image.with_name(f"{image.stem}{MASK_SUFFIX}")


def _folders(path: Path) -> list[tuple[Path, Split]]:
    """The dataset folder and its split folders that hold masks or a classes file."""
    if not path.is_dir():
        return []
    candidates = [(path, Split.UNASSIGNED), *((path / name, split) for name, split in SPLIT_FOLDERS.items())]
    return [
        (folder, split)
        for folder, split in candidates
        if folder.is_dir() and ((folder / CLASSES_FILE).is_file() or any(folder.glob(f"*{MASK_SUFFIX}")))
    ]


def first_mask(path: Path) -> Path | None:
    """One mask file of the dataset at ``path`` (for detection), or ``None`` when it is not a mask dataset."""
    for folder, _ in _folders(path):
        found = next(iter(sorted(folder.glob(f"*{MASK_SUFFIX}"))), None)
        if found is not None:
            return found
    return None


def is_instance_mask(mask_file: Path) -> bool:
    """Whether a mask PNG holds 16-bit values (seglab's instance encoding) rather than 8-bit classes."""
    try:
        with open_untrusted(mask_file) as image:
            return image.mode in _INSTANCE_MODES
    except (OSError, ValueError):
        return False


def _read_classes(file: Path) -> dict[int, str]:
    """``_classes.csv``: ``Pixel Value, Class`` rows (Roboflow writes a space after the comma)."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError.at(file, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    try:
        rows = list(csv.reader(io.StringIO(text), skipinitialspace=True))
    except csv.Error as error:  # a stray carriage return or NUL inside a field
        raise FormatError.at(file, f"not a readable CSV file ({error})") from None
    classes: dict[int, str] = {}
    for number, row in enumerate(rows, start=1):
        if not row or (number == 1 and not row[0].strip().isdigit()):
            continue  # blank line or the header
        if len(row) < 2 or not row[0].strip().isdigit() or not row[1].strip():
            raise FormatError.at(file, "expected 'pixel value, class name'", f"line {number}")
        value = int(row[0])
        if value in classes:
            raise FormatError.at(file, f"pixel value {value} is listed twice", f"line {number}")
        classes[value] = row[1].strip()
    return classes


def _categories(
    folders: list[tuple[Path, Split]], names: Sequence[str] | None, values: set[int], log: ProblemLog
) -> list[Category]:
    """Categories by class value (0, the background, is none): from ``_classes.csv``, ``names`` or ``class_N``."""
    classes: dict[int, str] = {}
    for folder, _ in folders:
        file = folder / CLASSES_FILE
        if not file.is_file():
            continue
        for value, name in _read_classes(file).items():
            if classes.setdefault(value, name) != name:
                log.error(file, f"pixel value {value} is {name!r} here but {classes[value]!r} in another split")
    if names:
        classes = {index + 1: name for index, name in enumerate(names)}
    elif not classes:
        classes = {value: f"class_{value}" for value in sorted(values)}
        if classes:
            log.info(folders[0][0], f"no {CLASSES_FILE}: classes named class_N by pixel value (pass names to rename)")
    return [Category(value, name) for value, name in sorted(classes.items()) if value != 0]


def _mask_values(mask_file: Path, image_path: Path, size: tuple[int, int]) -> npt.NDArray[np.int64]:
    """The mask's values as integers, once its header shows the size of its image ``size`` (a mask of another
    size, a bomb among them, is refused before it is decoded); ``FormatError`` for colour masks, which this format
    does not use."""
    try:
        with open_untrusted(mask_file) as image:
            if image.size != size:
                raise FormatError.at(
                    mask_file,
                    f"mask is {image.size[0]}x{image.size[1]} but its image {image_path.name} is {size[0]}x{size[1]}",
                )
            if image.mode in ("RGB", "RGBA"):
                array = np.asarray(image.convert("RGB"))
                if not (np.array_equal(array[..., 0], array[..., 1]) and np.array_equal(array[..., 0], array[..., 2])):
                    raise FormatError.at(mask_file, "colour mask: expected grey values (pixel value = class)")
                return array[..., 0].astype(np.int64)
            if image.mode in ("L", "1", "P", *_INSTANCE_MODES):  # "P": the palette index is the class
                return np.asarray(image).astype(np.int64)
            return np.asarray(image.convert("I")).astype(np.int64)
    except (OSError, ValueError) as error:
        if isinstance(error, FormatError):
            raise
        raise FormatError.at(mask_file, f"not a readable PNG ({error})") from None


def _instances(values: npt.NDArray[np.int64], one_per_class: bool) -> list[tuple[int, npt.NDArray[np.bool_]]]:
    """``(class value, mask)`` of every instance in a mask: instance values as they are, class values
    split into connected components (or kept whole with ``one_per_class``)."""
    found: list[tuple[int, npt.NDArray[np.bool_]]] = []
    # instances in the order they were numbered (which is the order they were written), then plain classes
    order = sorted(np.unique(values).tolist(), key=lambda v: (v < INSTANCE_BASE, v % INSTANCE_BASE, v))
    for value in order:
        if value == 0:
            continue
        pixels = values == value
        if value >= INSTANCE_BASE or one_per_class:
            found.append((value // INSTANCE_BASE if value >= INSTANCE_BASE else value, pixels))
            continue
        count, labels = cv2.connectedComponents(pixels.astype(np.uint8), connectivity=8)
        found.extend((value, labels == label) for label in range(1, count))
    return found


def load_masks(
    path: Path,
    *,
    strict: bool = False,
    image_check: ImageCheck = ImageCheck.HEADER,
    names: Sequence[str] | None = None,
    one_instance_per_class: bool = False,
) -> LoadResult:
    """Read a mask-PNG dataset (Roboflow semantic masks or seglab's instance masks) from its folder."""
    log = ProblemLog(strict=strict)
    folders = _folders(path)
    if not folders:
        raise FormatError.at(path, f"no mask PNGs (*{MASK_SUFFIX}) or {CLASSES_FILE} found")
    check = ImageCheck.DECODE if image_check is ImageCheck.DECODE else ImageCheck.HEADER  # sizes are needed
    images: list[ImageRecord] = []
    read: list[tuple[int, int, npt.NDArray[np.bool_], Path]] = []  # image id, class value, pixels, mask file
    instance_encoded = False
    for folder, split in folders:
        masks = set(folder.glob(f"*{MASK_SUFFIX}"))
        pictures = [p for p in image_files(folder) if p.parent == folder and not p.name.endswith(MASK_SUFFIX)]
        for image_path in pictures:
            mask_file = mask_path_for(image_path)
            masks.discard(mask_file)
            try:
                width, height = displayed_size(image_path, check)
            except ValueError as error:
                log.error(image_path, f"{error}; image skipped")
                continue
            if not mask_file.is_file():
                log.warning(image_path, f"no {mask_file.name} beside it; image kept without annotations")
                values = None
            else:
                try:
                    values = _mask_values(mask_file, image_path, (width, height))
                except FormatError as error:
                    log.error(mask_file, f"{error.problem.message}; image and mask skipped")
                    continue
            record = ImageRecord(len(images), image_path.name, width, height, split=split, path=image_path)
            images.append(record)
            if values is not None:
                instance_encoded |= bool((values >= INSTANCE_BASE).any())
                read.extend(
                    (record.id, value, pixels, mask_file)
                    for value, pixels in _instances(values, one_instance_per_class)
                )
        for orphan in sorted(masks):
            log.error(orphan, "mask without its image; skipped")
    categories = _categories(folders, names, {value for _, value, _, _ in read}, log)
    known = {category.id for category in categories}
    annotations: list[Annotation] = []
    for image_id, value, pixels, mask_file in read:
        if value not in known:
            log.error(mask_file, f"pixel value {value} is not a known class; its pixels skipped")
            continue
        annotations.append(Annotation(len(annotations) + 1, image_id, value, Rle.from_mask(pixels), source="import"))
    kind = "mask-png" if instance_encoded else "mask-png-semantic"
    return LoadResult(Dataset(categories, images, annotations), log.problems, kind)


def _classes_csv(dataset: Dataset) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Pixel Value", " Class"])
    writer.writerow([0, " background"])
    writer.writerows([index + 1, f" {category.name}"] for index, category in enumerate(dataset.categories))
    return buffer.getvalue()


def _paint(
    dataset: Dataset, image: ImageRecord, instances: bool, log: ProblemLog, file: Path
) -> npt.NDArray[np.uint16]:
    """The image's mask: each annotation painted in order (a later one covers an earlier one where they overlap)."""
    class_value = {category.id: index + 1 for index, category in enumerate(dataset.categories)}
    canvas = np.zeros((image.height, image.width), dtype=np.uint16)
    painted: list[tuple[Annotation, npt.NDArray[np.bool_], int]] = []
    for number, annotation in enumerate(dataset.annotations_of(image.id), start=1):
        value = class_value[annotation.category_id]
        if instances:
            if number >= INSTANCE_BASE:
                log.error(
                    file, f"more than {INSTANCE_BASE - 1} instances; annotation skipped", f"annotation {annotation.id}"
                )
                continue
            value = value * INSTANCE_BASE + number
        pixels = segmentation_to_mask(annotation.segmentation, image.resolution_wh)
        if not pixels.any():
            log.error(file, "covers no whole pixel; not in the mask", f"annotation {annotation.id}")
            continue
        canvas[pixels] = value
        painted.append((annotation, pixels, value))
    for annotation, pixels, value in painted:
        hidden = int(np.count_nonzero(pixels & (canvas != value)))
        if hidden == int(np.count_nonzero(pixels)):
            log.error(file, "entirely covered by later, overlapping instances; lost", f"annotation {annotation.id}")
        elif hidden:
            log.warning(
                file,
                f"{hidden} of its pixels are covered by a later, overlapping instance (a mask PNG holds one value per "
                "pixel)",
                f"annotation {annotation.id}",
            )
    return canvas


def _save(dataset: Dataset, out: Path, image_mode: ImageMode, instances: bool) -> list[Problem]:
    log = ProblemLog()
    limit = _MAX_INSTANCE_CLASS if instances else 255
    if len(dataset.categories) > limit:
        raise FormatError.at(out, f"{len(dataset.categories)} classes do not fit this mask encoding (at most {limit})")
    for folder_name, images in split_folders(dataset).items():
        folder = out / folder_name
        atomic.write_text(folder / CLASSES_FILE, _classes_csv(dataset), durable=True)
        for image in images:
            target = folder / Path(image.file_name).name
            if image.path is None or not image.path.is_file():
                log.error(target, "source image not available; only its mask was written", f"image {image.id}")
            else:
                place_image(image.path, target, image_mode)
            mask_file = mask_path_for(target)
            canvas = _paint(dataset, image, instances, log, mask_file)
            pixels = Image.fromarray(canvas if instances else canvas.astype(np.uint8))
            staging = mask_file.with_suffix(".tmp.png")
            pixels.save(staging, format="PNG")
            staging.replace(mask_file)
    return log.problems


def save_masks(dataset: Dataset, out: Path, *, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Instance mask PNGs (16-bit, ``class * 1000 + instance``): every instance, part and hole kept."""
    return _save(dataset, out, image_mode, instances=True)


def save_semantic_masks(dataset: Dataset, out: Path, *, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Roboflow's semantic masks (8-bit, value = class): instances of a class merge where they touch."""
    return _save(dataset, out, image_mode, instances=False)
