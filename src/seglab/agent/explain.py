"""Explaining a planned definition step by step: what each block does (from the catalogue), where its data comes
from, the settings that differ from the block's defaults, whether the plan added or changed it, and why."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from seglab.agent.catalogue import describe_block
from seglab.agent.plan import ChangeKind, StepExplanation
from seglab.workflows import BlockRegistry
from seglab.workflows.selectors import find_selectors, parse_selector


def _source_text(selector: str) -> str:
    parsed = parse_selector(selector)
    if parsed is None:
        return selector
    if parsed.input is not None:
        return f"the input {parsed.input!r}"
    return f"{parsed.step}.{parsed.output}" if parsed.output else str(parsed.step)


def _operand_text(operand: Mapping[str, Any]) -> str:
    if operand.get("type") == "StaticOperand":
        return json.dumps(operand.get("value"))
    operations = operand.get("operations") or operand.get("ops") or []
    names = [str(op.get("property_name") or op.get("type")) for op in operations if isinstance(op, Mapping)]
    name = str(operand.get("operand_name", "_"))
    name = "detection" if name == "_" else name  # a detections filter's name for the detection under test
    return ".".join([name, *names])


def statement_text(statement: Mapping[str, Any]) -> str:
    """A query-language statement as a reader would write it (``detection.class_name in ["car"]``)."""
    kind = statement.get("type")
    negate = "not " if statement.get("negate") else ""
    if kind == "StatementGroup":
        parts = [statement_text(s) for s in statement.get("statements", []) if isinstance(s, Mapping)]
        return negate + f" {statement.get('operator', 'or')} ".join(parts)
    if kind == "BinaryStatement":
        comparator = re.sub(
            r"\s*\((?:Number|Sequence|String|Boolean)\)\s*", " ", str(statement.get("comparator", {}).get("type", "?"))
        ).strip()
        left, right = (
            _operand_text(statement.get("left_operand", {})),
            _operand_text(statement.get("right_operand", {})),
        )
        return f"{negate}{left} {comparator} {right}"
    if kind == "UnaryStatement":
        return f"{negate}{_operand_text(statement.get('operand', {}))} {statement.get('operator', {}).get('type', '?')}"
    return str(kind)


def operations_text(operations: Any) -> str:
    """Query-language operations in a few words: ``keep detection.area > 500``, ``SequenceLength``."""
    if not isinstance(operations, list):
        return json.dumps(operations)
    parts = []
    for operation in operations:
        if not isinstance(operation, Mapping):
            continue
        if operation.get("type") == "DetectionsFilter" and isinstance(operation.get("filter_operation"), Mapping):
            parts.append(f"keep {statement_text(operation['filter_operation'])}")
        else:
            parts.append(str(operation.get("type")))
    return ", then ".join(parts)


def wiring_text(step: Mapping[str, Any], registry: BlockRegistry) -> str:
    """Where a step's data comes from and its settings that differ from the block's defaults, in one line."""
    block = registry.get(str(step.get("type")))
    description = describe_block(block) if block is not None else None
    defaults = {f.name: f.default for f in description.fields} if description else {}
    parts = []
    for key, value in step.items():
        if key in ("type", "name"):
            continue
        sources = [text for _, text in find_selectors(value, key)]
        if sources and value == sources[0]:
            parts.append(f"{key} ← {_source_text(sources[0])}")
        elif key in ("operations", "condition_statement"):
            parts.append(f"{key}: {operations_text(value) if key == 'operations' else statement_text(value)}")
        elif key not in defaults or defaults[key] != value:
            parts.append(f"{key} = {json.dumps(value)}")
    return "; ".join(parts)


def _change(name: str, step: Mapping[str, Any], before: Mapping[str, Mapping[str, Any]]) -> ChangeKind:
    if name not in before:
        return "added"
    return "unchanged" if before[name] == step else "changed"


def _steps_by_name(definition: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    steps = (definition or {}).get("steps") or []
    return {str(s.get("name")): s for s in steps if isinstance(s, Mapping)}


def explain_steps(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    registry: BlockRegistry,
    reasons: Mapping[str, str] | None = None,
) -> list[StepExplanation]:
    """One explanation per step of ``after``, marked added/changed/unchanged against ``before``."""
    previous, reasons = _steps_by_name(before), reasons or {}
    explained = []
    for name, step in _steps_by_name(after).items():
        block = registry.get(str(step.get("type")))
        summary = describe_block(block).summary if block is not None else "unknown block"
        explained.append(
            StepExplanation(
                name=name,
                type=str(step.get("type")),
                description=summary,
                wiring=wiring_text(step, registry),
                change=_change(name, step, previous),
                reason=reasons.get(name),
            )
        )
    return explained


def removed_steps(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    return [name for name in _steps_by_name(before) if name not in _steps_by_name(after)]


def summarise(steps: list[StepExplanation], removed: list[str], fresh: bool) -> str:
    """One line: the new workflow's steps, or what a follow-up changed."""
    if fresh:
        return f"a workflow of {len(steps)} steps: " + " → ".join(s.name for s in steps)
    parts = [
        f"{label} {', '.join(names)}"
        for label, names in (
            ("added", [s.name for s in steps if s.change == "added"]),
            ("changed", [s.name for s in steps if s.change == "changed"]),
            ("removed", removed),
        )
        if names
    ]
    return "; ".join(parts) or "nothing to change"
