"""Videos: a project's videos, a frame's video with the frame strip's marks, propagation and interpolation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from seglab.jobs import PropagateJob
from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import propagation, videos
from seglab.services.permissions import Access
from seglab.store.jobs import Job
from seglab.store.videos import Video

router = APIRouter(tags=["videos"])


class VideoOut(BaseModel):
    id: int
    file_name: str = Field(description="The uploaded file's name.")
    fps: float = Field(description="The source's average frame rate.")
    frame_count: int = Field(description="Frames in the source.")
    sampled_fps: float
    duration_seconds: float
    width: int
    height: int
    rotation: int = Field(description="Degrees the frames were turned to stand upright.")
    frames: int = Field(description="Sampled frames stored as images.")
    annotated: int = Field(description="Frames annotated, not yet reviewed.")
    reviewed: int = Field(description="Frames reviewed (with objects, or as holding none).")

    @classmethod
    def of(cls, video: Video) -> VideoOut:
        return cls.model_validate(video, from_attributes=True)


class StripFrameOut(BaseModel):
    image_id: int
    frame_index: int
    status: str
    annotations: int
    pending: int = Field(description="Propagated proposals nobody has reviewed yet.")


class FrameStripOut(BaseModel):
    video: VideoOut
    frames: list[StripFrameOut]
    propagators: list[str] = Field(description="Propagators usable now (their weights are at hand).")


class PropagateIn(BaseModel):
    annotation_ids: list[int] = Field(min_length=1, description="Annotations of this frame to carry.")
    direction: Literal["forward", "backward"] = "forward"
    frames: int | None = Field(
        default=20, ge=1, description="How many frames; null: up to the next frame a person has annotated or reviewed."
    )
    propagator: str = "flow"


class InterpolateIn(BaseModel):
    to_annotation_id: int | None = Field(
        default=None,
        description="The track's annotation on the other keyframe; null: the track's next keyframe (a frame where "
        "a person drew or accepted it), else its previous one.",
    )


class InterpolatedOut(BaseModel):
    frames: int = Field(description="Frames between the two keyframes.")
    proposals: int
    replaced: int = Field(description="Unreviewed proposals of the track there that the new ones replaced.")


@router.get("/projects/{project}/videos", response_model=list[VideoOut], dependencies=[requires("project.read")])
def list_videos(project: str, ws: WorkspaceDep) -> list[VideoOut]:
    return [VideoOut.of(v) for v in videos.list_videos(ws, project)]


@router.get(
    "/images/{image_id}/video",
    response_model=FrameStripOut,
    summary="The video this image is a frame of, with its frames' marks",
    dependencies=[requires("project.read")],
)
def frame_strip(image_id: int, ws: WorkspaceDep) -> FrameStripOut:
    video, frames, usable = propagation.frame_strip(ws, image_id)
    return FrameStripOut(
        video=VideoOut.of(video),
        frames=[StripFrameOut(**vars(frame)) for frame in frames],
        propagators=usable,
    )


@router.post("/images/{image_id}/propagate", response_model=Job, status_code=202)
def propagate(
    image_id: int, body: PropagateIn, ws: WorkspaceDep, access: Annotated[Access, requires("annotation.write")]
) -> Job:
    """Carry annotations of this frame through the next (or previous) frames of its video as a background job
    (progress on ``/api/v1/jobs/{id}``); the results are proposals to review (``source`` ``propagate:<name>``),
    replacing the tracks' unreviewed proposals on those frames."""
    params = PropagateJob(image_id=image_id, **body.model_dump())
    return propagation.submit_propagation(ws, params, owner=access.principal.name)


@router.post(
    "/annotations/{annotation_id}/interpolate",
    summary="Proposals on the frames between two keyframes of a track",
    response_model=InterpolatedOut,
    dependencies=[requires("annotation.write")],
)
def interpolate(annotation_id: int, ws: WorkspaceDep, body: InterpolateIn | None = None) -> InterpolatedOut:
    """Without a body (or ``to_annotation_id``), up to the track's next keyframe."""
    report = propagation.interpolate(ws, annotation_id, body.to_annotation_id if body else None)
    return InterpolatedOut(frames=report.frames, proposals=report.proposals, replaced=report.replaced)
