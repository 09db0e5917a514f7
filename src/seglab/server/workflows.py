"""Roboflow's workflow routes (``POST /workflows/run``, ``POST /{workspace}/workflows/{id}``, their legacy
``/infer/workflows...`` forms and ``/workflows/validate``), so ``inference-sdk``'s ``run_workflow`` works unchanged.

Models run through the server's model manager (loaded once, concurrent images batched); errors answer in
Roboflow's shape (``message``, ``error_type``, ``context``, ``inner_error_*``, ``blocks_errors``).
A saved definition is found by its name (or id) in seglab's own store; the workspace part of the path
is not checked, since one seglab server is one workspace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from seglab.errors import ForbiddenError, NotFoundError, SeglabError
from seglab.models import Prediction, PredictOptions
from seglab.models.images import RgbImage
from seglab.server.api._access import requires
from seglab.server.api._deps import principal
from seglab.server.model_manager import ModelManager
from seglab.services import permissions, workflows
from seglab.services.permissions import Access
from seglab.workflows import AssistSegmenters, Environment, WorkflowError

router = APIRouter(tags=["workflows (Roboflow-compatible)"])


class ManagedModels:
    """The server's model manager as a workflow's model provider: steps run in worker threads and hand their
    images to the manager's event loop, where concurrent requests for a model share a batch."""

    def __init__(self, manager: ModelManager, loop: asyncio.AbstractEventLoop, allow: Callable[[str], object]) -> None:
        self.manager, self.loop, self.allow = manager, loop, allow

    def predict(self, model_id: str, images: Sequence[RgbImage], options: PredictOptions) -> list[Prediction]:
        self.allow(model_id)  # raises when the caller may not run this model (model.infer in its project)
        pending = asyncio.run_coroutine_threadsafe(self.manager.predict(model_id, list(images), options), self.loop)
        return pending.result()


class ModelRefusedError(WorkflowError):
    """A model step names a model the caller may not run (403), or one in a project they were not given (404)."""

    def __init__(self, refusal: ForbiddenError | NotFoundError, *, context: str) -> None:
        self.status = 403 if isinstance(refusal, ForbiddenError) else 404
        super().__init__(refusal.message, context=context)


def server_environment(request: Request) -> Environment:
    """The models the workflow's steps run are those the caller may run (``model.infer`` in each model's project)."""
    app = request.app
    access: Access | None = getattr(request.state, "access", None)
    caller = access.principal if access is not None else principal(request)

    def allow(model_id: str) -> object:
        try:
            return permissions.authorize(app.state.workspace, caller, "model.infer", ("model", model_id))
        except (ForbiddenError, NotFoundError) as error:
            raise ModelRefusedError(error, context="workflow_execution") from error

    return workflows.local_environment(
        app.state.workspace,
        models=ManagedModels(app.state.models, asyncio.get_running_loop(), allow),
        segmenters=AssistSegmenters(app.state.smart_polygon),
    )


async def run_workflow(
    request: Request, definition: Any, inputs: dict[str, Any], excluded_fields: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Compile and run in a worker thread (the event loop stays free to batch the steps' model calls)."""
    environment = server_environment(request)
    ws = request.app.state.workspace

    def work() -> list[dict[str, Any]]:
        return workflows.run_definition(ws, definition, inputs, environment).to_json(excluded_fields)

    return await asyncio.to_thread(work)


class WorkflowRunRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    inputs: dict[str, Any] = Field(default_factory=dict)
    specification: dict[str, Any] | None = None
    excluded_fields: list[str] | None = None
    api_key: str | None = None
    use_cache: bool = True
    enable_profiling: bool = False


def roboflow_error(error: WorkflowError) -> JSONResponse:
    return JSONResponse(error.roboflow_body(), status_code=error.status)


async def _answer(request: Request, definition: Any, body: WorkflowRunRequest) -> JSONResponse:
    try:
        outputs = await run_workflow(request, definition, body.inputs, body.excluded_fields or ())
    except WorkflowError as error:
        return roboflow_error(error)
    return JSONResponse({"outputs": outputs, "profiler_trace": []})


@router.post(
    "/workflows/run", summary="Run a workflow definition sent with the request", dependencies=[requires("workflow.run")]
)
async def run_specification(body: WorkflowRunRequest, request: Request) -> JSONResponse:
    if body.specification is None:
        return roboflow_error(WorkflowError("the request needs `specification`: a workflow definition"))
    return await _answer(request, body.specification, body)


@router.post(
    "/infer/workflows",
    summary="Run a workflow definition (Roboflow's legacy path)",
    include_in_schema=False,
    dependencies=[requires("workflow.run")],
)
async def run_specification_legacy(body: WorkflowRunRequest, request: Request) -> JSONResponse:
    return await run_specification(body, request)


async def _saved(request: Request, workflow_id: str, body: WorkflowRunRequest) -> JSONResponse:
    try:
        definition = workflows.get_workflow(request.app.state.workspace, workflow_id).spec
    except SeglabError as error:
        return JSONResponse({"message": error.message, "error_type": "NotFoundError"}, status_code=404)
    return await _answer(request, definition, body)


@router.post(
    "/{workspace_name}/workflows/{workflow_id}",
    summary="Run a workflow saved in seglab (by name or id)",
    dependencies=[requires("workflow.run")],
)
async def run_saved(workspace_name: str, workflow_id: str, body: WorkflowRunRequest, request: Request) -> JSONResponse:
    """``workspace_name`` is not checked: one seglab server is one workspace."""
    return await _saved(request, workflow_id, body)


@router.post(
    "/infer/workflows/{workspace_name}/{workflow_id}", include_in_schema=False, dependencies=[requires("workflow.run")]
)
async def run_saved_legacy(
    workspace_name: str, workflow_id: str, body: WorkflowRunRequest, request: Request
) -> JSONResponse:
    return await _saved(request, workflow_id, body)


@router.post(
    "/workflows/validate",
    summary="Check a workflow definition without running it",
    dependencies=[requires("workflow.read")],
)
async def validate(request: Request) -> JSONResponse:
    """The body is the definition itself, as Roboflow's server takes it."""
    try:
        workflows.validate_definition(await request.json())
    except WorkflowError as error:
        return roboflow_error(error)
    except ValueError:
        return roboflow_error(WorkflowError("the body is not JSON"))
    return JSONResponse({"status": "ok"})


def install(app: FastAPI) -> None:
    """Serve the routes (before Roboflow's legacy ``/{dataset}/{version}`` catch-all)."""
    app.include_router(router)


__all__ = ["ManagedModels", "install", "run_workflow", "server_environment"]
