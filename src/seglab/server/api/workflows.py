"""Saved workflows for the web app: list, read, save (validated), delete, validate, and run on an uploaded image.

Errors use the app API's shape; a workflow error keeps Roboflow's fields (``error_type``, ``blocks_errors``
...) in ``error.details``, so the editor can mark each offending step.
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from seglab.errors import InvalidInputError
from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.server.errors import error_response
from seglab.server.workflows import run_workflow, server_environment
from seglab.services import workflows
from seglab.workflows import Block, Kind, WorkflowError, default_registry
from seglab.workflows.kinds import compatible

router = APIRouter(prefix="/workflows", tags=["workflows"])


class Workflow(BaseModel):
    id: int
    name: str
    specification: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def _workflow(saved: workflows.SavedWorkflow) -> Workflow:
    return Workflow(
        id=saved.id,
        name=saved.name,
        specification=saved.spec,
        created_at=saved.created_at,
        updated_at=saved.updated_at,
    )


def _error(error: WorkflowError) -> JSONResponse:
    return error_response(error.status, error.code, error.message, error.details)


class SaveRequest(BaseModel):
    specification: dict[str, Any]


class RunRequest(BaseModel):
    specification: dict[str, Any] | None = Field(default=None, description="A definition; default: the saved one.")
    name: str | None = Field(default=None, description="A saved workflow's name.")
    inputs: dict[str, Any] = Field(default_factory=dict, description="Images as {type: base64, value}, parameters.")
    excluded_fields: list[str] = Field(default_factory=list)


class BlockField(BaseModel):
    """A manifest field that takes selectors: the kinds of data it accepts."""

    name: str
    kinds: list[str]
    per_image: bool = Field(description="Images or predictions: the step runs once per image (or crop).")
    steps: bool = Field(description="It names steps themselves (`$steps.s`), as continue_if's next_steps.")


class BlockOutput(BaseModel):
    name: str
    kinds: list[str]


class BlockInfo(BaseModel):
    """A block as an editor needs it: its names, where a palette files it, its fields' JSON schema (from the
    manifest), which fields take selectors of which kinds, and its outputs' kinds."""

    type: str
    aliases: list[str]
    description: str
    category: str = Field(description="The block's `category`, else the module it is defined in (`models` ...).")
    outputs: list[str]
    output_kinds: list[BlockOutput]
    inputs: list[BlockField]
    manifest_schema: dict[str, Any] = Field(description="The manifest's JSON schema (pydantic's).")


class KindInfo(BaseModel):
    name: str
    accepts: list[str] = Field(description="The kinds a field of this kind takes (itself included).")


@router.get("", response_model=list[Workflow], summary="Saved workflows", dependencies=[requires("workflow.read")])
def list_workflows(ws: WorkspaceDep) -> list[Workflow]:
    return [_workflow(saved) for saved in workflows.list_workflows(ws)]


@router.get(
    "/blocks",
    response_model=list[BlockInfo],
    summary="The blocks a definition can use",
    dependencies=[requires("workspace.read")],
)
def list_blocks() -> list[BlockInfo]:
    return [_block_info(block) for block in default_registry()]


@functools.cache
def _block_info(block: type[Block]) -> BlockInfo:
    """What the editor shows of a block, made once per block class: all of it is the class's own (names, fields,
    manifest), and pydantic's JSON schema of the manifests cost ~0.1 s of CPU per listing of the 41 built-ins. A
    plugin's block is a class of its own, so it gets its entry when first listed."""
    names = block.type_names()
    category = getattr(block, "category", None) or block.__module__.rsplit(".", 1)[-1].replace("_", " ")
    return BlockInfo(
        type=names[0],
        aliases=list(names[1:]),
        description=block.description,
        category=str(category),
        outputs=list(block.outputs),
        output_kinds=[BlockOutput(name=name, kinds=list(kinds)) for name, kinds in block.outputs.items()],
        inputs=[
            BlockField(name=name, kinds=list(accepts.kinds), per_image=accepts.batch, steps=accepts.steps)
            for name, accepts in block.accepting_fields().items()
        ],
        manifest_schema=block.manifest.model_json_schema(),
    )


@router.get(
    "/kinds",
    response_model=list[KindInfo],
    summary="Which kinds of data each kind of field accepts (the compiler's rule)",
    dependencies=[requires("workspace.read")],
)
def list_kinds() -> list[KindInfo]:
    return [
        KindInfo(
            name=kind, accepts=[other for other in Kind if other != Kind.WILDCARD and compatible((kind,), (other,))]
        )
        for kind in Kind
        if kind != Kind.WILDCARD
    ]


class BlockProblem(BaseModel):
    block_id: str
    block_type: str | None = None
    block_details: str | None = None
    property_name: str | None = None
    property_details: str | None = None


