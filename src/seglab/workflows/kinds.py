"""Kinds: what a value flowing between steps is, in Roboflow's names, so the compiler can refuse a wrong connection."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Kind(StrEnum):
    WILDCARD = "*"
    IMAGE = "image"
    INSTANCE_SEGMENTATION = "instance_segmentation_prediction"
    OBJECT_DETECTION = "object_detection_prediction"
    INTEGER = "integer"
    FLOAT = "float"
    FLOAT_ZERO_TO_ONE = "float_zero_to_one"
    BOOLEAN = "boolean"
    STRING = "string"
    LIST_OF_VALUES = "list_of_values"
    DICTIONARY = "dictionary"
    ROBOFLOW_MODEL_ID = "roboflow_model_id"
    CLASSIFICATION = "classification_prediction"
    LANGUAGE_MODEL_OUTPUT = "language_model_output"
    VIDEO_METADATA = "video_metadata"


DETECTIONS = (Kind.INSTANCE_SEGMENTATION, Kind.OBJECT_DETECTION)
"""Both detection kinds: seglab's detections always carry masks, but boxes-only blocks accept either."""

BATCH_KINDS = frozenset({Kind.IMAGE, *DETECTIONS, Kind.CLASSIFICATION})
"""Kinds that exist once per image (or per crop): fields of these kinds decide how often a step runs."""

_ACCEPTS: dict[Kind, frozenset[Kind]] = {
    Kind.FLOAT: frozenset({Kind.FLOAT, Kind.FLOAT_ZERO_TO_ONE, Kind.INTEGER}),
    Kind.FLOAT_ZERO_TO_ONE: frozenset({Kind.FLOAT_ZERO_TO_ONE, Kind.FLOAT}),
    Kind.STRING: frozenset({Kind.STRING, Kind.ROBOFLOW_MODEL_ID}),
    Kind.ROBOFLOW_MODEL_ID: frozenset({Kind.ROBOFLOW_MODEL_ID, Kind.STRING}),
}


def parse_kinds(names: Iterable[object]) -> frozenset[Kind]:
    """Kinds named in a definition (``{"name": "image"}`` objects or plain names); unknown ones count as any."""
    found: set[Kind] = set()
    for item in names:
        name = item.get("name") if isinstance(item, dict) else item
        try:
            found.add(Kind(str(name)))
        except ValueError:
            found.add(Kind.WILDCARD)
    return frozenset(found) or frozenset({Kind.WILDCARD})


def compatible(accepted: Iterable[Kind], actual: Iterable[Kind]) -> bool:
    """Whether data of any of the ``actual`` kinds may go where ``accepted`` kinds are expected."""
    accepted, actual = frozenset(accepted), frozenset(actual)
    if Kind.WILDCARD in accepted or Kind.WILDCARD in actual or not accepted or not actual:
        return True
    widened = set().union(*(_ACCEPTS.get(kind, frozenset({kind})) for kind in accepted))
    return bool(widened & actual)
