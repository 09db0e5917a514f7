"""Active learning: the unlabelled images a model is least sure about, spread over different-looking ones."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from seglab.jobs.kinds import NextToLabelJob
from seglab.models.registry import Backend
from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import active_learning, permissions
from seglab.services.permissions import Access
from seglab.store.jobs import Job

router = APIRouter(tags=["projects"])


class NextToLabelIn(BaseModel):
    model_id: int
    count: int = Field(default=50, ge=1, le=10_000)
    second_model_id: int | None = Field(default=None, description="Also rank by disagreement with this model.")
    diversity: bool = True
    backend: Backend = Backend.AUTO
    tag: str | None = Field(default=None, max_length=200, description="Tag the chosen images.")


@router.post("/projects/{project}/next-to-label", response_model=Job, status_code=202)
async def next_to_label(
    project: str, body: NextToLabelIn, ws: WorkspaceDep, access: Annotated[Access, requires("image.update")]
) -> Job:
    """Queue the ranking of the project's unannotated images by the model's uncertainty (low confidence, unstable
    masks, disagreement with a second model) and diversity: a job (it runs the model on each of them, progress
    counts them) whose result holds the ``count`` chosen, best first, and the grid filter showing them."""
    for model_id in [m for m in (body.model_id, body.second_model_id) if m is not None]:
        await asyncio.to_thread(permissions.authorize, ws, access.principal, "model.infer", ("model", model_id))
    params = NextToLabelJob(project=project, **body.model_dump(mode="json"))
    return await asyncio.to_thread(active_learning.submit_next_to_label, ws, params, owner=access.principal.name)
