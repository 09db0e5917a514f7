"""The data model as plain, validated types: categories, images, annotations and in-memory datasets."""

from seglab.core._annotation import Annotation
from seglab.core._annotations import Annotations
from seglab.core._category import DEFAULT_PALETTE, Category, default_color, match_categories
from seglab.core._dataset import Dataset
from seglab.core._image import ImageRecord, ImageStatus, Split
from seglab.core._progress import Progress, no_progress
from seglab.core._supervision import annotations_to_detections, dataset_to_detections

__all__ = [
    "DEFAULT_PALETTE",
    "Annotation",
    "Annotations",
    "Category",
    "Dataset",
    "ImageRecord",
    "ImageStatus",
    "Progress",
    "Split",
    "annotations_to_detections",
    "dataset_to_detections",
    "default_color",
    "match_categories",
    "no_progress",
]
