"""Dataset formats: pure ``load_*`` / ``save_*`` functions over ``seglab.core``, a registry and detection.

Readers never raise for bad items: they skip or repair them and return :class:`Problem` records
naming the file and line or annotation id (``strict=True`` raises :class:`FormatError` instead).
"""

from seglab.formats._archive import extract_zip
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
from seglab.formats.coco import load_coco, save_coco
from seglab.formats.inspect import CategorySummary, DatasetReport, inspect_dataset
from seglab.formats.labelme import load_labelme, save_labelme
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
    "detect_format",
    "displayed_size",
    "extract_zip",
    "formats",
    "image_files",
    "inspect_dataset",
    "load_coco",
    "load_dataset",
    "load_labelme",
    "load_sa1b",
    "load_yolo",
    "save_coco",
    "save_dataset",
    "save_labelme",
    "save_sa1b",
    "save_yolo",
    "turned_by_exif",
    "writable_formats",
]
