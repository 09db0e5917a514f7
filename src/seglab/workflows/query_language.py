"""Roboflow's query language, as detections filters, property definitions and ``continue_if`` use it.

Operations (``SequenceLength``, ``DetectionsPropertyExtract``, ``DetectionsFilter``, ...) transform a value
in a chain; statements (``StatementGroup`` of ``BinaryStatement``/``UnaryStatement`` over ``StaticOperand``/
``DynamicOperand``) evaluate to a boolean. Definitions written for Roboflow parse here unchanged (the
legacy ``ops`` key of operands included); seglab adds the detection property ``area`` (mask pixels)
beside Roboflow's ``size`` (box area).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from seglab.workflows.values import VideoMetadata, WorkflowImage, is_detections

DEFAULT_OPERAND = "_"
"""The name a detections filter gives the detection under test."""

DetectionProperty = Literal[
    "confidence",
    "class_name",
    "class_id",
    "x_min",
    "y_min",
    "x_max",
    "y_max",
    "size",
    "area",
    "area_px",
    "area_converted",
    "width",
    "height",
    "center",
    "top_left",
    "top_right",
    "bottom_left",
    "bottom_right",
    "detection_id",
    "parent_id",
]


class _Operation(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SequenceLength(_Operation):
    type: Literal["SequenceLength"]


class DetectionsPropertyExtract(_Operation):
    type: Literal["DetectionsPropertyExtract"]
    property_name: DetectionProperty


class ExtractDetectionProperty(_Operation):
    type: Literal["ExtractDetectionProperty"]
    property_name: DetectionProperty


class DetectionsFilterOperation(_Operation):
    type: Literal["DetectionsFilter"]
    filter_operation: StatementGroup


class SortDetections(_Operation):
    type: Literal["SortDetections"]
    mode: Literal["confidence", "x_min", "x_max", "y_min", "y_max", "size", "area", "center_x", "center_y"]
    ascending: bool = True


class SequenceElementsCount(_Operation):
    type: Literal["SequenceElementsCount"]


class NumericSequenceAggregate(_Operation):
    type: Literal["NumericSequenceAggregate"]
    function: Literal["min", "max", "sum", "avg"]
    neutral_value: Any = None


class SequenceAggregate(_Operation):
    type: Literal["SequenceAggregate"]
    mode: Literal["first", "last", "most_common", "least_common"]


class ToNumber(_Operation):
    type: Literal["ToNumber"]
    cast_to: Literal["int", "float"]


class NumberRound(_Operation):
    type: Literal["NumberRound"]
    decimal_digits: int


class ToString(_Operation):
    type: Literal["ToString"]


class ToBoolean(_Operation):
    type: Literal["ToBoolean"]


class StringToLowerCase(_Operation):
    type: Literal["StringToLowerCase"]


class StringToUpperCase(_Operation):
    type: Literal["StringToUpperCase"]


class LookupTable(_Operation):
    type: Literal["LookupTable"]
    lookup_table: dict[str, Any]


class Multiply(_Operation):
    type: Literal["Multiply"]
    other: float


class Divide(_Operation):
    type: Literal["Divide"]
    other: float


class ClassificationPropertyExtract(_Operation):
    type: Literal["ClassificationPropertyExtract"]
    property_name: Literal[
        "top_class", "top_class_confidence", "top_class_confidence_single", "all_classes", "all_confidences"
    ]


class DetectionsOffset(_Operation):
    type: Literal["DetectionsOffset"]
    offset_x: int
    offset_y: int


class DetectionsSelection(_Operation):
    type: Literal["DetectionsSelection"]
    mode: Literal["left_most", "right_most", "top_confidence", "first", "last"]


class ExtractImageProperty(_Operation):
    type: Literal["ExtractImageProperty"]
    property_name: Literal["size", "height", "width", "aspect_ratio"]


class ExtractFrameMetadata(_Operation):
    type: Literal["ExtractFrameMetadata"]
    property_name: Literal["frame_number", "frame_timestamp", "seconds_since_start"]


class DetectionsToDictionary(_Operation):
    type: Literal["DetectionsToDictionary"]


class ConvertDictionaryToJSON(_Operation):
    type: Literal["ConvertDictionaryToJSON"]


class DetectionsRename(_Operation):
    type: Literal["DetectionsRename"]
    class_map: dict[str, str] | str
    strict: bool | str = True
    new_classes_id_offset: int = 1024


class SequenceApply(_Operation):
    type: Literal["SequenceApply"]
    operations: list[Operation]


Operation = Annotated[
    SequenceLength
    | DetectionsPropertyExtract
    | ExtractDetectionProperty
    | DetectionsFilterOperation
    | SortDetections
    | SequenceElementsCount
    | NumericSequenceAggregate
    | SequenceAggregate
    | ToNumber
    | NumberRound
    | ToString
    | ToBoolean
    | StringToLowerCase
    | StringToUpperCase
    | LookupTable
    | Multiply
    | Divide
    | ClassificationPropertyExtract
    | DetectionsOffset
    | DetectionsSelection
    | ExtractImageProperty
    | ExtractFrameMetadata
    | DetectionsToDictionary
    | ConvertDictionaryToJSON
    | DetectionsRename
    | SequenceApply,
    Field(discriminator="type"),
]

_OPERATIONS_KEYS = AliasChoices("operations", "ops")


class StaticOperand(BaseModel):
    type: Literal["StaticOperand"]
    value: Any
    operations: list[Operation] = Field(default_factory=list, validation_alias=_OPERATIONS_KEYS)


class DynamicOperand(BaseModel):
    type: Literal["DynamicOperand"]
    operand_name: str = DEFAULT_OPERAND
    operations: list[Operation] = Field(default_factory=list, validation_alias=_OPERATIONS_KEYS)


Operand = Annotated[StaticOperand | DynamicOperand, Field(discriminator="type")]

BinaryComparator = Literal[
    "==",
    "(Number) ==",
    "!=",
    "(Number) !=",
    "(Number) >",
    "(Number) >=",
    "(Number) <",
    "(Number) <=",
    "in",
    "in (Sequence)",
    "all in (Sequence)",
    "any in (Sequence)",
    "(String) startsWith",
    "(String) endsWith",
    "(String) contains",
    "(Detection) in zone",
]
UnaryOperator = Literal[
    "Exists",
    "DoesNotExist",
    "(Boolean) is True",
    "(Boolean) is False",
    "(Sequence) is empty",
    "(Sequence) is not empty",
]


class Comparator(BaseModel):
    type: BinaryComparator


class UnaryOperation(BaseModel):
    type: UnaryOperator


class BinaryStatement(BaseModel):
    type: Literal["BinaryStatement"]
    left_operand: Operand
    comparator: Comparator
    right_operand: Operand
    negate: bool = False


class UnaryStatement(BaseModel):
    type: Literal["UnaryStatement"]
    operand: Operand
    operator: UnaryOperation
    negate: bool = False


class StatementGroup(BaseModel):
    type: Literal["StatementGroup"]
    statements: list[Annotated[BinaryStatement | UnaryStatement | StatementGroup, Field(discriminator="type")]] = Field(
        min_length=1
    )
    operator: Literal["and", "or"] = "or"


DetectionsFilterOperation.model_rebuild()
SequenceApply.model_rebuild()


class QueryError(ValueError):
    """An operation or statement met a value it cannot work on."""


# -- evaluation -----------------------------------------------------------------------------------------------


def _box(detection: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in detection.xyxy[0])
    return x0, y0, x1, y1


def detection_property(detection: Any, name: str) -> Any:
    """One property of a single detection (an ``sv.Detections`` of length 1)."""
    x0, y0, x1, y1 = _box(detection)
    simple: dict[str, Callable[[], Any]] = {
        "confidence": lambda: float(detection.confidence[0]) if detection.confidence is not None else None,
        "class_name": lambda: str(detection.data["class_name"][0]) if "class_name" in detection.data else None,
        "class_id": lambda: int(detection.class_id[0]) if detection.class_id is not None else None,
        "x_min": lambda: x0,
        "y_min": lambda: y0,
        "x_max": lambda: x1,
        "y_max": lambda: y1,
        "size": lambda: (x1 - x0) * (y1 - y0),
        "area": lambda: _area_px(detection),
        "area_px": lambda: _area_px(detection),
        # in units where a measuring step set them (Roboflow's key); without one, pixels are the unit
        "area_converted": lambda: (
            float(detection.data["area_converted"][0]) if "area_converted" in detection.data else _area_px(detection)
        ),
        "width": lambda: x1 - x0,
        "height": lambda: y1 - y0,
        "center": lambda: ((x0 + x1) / 2, (y0 + y1) / 2),
        "top_left": lambda: (x0, y0),
        "top_right": lambda: (x1, y0),
        "bottom_left": lambda: (x0, y1),
        "bottom_right": lambda: (x1, y1),
        "detection_id": lambda: str(detection.data["detection_id"][0]) if "detection_id" in detection.data else None,
        "parent_id": lambda: str(detection.data["parent_id"][0]) if "parent_id" in detection.data else None,
    }
    return simple[name]()


def _area_px(detection: Any) -> float:
    """The mask's pixel count (Roboflow's ``area_px``), or the box's area for a detection without a mask."""
    if detection.mask is not None:
        return int(detection.mask[0].sum())
    x0, y0, x1, y1 = _box(detection)
    return (x1 - x0) * (y1 - y0)


