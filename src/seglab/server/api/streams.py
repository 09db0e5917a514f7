"""Streams as jobs: start one (a model or a saved workflow on a file, a webcam or an RTSP/HTTP URL the server can
reach), watch its newest drawn frame as MJPEG; it is followed and stopped as any job (``/api/v1/jobs/{id}``,
``.../cancel``)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from seglab.errors import ForbiddenError, InvalidInputError
from seglab.jobs import StreamJob
from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import jobs, permissions, streams
from seglab.services.accounts import Principal
from seglab.services.permissions import Access
from seglab.store import Workspace
from seglab.store.jobs import Job, JobStatus
from seglab.workflows import WorkflowError

router = APIRouter(prefix="/streams", tags=["streams"])

BOUNDARY = "seglab-frame"
FINISHED = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}


class StreamRequest(BaseModel):
    source: str = Field(description="A video file on the server, a webcam (/dev/video0) or an rtsp:// http:// URL.")
    model_id: int | str | None = Field(
        default=None, description="A model id or project/version (as the inference routes take it)."
    )
    workflow: str | None = Field(
        default=None, description="A saved workflow's name, run on each frame instead of a model (give one of them)."
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="The workflow's parameters (its inputs besides the frames' image)."
    )
    track: bool = False
    confidence: float = Field(default=0.4, ge=0, le=1)
    webhook: str | None = Field(default=None, description="POST each frame's results (JSON) here.")
    webhook_batch: int = Field(default=1, ge=1)
    save_video: bool = Field(default=False, description="Also keep the drawn frames as annotated.mp4.")
    realtime: bool = Field(default=False, description="Play a file at its frame rate (dropping what is missed).")
    max_frames: int | None = Field(default=None, ge=1)


@router.post("", response_model=Job, status_code=202, summary="Start a stream (a job)")
def start_stream(
    body: StreamRequest,
    ws: WorkspaceDep,
    access: Annotated[Access, requires("model.infer", body=("model_id", "model"))],
) -> Job:
    """A model (``model_id``) or a saved workflow (``workflow``, with its ``parameters``: trackers and counters keep
    their state from frame to frame) on each frame. The source is opened first: one that cannot be opened is refused
    (400) at once, as is a workflow that does not compile or has no image input. A worker then streams it until it
    ends or the job is cancelled; the job's progress has the frames decoded, inferred and dropped."""
    if (body.model_id is None) == (body.workflow is None):
        raise InvalidInputError("a stream runs a model (model_id) or a saved workflow (workflow): give one of them")
    if not access.principal.is_admin and not _is_url(body.source):
        raise ForbiddenError("only workspace admins may stream a file or a camera of the server; give a URL")
    if body.workflow is not None:
        _authorize_workflow(ws, access.principal, body.workflow, body.parameters)
    model = None if body.model_id is None else str(body.model_id)
    params = StreamJob(**body.model_dump(exclude={"model_id"}), model=model)
    return streams.submit_stream(ws, params, owner=access.principal.name)


def _authorize_workflow(ws: Workspace, caller: Principal, workflow: str, parameters: dict[str, Any]) -> None:
    """The worker runs the workflow with no caller to ask, so the caller must now be allowed to run workflows and
    every model its steps name (``model.infer`` in each model's project, as a workflow run over HTTP checks)."""
    permissions.authorize(ws, caller, "workflow.run")
    try:
        models = streams.stream_workflow_models(ws, workflow, parameters)
    except WorkflowError as error:
        raise InvalidInputError(f"workflow {workflow!r}: {error.message}") from None
    for model in models:
        if model is None and not caller.is_admin:
            raise ForbiddenError(f"workflow {workflow!r} takes a model id from a step's output; only admins stream it")
        if model is not None:
            permissions.authorize(ws, caller, "model.infer", ("model", model))


def _is_url(source: str) -> bool:
    return source.lower().startswith(("rtsp://", "rtsps://", "http://", "https://"))


@router.get(
    "/{job_id}/preview",
    summary="The stream's newest drawn frame, live (MJPEG)",
    response_class=StreamingResponse,
    dependencies=[requires("job.read")],
)
def preview(job_id: int, ws: WorkspaceDep) -> StreamingResponse:
    """``multipart/x-mixed-replace`` JPEGs (an ``<img src>`` shows it live), a new part whenever the stream draws
    a frame; it ends with the stream."""
    job = jobs.get_job(ws, job_id)
    if job.kind != StreamJob.kind:
        raise InvalidInputError(f"job {job_id} is a {job.kind} job, not a stream")
    name = StreamJob.model_validate(job.params).name or ""
    return StreamingResponse(_frames(ws, job_id, name), media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}")


async def _frames(ws: Workspace, job_id: int, name: str) -> AsyncIterator[bytes]:
    picture = streams.stream_folder(ws, name) / "preview.jpg"
    last = None
    for tick in itertools.count():
        try:
            stamp = picture.stat().st_mtime_ns
            if stamp != last:
                data = picture.read_bytes()
                last = stamp
                header = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n"
                yield header.encode() + data + b"\r\n"
        except FileNotFoundError:
            pass
        if tick % 10 == 0 and (await asyncio.to_thread(jobs.get_job, ws, job_id)).status in FINISHED:
            return  # the stream ended (its status is read once a second)
        await asyncio.sleep(0.1)
