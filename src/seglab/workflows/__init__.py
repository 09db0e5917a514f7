"""Workflows: Roboflow-style definitions (version 1.x JSON: ``inputs``, ``steps``, ``outputs``) compiled against a
registry of blocks and run as a DAG over images — seglab models, Segment Anything, filters, counts, crops,
visualizations, ``continue_if``, and storing results into a project."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seglab.workflows.blocks import Accepts, Block, BlockRegistry, StepContext, StepManifest, default_registry
from seglab.workflows.compiler import CompiledWorkflow, compile_workflow
from seglab.workflows.environment import (
    AssistSegmenters,
    DetectorProvider,
    Environment,
    ModelProvider,
    ProjectSink,
    SegmenterProvider,
    StoredResult,
)
from seglab.workflows.errors import (
    BlockError,
    DuplicatedNameError,
    ExecutionGraphStructureError,
    InvalidReferenceTargetError,
    NotSupportedExecutionEngineError,
    ReferenceTypeError,
    RuntimeInputError,
    StepExecutionError,
    WorkflowError,
    WorkflowSyntaxError,
)
from seglab.workflows.executor import execute
from seglab.workflows.kinds import Kind
from seglab.workflows.values import WorkflowImage


def run_workflow(
    definition: Any,
    inputs: Mapping[str, Any],
    environment: Environment | None = None,
    *,
    registry: BlockRegistry | None = None,
) -> list[dict[str, Any]]:
    """Compile ``definition`` and run it on ``inputs`` (images as bytes, paths, RGB arrays or base64 objects);
    one dict of outputs per image."""
    return execute(compile_workflow(definition, registry), inputs, environment)


__all__ = [
    "Accepts",
    "AssistSegmenters",
    "Block",
    "BlockError",
    "BlockRegistry",
    "CompiledWorkflow",
    "DetectorProvider",
    "DuplicatedNameError",
    "Environment",
    "ExecutionGraphStructureError",
    "InvalidReferenceTargetError",
    "Kind",
    "ModelProvider",
    "NotSupportedExecutionEngineError",
    "ProjectSink",
    "ReferenceTypeError",
    "RuntimeInputError",
    "SegmenterProvider",
    "StepContext",
    "StepExecutionError",
    "StepManifest",
    "StoredResult",
    "WorkflowError",
    "WorkflowImage",
    "WorkflowSyntaxError",
    "compile_workflow",
    "default_registry",
    "execute",
    "run_workflow",
]
