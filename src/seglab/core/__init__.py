"""The data model as plain, validated types: categories, images, annotations and in-memory datasets.

Its names load on first use (see :mod:`seglab.lazy`): categories, images and progress load without NumPy and the
geometry that annotations need.
"""

import typing

from seglab.lazy import lazy_attribute

if typing.TYPE_CHECKING:
    from seglab.core._annotation import Annotation
    from seglab.core._annotations import Annotations
    from seglab.core._category import DEFAULT_PALETTE, Category, distinct_color, match_categories
    from seglab.core._dataset import Dataset
    from seglab.core._image import ImageRecord, ImageStatus, Split
    from seglab.core._progress import Progress, no_progress
    from seglab.core._supervision import annotations_to_detections, dataset_to_detections

_EXPORTS = {
    "Annotation": "seglab.core._annotation",
    "Annotations": "seglab.core._annotations",
    "Category": "seglab.core._category",
    "DEFAULT_PALETTE": "seglab.core._category",
    "Dataset": "seglab.core._dataset",
    "ImageRecord": "seglab.core._image",
    "ImageStatus": "seglab.core._image",
    "Progress": "seglab.core._progress",
    "Split": "seglab.core._image",
    "annotations_to_detections": "seglab.core._supervision",
    "dataset_to_detections": "seglab.core._supervision",
    "distinct_color": "seglab.core._category",
    "match_categories": "seglab.core._category",
    "no_progress": "seglab.core._progress",
}
"""Each name the package offers, and the module it comes from (imported on first use)."""


def __getattr__(name: str) -> typing.Any:
    return lazy_attribute(__name__, _EXPORTS, name)


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
    "distinct_color",
    "match_categories",
    "no_progress",
]
