"""Workflow errors in the shape Roboflow's inference server gives them, so its clients show the same thing.

Every error carries ``error_type`` (Roboflow's class name), ``context`` (where it happened), the inner error
and ``blocks_errors``: one entry per offending step, so an editor can point at the block. Definition
errors answer 400, a step failing while it runs answers 500 (``StepExecutionError``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from seglab.errors import SeglabError, http_status


@dataclass(frozen=True)
class BlockError:
    """What is wrong with one step (or input, or output): which one, and which of its properties."""

    block_id: str
    block_type: str | None = None
    block_details: str | None = None
    property_name: str | None = None
    property_details: str | None = None


class WorkflowError(SeglabError):
    """Base of every workflow error. ``status`` is the HTTP status Roboflow's server answers with."""

    code = "workflow_error"
    status = 400
    context = "workflow_compilation"

    def __init__(
        self,
        message: str,
        *,
        blocks_errors: list[BlockError] | None = None,
        inner_error: BaseException | None = None,
        context: str | None = None,
    ) -> None:
        self.blocks_errors = list(blocks_errors or [])
        self.inner_error_type = type(inner_error).__name__ if inner_error is not None else None
        self.inner_error_message = str(inner_error) if inner_error is not None else None
        if context is not None:
            self.context = context
        super().__init__(message, **self.roboflow_fields())

    @property
    def error_type(self) -> str:
        return type(self).__name__

    def roboflow_fields(self) -> dict[str, Any]:
        return {
            "error_type": self.error_type,
            "context": self.context,
            "inner_error_type": self.inner_error_type,
            "inner_error_message": self.inner_error_message,
            "blocks_errors": [asdict(error) for error in self.blocks_errors],
        }

    def describe(self) -> str:
        """The error and each offending step on its own line, for people (the CLI) and chat models (repairs)."""
        lines = [f"{self.error_type}: {self.message}"]
        for problem in self.blocks_errors:
            where = problem.block_id + (f".{problem.property_name}" if problem.property_name else "")
            lines.append(f"  {where}: {problem.property_details or problem.block_details or ''}")
        return "\n".join(lines)

    def roboflow_body(self) -> dict[str, Any]:
        """The JSON body Roboflow's server answers with (its client shows ``message``)."""
        return {"message": self.message, **self.roboflow_fields()}


class WorkflowSyntaxError(WorkflowError):
    """The definition is not a workflow: not an object, a missing or malformed field, an unknown block type."""

    context = "workflow_compilation | workflow_definition_parsing"


class NotSupportedExecutionEngineError(WorkflowError):
    """The definition asks for an execution engine version other than 1.x."""

    context = "workflow_compilation | engine_initialisation"


class DuplicatedNameError(WorkflowError):
    context = "workflow_compilation | execution_graph_construction"


class InvalidReferenceTargetError(WorkflowError):
    """A selector names an input, a step or a step output that does not exist."""

    context = "workflow_compilation | execution_graph_construction"


class ReferenceTypeError(WorkflowError):
    """A selector points at data of a kind the field does not accept (an image where predictions are expected)."""

    context = "workflow_compilation | execution_graph_construction"


class ExecutionGraphStructureError(WorkflowError):
    """The steps do not form a DAG (a cycle), or mix batch dimensions in a way no block can take."""

    context = "workflow_compilation | execution_graph_construction"


class RuntimeInputError(WorkflowError):
    """An input missing at run time, or one that cannot be read (an image that is not an image)."""

    context = "workflow_execution | runtime_input_validation"


class StepExecutionError(WorkflowError):
    """A step failed while running (the inner error says why): a 500 as in Roboflow's server, unless the inner
    error is one of seglab's refusals of the input (an unknown model, an image above the pixel limit), which
    answers with that refusal's 4xx (the same body) instead of reporting a server fault."""

    status = 500
    context = "workflow_execution | step_execution"

    def __init__(
        self,
        message: str,
        *,
        blocks_errors: list[BlockError] | None = None,
        inner_error: BaseException | None = None,
        context: str | None = None,
    ) -> None:
        super().__init__(message, blocks_errors=blocks_errors, inner_error=inner_error, context=context)
        if isinstance(inner_error, SeglabError) and not isinstance(inner_error, WorkflowError):
            self.status = http_status(inner_error)
