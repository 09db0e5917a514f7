"""Blocks built on Roboflow's query language: ``expression`` (a switch of cases over named values), detections
transformation (operations that give detections back) and the CSV formatter (a row of named values)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.query_language import Operation, QueryError, StatementGroup, apply_operations, evaluate
from seglab.workflows.serialization import plain

_QUERY_ERRORS = (QueryError, TypeError, ValueError, KeyError)


class StaticCaseResult(BaseModel):
    type: Literal["StaticCaseResult"]
    value: Any


class DynamicCaseResult(BaseModel):
    type: Literal["DynamicCaseResult"]
    parameter_name: str
    operations: list[Operation] | None = None


CaseResult = Annotated[StaticCaseResult | DynamicCaseResult, Field(discriminator="type")]


class CaseDefinition(BaseModel):
    type: Literal["CaseDefinition"]
    condition: StatementGroup
    result: CaseResult


class CasesDefinition(BaseModel):
    type: Literal["CasesDefinition"]
    cases: list[CaseDefinition]
    default: CaseResult


class ExpressionManifest(StepManifest):
    type: Literal["roboflow_core/expression@v1", "Expression"]
    data: Annotated[dict[str, Any], Accepts()]
    data_operations: dict[str, list[Operation]] = Field(default_factory=dict)
    switch: CasesDefinition


def _result(result: StaticCaseResult | DynamicCaseResult, values: dict[str, Any]) -> Any:
    if isinstance(result, StaticCaseResult):
        return result.value
    if result.parameter_name not in values:
        raise QueryError(f"the case result reads {result.parameter_name!r}, which `data` does not name")
    return apply_operations(values[result.parameter_name], result.operations or [], values)


class Expression(Block):
    """``output``: the result of the first case whose condition holds over ``data`` (each value first put through
    its ``data_operations``), else the default: a fixed value, or one of the values through operations."""

    manifest = ExpressionManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"output": (Kind.WILDCARD,)}
    description = "Choose a value by conditions (switch / case)"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        try:
            values = dict(step.data)
            for name, operations in step.data_operations.items():
                values[name] = apply_operations(values.get(name), operations, values)
            for case in step.switch.cases:
                if evaluate(case.condition, values):
                    return {"output": _result(case.result, values)}
            return {"output": _result(step.switch.default, values)}
        except _QUERY_ERRORS as error:
            raise context.fail(str(error), error) from error


class DetectionsTransformationManifest(StepManifest):
    type: Literal["roboflow_core/detections_transformation@v1", "DetectionsTransformation"]
    predictions: Annotated[Selector, Accepts(DETECTIONS, batch=True)]
    operations: list[Operation]
    operations_parameters: Annotated[dict[str, Selector | Any], Accepts()] = Field(default_factory=dict)


class DetectionsTransformation(Block):
    """Detections through query-language operations that give detections back (filter, sort, offset, select,
    rename...); an operation giving something else is an error naming it."""

    manifest = DetectionsTransformationManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"predictions": DETECTIONS}
    description = "Transform detections: filter, sort, offset, rename, select"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        from seglab.workflows.values import is_detections

        try:
            result = apply_operations(step.predictions, step.operations, dict(step.operations_parameters))
        except _QUERY_ERRORS as error:
            raise context.fail(str(error), error) from error
        if not is_detections(result):
            raise context.fail(f"the operations give {type(result).__name__}, not detections")
        return {"predictions": result}


class CsvFormatterManifest(StepManifest):
    type: Literal["roboflow_core/csv_formatter@v1"]
    columns_data: Annotated[dict[str, Any], Accepts()]
    columns_operations: dict[str, list[Operation]] = Field(default_factory=dict)


_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell; text that a spreadsheet would run as a formula is quoted with ``'``."""
    value = plain(value)
    if isinstance(value, str) and value.startswith(_INJECTION):
        return "'" + value
    return value


class CsvFormatter(Block):
    """``csv_content``: a header and one row per image (the columns named in ``columns_data``, each through its
    ``columns_operations``, and a ``timestamp`` column, as Roboflow adds), for a file or email sink. Roboflow puts a
    batch's rows into one text; each image is its own run here, so each gets its own."""

    manifest = CsvFormatterManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"csv_content": (Kind.STRING,)}
    description = "Format values as a CSV row"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        row = dict(step.columns_data)
        try:
            for name, operations in step.columns_operations.items():
                row[name] = apply_operations(row.get(name), operations)
        except _QUERY_ERRORS as error:
            raise context.fail(str(error), error) from error
        row["timestamp"] = datetime.now(tz=UTC).isoformat()
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow({key: _cell(value) for key, value in row.items()})
        return {"csv_content": text.getvalue()}