def _need_detections(value: Any, operation: str) -> None:
    if not is_detections(value):
        raise QueryError(f"{operation} works on detections, got {type(value).__name__}")


def _sort_key(detection: Any, mode: str) -> float:
    if mode == "center_x":
        return float(np.mean(detection.xyxy[0][[0, 2]]))
    if mode == "center_y":
        return float(np.mean(detection.xyxy[0][[1, 3]]))
    value = detection_property(detection, mode)
    return float(value) if value is not None else 0.0


def _aggregate(values: list[Any], function: str, neutral: Any) -> Any:
    if not values:
        return neutral
    numbers = [float(v) for v in values]
    if function == "min":
        return min(numbers)
    if function == "max":
        return max(numbers)
    return sum(numbers) if function == "sum" else sum(numbers) / len(numbers)


def _pick(values: list[Any], mode: str) -> Any:
    if not values:
        return None
    if mode in ("first", "last"):
        return values[0] if mode == "first" else values[-1]
    counts = Counter(values).most_common()
    return counts[0][0] if mode == "most_common" else counts[-1][0]


def apply_operation(value: Any, operation: Any, parameters: dict[str, Any]) -> Any:
    """``operation`` applied to ``value``; ``parameters`` are the named values a nested filter may refer to."""
    kind = operation.type
    if kind == "SequenceLength":
        return len(value)
    if kind == "DetectionsPropertyExtract":
        _need_detections(value, kind)
        return [detection_property(value[i : i + 1], operation.property_name) for i in range(len(value))]
    if kind == "ExtractDetectionProperty":
        _need_detections(value, kind)
        return detection_property(value, operation.property_name)
    if kind == "DetectionsFilter":
        _need_detections(value, kind)
        keep = [
            evaluate(operation.filter_operation, {**parameters, DEFAULT_OPERAND: value[i : i + 1]})
            for i in range(len(value))
        ]
        return value[np.array(keep, dtype=bool)] if len(value) else value
    if kind == "SortDetections":
        _need_detections(value, kind)
        keys = np.array([_sort_key(value[i : i + 1], operation.mode) for i in range(len(value))])
        order = np.argsort(keys, kind="stable")
        return value[order if operation.ascending else order[::-1]] if len(value) else value
    if kind == "SequenceElementsCount":
        return dict(Counter(value))
    if kind == "NumericSequenceAggregate":
        return _aggregate(list(value), operation.function, operation.neutral_value)
    if kind == "SequenceAggregate":
        return _pick(list(value), operation.mode)
    if kind == "ToNumber":
        return int(float(value)) if operation.cast_to == "int" else float(value)
    if kind == "NumberRound":
        return round(float(value), operation.decimal_digits)
    if kind == "ToString":
        return str(value)
    if kind == "ToBoolean":
        return bool(value)
    if kind == "StringToLowerCase":
        return str(value).lower()
    if kind == "StringToUpperCase":
        return str(value).upper()
    if kind == "LookupTable":
        return operation.lookup_table.get(value, value)
    if kind == "Multiply":
        return value * operation.other
    if kind == "Divide":
        return value / operation.other
    if kind == "SequenceApply":
        return [apply_operations(item, operation.operations, parameters) for item in value]
    if kind == "ClassificationPropertyExtract":
        return _classification_property(value, operation.property_name)
    if kind == "ExtractImageProperty":
        return _image_property(value, operation.property_name)
    if kind == "ExtractFrameMetadata":
        return _frame_metadata(value, operation.property_name)
    if kind == "ConvertDictionaryToJSON":
        import json

        return json.dumps(value, default=str)
    _need_detections(value, kind)
    return _detections_operation(value, operation, parameters)


