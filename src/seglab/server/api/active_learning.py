"""Active learning: the unlabelled images a model is least sure about, spread over different-looking ones."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from seglab.models.registry import Backend
from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import active_learning, permissions
from seglab.services.active_learning import NextToLabel
from seglab.services.permissions import Access

router = APIRouter(tags=["projects"])


class NextToLabelIn(BaseModel):
    model_id: int
    count: int = Field(default=50, ge=1, le=10_000)
    second_model_id: int | None = Field(default=None, description="Also rank by disagreement with this model.")
    diversity: bool = True
    backend: Backend = Backend.AUTO
    tag: str | None = Field(default=None, max_length=200, description="Tag the chosen images.")
    annotation_job: str | None = Field(
        default=None, max_length=200, description="Create an annotation job of this name holding them."
    )


@router.post("/projects/{project}/next-to-label", response_model=NextToLabel)
async def next_to_label(
    project: str, body: NextToLabelIn, ws: WorkspaceDep, access: Annotated[Access, requires("image.update")]
) -> NextToLabel:
    """Score the project's unannotated images by the model's uncertainty (low confidence, unstable masks,
    disagreement with a second model) and diversity, and choose ``count``: answers them with the grid filter that
    shows them. Runs the model on every unannotated image: for large projects use ``seglab next`` on a worker host."""
    for model_id in [m for m in (body.model_id, body.second_model_id) if m is not None]:
        await asyncio.to_thread(permissions.authorize, ws, access.principal, "model.infer", ("model", model_id))
    return await asyncio.to_thread(
        active_learning.next_to_label,
        ws,
        project,
        body.model_id,
        count=body.count,
        second_model_id=body.second_model_id,
        diversity=body.diversity,
        backend=body.backend,
        tag=body.tag,
        annotation_job=body.annotation_job,
        caller=access.principal,
    )
