"""seglab's own sink: store the image and the detections on it in a project, as annotations to review.

This is label assist as a workflow step: each detection becomes an ordinary annotation (a polygon, with
the model's confidence and ``source`` ``workflow:<step>``), classes matched to the project's by name.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from seglab.errors import SeglabError
from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind


class ProjectUploadManifest(StepManifest):
    type: Literal["seglab/project_upload@v1", "ProjectUpload"]
    images: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    predictions: Annotated[Selector, Accepts(DETECTIONS, batch=True)]
    project: Annotated[str | Selector, Accepts((Kind.STRING,))]
    split: Annotated[Literal["train", "valid", "test", "unassigned"] | Selector, Accepts((Kind.STRING,))] = "unassigned"
    tags: Annotated[list[str] | Selector, Accepts((Kind.LIST_OF_VALUES,))] = Field(default_factory=list)
    fire_and_forget: bool = False
    """Accepted for Roboflow's sinks' sake; storing is always finished before the step ends."""


class ProjectUpload(Block):
    """Outputs ``image_id``, ``annotations`` (how many were stored), ``error_status`` and ``message``, as Roboflow's
    dataset upload sink reports."""

    manifest = ProjectUploadManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "image_id": (Kind.INTEGER,),
        "annotations": (Kind.INTEGER,),
        "error_status": (Kind.BOOLEAN,),
        "message": (Kind.STRING,),
    }
    description = "Store the image and its detections in a project (label assist)"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        sink = context.environment.projects
        if sink is None:
            raise context.fail("this environment cannot store into projects")
        try:
            stored = sink.store(
                str(step.project),
                step.images,
                step.predictions,
                split=str(step.split),
                tags=[str(t) for t in step.tags],
                source=f"workflow:{context.step}",
            )
        except SeglabError as error:
            raise context.fail(error.message, error) from error
        unmatched = ", ".join(stored.unmatched_classes)
        skipped = f"; classes not in the project: {unmatched}" if unmatched else ""
        return {
            "image_id": stored.image_id,
            "annotations": stored.annotations,
            "error_status": False,
            "message": f"stored {stored.annotations} annotations on image {stored.image_id}{skipped}",
        }