def _classification_property(value: Any, name: str) -> Any:
    """A property of a classification in Roboflow's shape (``top``/``predictions``, or multi-label
    ``predicted_classes``/``predictions`` by class)."""
    if not isinstance(value, dict):
        raise QueryError(f"ClassificationPropertyExtract works on classifications, got {type(value).__name__}")
    found = value.get("predictions") or []
    entries = found if isinstance(found, list) else [{"class": k, **v} for k, v in found.items()]
    if name == "all_classes":
        return [str(e.get("class")) for e in entries]
    if name == "all_confidences":
        return [float(e.get("confidence", 0.0)) for e in entries]
    if "top" in value:
        top, confidence = value.get("top"), float(value.get("confidence", 0.0))
    else:
        chosen = value.get("predicted_classes") or []
        best = max((e for e in entries if e.get("class") in chosen), key=lambda e: e.get("confidence", 0), default={})
        top, confidence = best.get("class"), float(best.get("confidence", 0.0))
    if name == "top_class":
        return top
    return confidence


def _image_property(value: Any, name: str) -> Any:
    if not hasattr(value, "pixels"):
        raise QueryError(f"ExtractImageProperty works on images, got {type(value).__name__}")
    height, width = value.pixels.shape[:2]
    return {"size": width * height, "height": height, "width": width, "aspect_ratio": width / height}[name]


