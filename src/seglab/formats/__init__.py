"""Dataset formats: pure ``load_*`` / ``save_*`` functions over ``seglab.core``, a registry and detection.

Readers never raise for bad items: they skip or repair them and return :class:`Problem` records
naming the file and line or annotation id (``strict=True`` raises :class:`FormatError` instead).
"""

from seglab.formats._archive import archive_stem, extract_archive, extract_zip, is_archive
from seglab.formats._images import IMAGE_EXTENSIONS, ImageCheck, displayed_size, image_files, turned_by_exif
from seglab.formats._output import ImageMode
from seglab.formats._problems import FormatError, Problem, Severity
from seglab.formats._reading import LoadResult
from seglab.formats._registry import (
    DatasetFormat,
    detect_format,
    formats,
    load_dataset,
    save_dataset,
    writable_formats,
)
from seglab.formats._zipout import stream_folder, write_zip_atomic
from seglab.formats.coco import load_coco, save_coco
from seglab.formats.cvat import load_cvat, save_cvat
from seglab.formats.inspect import CategorySummary, DatasetReport, inspect_dataset
from seglab.formats.labelme import load_labelme, save_labelme
from seglab.formats.masks import load_masks, save_masks, save_semantic_masks
from seglab.formats.sa1b import load_sa1b, save_sa1b
from seglab.formats.yolo import load_yolo, save_yolo

__all__ = [
    "IMAGE_EXTENSIONS",
    "CategorySummary",
    "DatasetFormat",
    "DatasetReport",
    "FormatError",
    "ImageCheck",
    "ImageMode",
    "LoadResult",
    "Problem",
    "Severity",
    "archive_stem",
    "detect_format",
    "displayed_size",
    "extract_archive",
    "extract_zip",
    "formats",
    "image_files",
    "inspect_dataset",
    "is_archive",
    "load_coco",
    "load_cvat",
    "load_dataset",
    "load_labelme",
    "load_masks",
    "load_sa1b",
    "load_yolo",
    "save_coco",
    "save_cvat",
    "save_dataset",
    "save_labelme",
    "save_masks",
    "save_sa1b",
    "save_semantic_masks",
    "save_yolo",
    "stream_folder",
    "turned_by_exif",
    "writable_formats",
    "write_zip_atomic",
]
