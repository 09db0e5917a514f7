"""Property definition: a value computed from another step's data (a count, the class names, the best score)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import Kind
from seglab.workflows.query_language import Operation, QueryError, apply_operations


class PropertyDefinitionManifest(StepManifest):
    type: Literal["roboflow_core/property_definition@v1", "PropertyDefinition", "PropertyExtraction"]
    data: Annotated[Selector, Accepts()]
    operations: list[Operation]


class PropertyDefinition(Block):
    """``operations`` applied to ``data``: ``[{"type": "SequenceLength"}]`` counts detections,
    ``DetectionsPropertyExtract`` lists a property of each."""

    manifest = PropertyDefinitionManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"output": (Kind.WILDCARD,)}
    description = "Compute a value: count, class names, ..."

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        try:
            return {"output": apply_operations(step.data, step.operations)}
        except (QueryError, TypeError, ValueError, KeyError) as error:
            raise context.fail(str(error), error) from error