def _frame_metadata(value: Any, name: str) -> Any:
    """Where an image lies in its video, as Roboflow reads it: ``frame_number``, ``frame_timestamp`` (the date and
    time the frame was taken) and ``seconds_since_start``; a still image is frame 0 of its own video, taken now."""
    if isinstance(value, VideoMetadata):
        video: VideoMetadata | None = value
    elif isinstance(value, WorkflowImage):
        video = value.video
    else:
        raise QueryError(f"ExtractFrameMetadata works on images (or video metadata), got {type(value).__name__}")
    if name == "frame_number":
        return video.frame_number if video is not None else 0
    if name == "seconds_since_start":
        return video.seconds if video is not None else 0.0
    return video.wall_clock if video is not None and video.wall_clock is not None else datetime.now(UTC)


def _detections_operation(value: Any, operation: Any, parameters: dict[str, Any]) -> Any:
    kind = operation.type
    if kind == "DetectionsOffset":
        grown = value[:]  # a copy with its own arrays
        dx, dy = operation.offset_x / 2, operation.offset_y / 2
        grown.xyxy = np.clip(value.xyxy + np.array([-dx, -dy, dx, dy]), 0, None).astype(np.float32)
        return grown
    if kind == "DetectionsSelection":
        if not len(value):
            return value
        mode = operation.mode
        index = {
            "first": 0,
            "last": len(value) - 1,
            "left_most": int(np.argmin(value.xyxy[:, 0])),
            "right_most": int(np.argmax(value.xyxy[:, 2])),
            "top_confidence": int(np.argmax(value.confidence)) if value.confidence is not None else 0,
        }[mode]
        return value[index : index + 1]
    if kind == "DetectionsToDictionary":
        from seglab.workflows.serialization import detections_to_roboflow

        return detections_to_roboflow(value)
    return _renamed(value, operation, parameters)


