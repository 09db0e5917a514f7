"""Rapid over HTTP: preview what text prompts find on a few images, label a project as a job, review the results."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from seglab.jobs import AutolabelJob
from seglab.server.api._access import requires
from seglab.server.api._deps import PrincipalDep, WorkspaceDep
from seglab.server.api._paths import readable_path
from seglab.server.schemas import AnnotationOut
from seglab.services import Workspace, autolabel
from seglab.services.accounts import Principal
from seglab.services.autolabel import AutolabelSettings, ClassPrompt, DetectorInfo, ExampleBox, PreviewImage
from seglab.services.permissions import Access
from seglab.store.jobs import Job

router = APIRouter(tags=["rapid"])


class PromptIn(BaseModel):
    text: str = Field(min_length=1, description="What to look for, in words: `bottle cap`.")
    class_name: str | None = Field(default=None, description="The class it is labelled as; default: the text.")


class ExampleIn(BaseModel):
    image_id: int = Field(description="The project image the box is drawn on.")
    box: tuple[float, float, float, float] = Field(description="x0, y0, x1, y1 in the image's pixels.")
    class_name: str | None = Field(default=None, description="A class a prompt names; default: the first prompt's.")
    positive: bool = Field(default=True, description="More like this (true) or not like this (false).")


class AutolabelRequest(BaseModel):
    prompts: list[PromptIn] = Field(min_length=1)
    threshold: float = Field(default=0.3, ge=0, le=1, description="Lowest detector score kept.")
    class_thresholds: dict[str, float] = Field(default_factory=dict, description="Per class, instead of threshold.")
    nms_iou: float = Field(default=0.5, ge=0, le=1, description="Overlapping boxes of any prompts above it: best kept.")
    max_instances: int = Field(default=100, ge=1)
    detector: str | None = Field(default=None, description="Default: SEGLAB_AUTOLABEL_DETECTOR.")
    detector_weights: str | None = Field(
        default=None, description="A model folder on the server (admins; under SEGLAB_IMPORT_ROOTS)."
    )
    segmenter: str | None = Field(default=None, description="Smart Polygon's model; default: SEGLAB_ASSIST_MODEL.")
    image_ids: list[int] | None = Field(
        default=None, description="Default: unannotated images (a preview: the first 4)."
    )
    examples: list[ExampleIn] = Field(
        default_factory=list, description="Example boxes: more like them, or not like them (SAM 3 only)."
    )

    def settings(self) -> AutolabelSettings:
        return AutolabelSettings(
            tuple(ClassPrompt(p.text, p.class_name or p.text) for p in self.prompts),
            threshold=self.threshold,
            class_thresholds=self.class_thresholds,
            nms_iou=self.nms_iou,
            max_instances=self.max_instances,
            examples=tuple(ExampleBox(e.image_id, e.box, e.class_name or "", e.positive) for e in self.examples),
        )

    def weights(self, caller: Principal, ws: Workspace) -> Path | None:
        """``detector_weights``, once allowed: a folder on the server (admins; under ``SEGLAB_IMPORT_ROOTS``)."""
        return readable_path(caller, ws, self.detector_weights) if self.detector_weights else None


class PreviewOut(BaseModel):
    images: list[PreviewImage]


class ProposalsOut(BaseModel):
    total: int
    """Proposals waiting for review in all (``items`` holds at most ``limit``)."""
    items: list[AnnotationOut]


@router.get(
    "/autolabel/detectors",
    response_model=list[DetectorInfo],
    summary="Open-vocabulary detectors",
    dependencies=[requires("workspace.read")],
)
def detectors(ws: WorkspaceDep) -> list[DetectorInfo]:
    return autolabel.list_detectors(ws)


@router.post(
    "/projects/{project}/autolabel/preview",
    response_model=PreviewOut,
    summary="Try prompts on a few images",
    dependencies=[requires("annotation.write")],
)
async def preview(
    project: str, body: AutolabelRequest, request: Request, ws: WorkspaceDep, caller: PrincipalDep
) -> PreviewOut:
    """What the prompts find on up to 4 images, nothing stored (the first use loads the detector: seconds)."""
    images = await asyncio.to_thread(
        autolabel.preview,
        ws,
        project,
        body.settings(),
        image_ids=body.image_ids,
        detector=body.detector,
        detector_weights=body.weights(caller, ws),
        segmenter=body.segmenter,
        smart_polygon=request.app.state.smart_polygon,
    )
    return PreviewOut(images=images)


@router.post(
    "/projects/{project}/autolabel/jobs",
    response_model=Job,
    status_code=202,
    summary="Label a project",
)
def autolabel_job(
    project: str, body: AutolabelRequest, ws: WorkspaceDep, access: Annotated[Access, requires("annotation.write")]
) -> Job:
    """A background job (progress per image on ``/api/v1/jobs/{id}``); what it finds is stored as annotations with
    ``source`` ``model:<detector>`` and the detector's confidence, to review."""
    params = AutolabelJob(
        project=project,
        settings=body.settings(),
        detector=body.detector,
        detector_weights=body.weights(access.principal, ws),
        segmenter=body.segmenter,
        image_ids=body.image_ids,
    )
    return autolabel.submit_autolabel(ws, params, owner=access.principal.name)


@router.get(
    "/projects/{project}/autolabel/proposals",
    response_model=ProposalsOut,
    summary="The review queue",
    dependencies=[requires("project.read")],
)
def proposals(project: str, ws: WorkspaceDep, limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> ProposalsOut:
    """Proposals not yet reviewed. Accept one with ``PATCH /annotations/{id}`` (``attributes.accepted: true``),
    reject it with ``DELETE /annotations/{id}``."""
    total, pending = autolabel.pending_proposals(ws, project, limit=limit)
    return ProposalsOut(total=total, items=[AnnotationOut.of(a) for a in pending])
