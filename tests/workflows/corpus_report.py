"""Which of Roboflow's published workflow definitions (``roboflow_corpus/``) compile here, and why the others do not.

Run as a script to print the report as JSON (``python -m tests.workflows.corpus_report``); the test
(:mod:`.test_roboflow_corpus`) keeps the rate from falling back.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from seglab.workflows import WorkflowError, compile_workflow, default_registry
from seglab.workflows.blocks.out_of_scope import out_of_scope_reason

CORPUS = Path(__file__).parent / "roboflow_corpus"
ROBOFLOW_BLOCKS = frozenset((CORPUS / "roboflow_block_names.txt").read_text().split("\n")) - {""}
"""Every ``type`` name Roboflow's manifests declare (names only, read from roboflow/inference)."""

ISSUE_BLOCKS = frozenset(
    {
        "roboflow_object_detection_model",
        "ObjectDetectionModel",
        "RoboflowObjectDetectionModel",
        "roboflow_instance_segmentation_model",
        "open_ai",
        "OpenAI",
        "anthropic_claude",
        "google_gemini",
        "vlm_as_classifier",
        "vlm_as_detector",
        "llama_3_2_vision",
        "dimension_collapse",
        "DimensionCollapse",
        "detections_classes_replacement",
        "DetectionsClassesReplacement",
        "image_slicer",
        "detections_stitch",
        "expression",
        "Expression",
        "detections_transformation",
        "DetectionsTransformation",
        "detections_consensus",
        "DetectionsConsensus",
        "image_preprocessing",
        "detections_list_rollup",
        "DetectionsListRollUp",
        "csv_formatter",
        "email_notification",
        "webhook_sink",
        "local_file_sink",
    }
)
"""The blocks issue 29 asks for (base names: ``roboflow_core/`` and ``@vN`` left off), beside seglab's own."""


@dataclass(frozen=True)
class Outcome:
    name: str
    compiled: bool
    reason: str | None = None
    """Why not, by name: ``out of scope: ...``, ``unknown block ...``, or the error's class and field."""
    in_scope: bool = True
    """Uses only seglab's blocks and those issue 29 asks for (not classification, OCR, video, test-suite blocks...)."""
    warnings: tuple[str, ...] = ()
    """What compiled but was ignored, as Roboflow ignores it (a field its manifest does not declare)."""


def _base(block_type: str) -> str:
    return block_type.removeprefix("roboflow_core/").split("@")[0]


def _scope(definition: dict[str, object]) -> str | None:
    """Why a definition is outside what seglab means to run (``None``: inside): a block out of scope on purpose, a
    block of Roboflow's test suite (not a Roboflow block), or a Roboflow block issue 29 does not ask for."""
    registry = default_registry()
    for step in definition.get("steps") or []:  # type: ignore[attr-defined]
        block_type = str(step.get("type"))
        if registry.get(block_type) is not None or _base(block_type) in ISSUE_BLOCKS:
            continue
        scope = out_of_scope_reason(block_type)
        if scope is not None:
            return scope
        if block_type not in ROBOFLOW_BLOCKS and not block_type.startswith(("roboflow_core/", "roboflow_enterprise/")):
            return f"{block_type} is a block of Roboflow's test suite, not a Roboflow block"
        return f"{block_type} is not among the blocks issue 29 asks for"
    return None


def _reason(error: WorkflowError) -> str:
    for problem in error.blocks_errors:
        if problem.block_details and problem.block_details.startswith("unknown block type"):
            return f"unknown block {problem.block_type}"
    first = error.blocks_errors[0] if error.blocks_errors else None
    where = f" ({first.block_type} {first.property_name})" if first is not None else ""
    detail = (first.property_details or first.block_details or "") if first is not None else error.message
    return f"{error.error_type}{where}: {detail}"


def outcomes() -> list[Outcome]:
    found = []
    for path in sorted(CORPUS.glob("*.json")):
        definition = json.loads(path.read_text())
        definition = definition.get("specification", definition)
        scope = _scope(definition)
        try:
            compiled = compile_workflow(definition)
        except WorkflowError as error:
            found.append(Outcome(path.stem, False, f"out of scope: {scope}" if scope else _reason(error), not scope))
            continue
        found.append(Outcome(path.stem, True, in_scope=not scope, warnings=tuple(compiled.warnings)))
    return found


def report() -> dict[str, object]:
    results = outcomes()
    in_scope = [o for o in results if o.in_scope]
    compiled = [o for o in results if o.compiled]
    return {
        "definitions": len(results),
        "compiled": len(compiled),
        "compile_rate": round(len(compiled) / len(results), 3),
        "in_scope": len(in_scope),
        "in_scope_compiled": sum(o.compiled for o in in_scope),
        "in_scope_rate": round(sum(o.compiled for o in in_scope) / max(1, len(in_scope)), 3),
        "reasons": dict(Counter(o.reason for o in results if o.reason).most_common()),
        "failing": {o.name: o.reason for o in results if not o.compiled},
        "compiled_with_warnings": {o.name: list(o.warnings) for o in results if o.warnings},
    }


if __name__ == "__main__":
    print(json.dumps(report(), indent=1))