def _renamed(value: Any, operation: Any, parameters: dict[str, Any]) -> Any:
    """``DetectionsRename``: class names through ``class_map`` (a mapping, or the name of a parameter holding one);
    in ``strict`` mode a class the map lacks is an error, otherwise it keeps its name. Renamed classes get ids from
    ``new_classes_id_offset`` up."""
    mapping = operation.class_map
    if isinstance(mapping, str):
        mapping = parameters.get(mapping)
        if not isinstance(mapping, dict):
            raise QueryError(f"DetectionsRename: class_map names {operation.class_map!r}, which gives no mapping")
    names = [str(n) for n in value.data.get("class_name", [])]
    strict = operation.strict is True or str(operation.strict).lower() == "true"
    missing = sorted({n for n in names if n not in mapping})
    if strict and missing:
        raise QueryError(f"DetectionsRename: class_map has no entry for {', '.join(missing)}")
    renamed = value[:]
    new_names = [mapping.get(n, n) for n in names]
    new_ids = {name: operation.new_classes_id_offset + i for i, name in enumerate(sorted(set(mapping.values())))}
    renamed.data["class_name"] = np.array(new_names, dtype=str)
    renamed.class_id = np.array(
        [new_ids[n] if old in mapping else int(c) for n, old, c in zip(new_names, names, value.class_id, strict=True)],
        dtype=int,
    )
    return renamed


def apply_operations(value: Any, operations: list[Any], parameters: dict[str, Any] | None = None) -> Any:
    for operation in operations:
        value = apply_operation(value, operation, parameters or {})
    return value


def _operand(operand: StaticOperand | DynamicOperand, values: dict[str, Any]) -> Any:
    if isinstance(operand, StaticOperand):
        return apply_operations(operand.value, operand.operations, values)
    if operand.operand_name not in values:
        raise QueryError(f"the statement uses {operand.operand_name!r}, which no parameter provides")
    return apply_operations(values[operand.operand_name], operand.operations, values)


def _compare(comparator: str, left: Any, right: Any) -> bool:
    if comparator in ("==", "(Number) =="):
        return bool(left == right)
    if comparator in ("!=", "(Number) !="):
        return bool(left != right)
    if comparator.startswith("(Number)"):
        if left is None or right is None:
            return False
        symbol = comparator.split()[-1]
        a, b = float(left), float(right)
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[symbol]
    if comparator in ("in", "in (Sequence)"):
        return left in right
    if comparator == "all in (Sequence)":
        return all(item in right for item in left)
    if comparator == "any in (Sequence)":
        return any(item in right for item in left)
    if comparator == "(Detection) in zone":
        return _in_zone(left, right)
    text, part = str(left), str(right)
    return {
        "(String) startsWith": text.startswith(part),
        "(String) endsWith": text.endswith(part),
        "(String) contains": part in text,
    }[comparator]


def _in_zone(point: Any, zone: Any) -> bool:
    """Whether ``point`` (``(x, y)``, as ``ExtractDetectionProperty`` ``center`` gives) lies strictly inside the
    polygon ``zone`` (a list of ``[x, y]``)."""
    import cv2

    polygon = np.asarray(zone, dtype=np.float32).reshape(-1, 1, 2)
    if len(polygon) < 3:
        raise QueryError(f"(Detection) in zone needs a polygon of at least 3 points, got {len(polygon)}")
    x, y = (float(v) for v in point)
    return bool(cv2.pointPolygonTest(polygon, (x, y), False) > 0)


def _unary(operator: str, value: Any) -> bool:
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    if operator == "(Boolean) is True":
        return value is True
    if operator == "(Boolean) is False":
        return value is False
    if operator == "(Sequence) is empty":
        return len(value) == 0
    return len(value) > 0


def evaluate(statement: StatementGroup | BinaryStatement | UnaryStatement, values: dict[str, Any]) -> bool:
    """Whether ``statement`` holds for the named ``values``."""
    if isinstance(statement, BinaryStatement):
        left, right = _operand(statement.left_operand, values), _operand(statement.right_operand, values)
        result = _compare(statement.comparator.type, left, right)
        return result != statement.negate
    if isinstance(statement, UnaryStatement):
        return _unary(statement.operator.type, _operand(statement.operand, values)) != statement.negate
    results = (evaluate(item, values) for item in statement.statements)
    return all(results) if statement.operator == "and" else any(results)