class WorkflowCheck(BaseModel):
    """A definition's check: ``valid`` with its steps and outputs, or the error in Roboflow's fields."""

    valid: bool
    steps: list[str] | None = None
    outputs: list[str] | None = None
    warnings: list[str] | None = None
    """What compiled but was ignored, as Roboflow ignores it (a field its manifest does not declare)."""
    message: str | None = None
    error_type: str | None = None
    context: str | None = None
    inner_error_type: str | None = None
    inner_error_message: str | None = None
    blocks_errors: list[BlockProblem] | None = None


class WorkflowOutputs(BaseModel):
    outputs: list[dict[str, Any]] = Field(description="One object per image: each output by name.")


# `responses` documents the answers (for typed clients) without filtering them through a response model
@router.post(
    "/validate",
    summary="Check a definition; answers the errors per step",
    response_model=None,
    responses={200: {"model": WorkflowCheck, "description": "The check"}},
    dependencies=[requires("workflow.read")],
)
def validate(body: SaveRequest) -> dict[str, Any]:
    try:
        compiled = workflows.validate_definition(body.specification)
    except WorkflowError as error:
        return {"valid": False, "message": error.message, **error.roboflow_fields()}
    outputs = [o.name for o in compiled.outputs]
    return {"valid": True, "steps": list(compiled.steps), "outputs": outputs, "warnings": compiled.warnings}


@router.post(
    "/run",
    summary="Run a definition (or a saved workflow) on images",
    response_model=None,
    responses={200: {"model": WorkflowOutputs, "description": "The outputs"}},
    dependencies=[requires("workflow.run")],
)
async def run(body: RunRequest, request: Request) -> Any:
    definition: Any = body.specification if body.specification is not None else body.name
    if definition is None:
        return error_response(400, "invalid_input", "send `specification` or the `name` of a saved workflow")
    try:
        outputs = await run_workflow(request, definition, body.inputs, body.excluded_fields)
    except WorkflowError as error:
        return _error(error)
    return {"outputs": outputs}


@router.get("/{name}", response_model=Workflow, dependencies=[requires("workflow.read")])
def get_workflow(name: str, ws: WorkspaceDep) -> Workflow:
    return _workflow(workflows.get_workflow(ws, name))


@router.put(
    "/{name}",
    response_model=Workflow,
    summary="Save (create or replace) a workflow; it is validated first",
    dependencies=[requires("workflow.manage")],
)
def save_workflow(name: str, body: SaveRequest, ws: WorkspaceDep) -> Any:
    try:
        return _workflow(workflows.save_workflow(ws, name, body.specification))
    except WorkflowError as error:
        return _error(error)


@router.delete("/{name}", response_model=Workflow, dependencies=[requires("workflow.manage")])
def delete_workflow(name: str, ws: WorkspaceDep) -> Workflow:
    return _workflow(workflows.delete_workflow(ws, name))


class VideoFrameOutputs(BaseModel):
    frame: int
    seconds: float
    outputs: dict[str, Any]


class VideoOutputs(BaseModel):
    frames: list[VideoFrameOutputs]


@router.post(
    "/{name}/video",
    summary="Run a saved workflow on every frame of an uploaded video",
    response_model=None,
    responses={200: {"model": VideoOutputs, "description": "The outputs of each frame"}},
    dependencies=[requires("workflow.run")],
)
async def run_on_video(
    name: str,
    request: Request,
    ws: WorkspaceDep,
    file: UploadFile,
    parameters: Annotated[str, Form(description="The workflow's parameters, as a JSON object.")] = "{}",
) -> Any:
    """The frames run in order through one environment, so trackers, line counters and time-in-zone keep their
    state across them; images are left out of the answer (``{"type": "image"}``). For long or live video, start a
    stream (``POST /api/v1/streams``) instead."""
    try:
        values = json.loads(parameters)
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"parameters must be a JSON object ({error})") from None
    if not isinstance(values, dict):
        raise InvalidInputError("parameters must be a JSON object")
    environment = server_environment(request)
    suffix = Path(file.filename or "video.mp4").suffix[:8] or ".mp4"

    def work() -> list[dict[str, Any]]:
        with tempfile.NamedTemporaryFile(suffix=suffix, prefix="seglab-video-") as copy:
            shutil.copyfileobj(file.file, copy)
            copy.flush()
            return [
                {"frame": frame.index, "seconds": round(frame.seconds, 4), "outputs": workflows.frame_outputs_json(out)}
                for frame, out in workflows.run_video(ws, name, Path(copy.name), environment, values)
            ]

    try:
        frames = await asyncio.to_thread(work)
    except WorkflowError as error:
        return _error(error)
    return {"frames": frames}
