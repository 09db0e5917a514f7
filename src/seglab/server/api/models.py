"""Training (queued as background jobs) and trained models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from seglab.core import Split
from seglab.jobs import LabelAssistJob, TrainJob
from seglab.models import TrainSettings
from seglab.models.choices import ModelChoice, model_choices
from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.server.api._paths import readable_path
from seglab.services import evaluation, inference, leaderboard, permissions, projects, training
from seglab.services.evaluation import EvaluationSummary
from seglab.services.inference import LabelAssistReport
from seglab.services.leaderboard import Leaderboard
from seglab.services.permissions import Access
from seglab.store.jobs import Job
from seglab.store.models import TrainedModel

router = APIRouter(tags=["models"])


class TrainRequest(BaseModel):
    model: str = "rfdetr-seg-nano"
    epochs: int = Field(default=10, ge=1)
    batch_size: int = Field(default=4, ge=1)
    lr: float = Field(default=1e-4, gt=0)
    resolution: int | None = Field(default=None, gt=0)
    device: str = "cpu"
    devices: int | str | None = Field(
        default=None, description="Several GPUs (with device cuda): a count (2) or indices ('0,1'); rfdetr's DDP."
    )
    strategy: str | None = Field(default=None, description="Lightning strategy with devices (ddp, fsdp, ...).")
    weights: str | None = Field(
        default=None, description="A .pth file on the server to start from (admins; under SEGLAB_IMPORT_ROOTS)."
    )
    from_scratch: bool = False
    time_limit_seconds: float | None = Field(
        default=None, gt=0, description="Fail the run past this long (default: SEGLAB_JOB_TIME_LIMITS' for train)."
    )


@router.post("/versions/{version_id}/train", response_model=Job, status_code=202, summary="Queue a training run")
def train(
    version_id: int, body: TrainRequest, ws: WorkspaceDep, access: Annotated[Access, requires("model.train")]
) -> Job:
    """Training runs in a background worker; ``/api/v1/jobs/{id}`` shows epochs, losses and metrics as they come."""
    settings = TrainSettings(
        epochs=body.epochs,
        batch_size=body.batch_size,
        lr=body.lr,
        resolution=body.resolution,
        device=body.device,
        devices=body.devices,
        strategy=body.strategy,
    )
    weights = readable_path(access.principal, ws, body.weights) if body.weights else None  # admins; SEGLAB_IMPORT_ROOTS
    params = TrainJob(
        version=str(version_id), model=body.model, settings=settings, weights=weights, from_scratch=body.from_scratch
    )
    return training.submit_training(ws, params, owner=access.principal.name, time_limit_seconds=body.time_limit_seconds)


@router.get("/projects/{project}/models", response_model=list[TrainedModel], dependencies=[requires("model.read")])
def list_models(project: str, ws: WorkspaceDep) -> list[TrainedModel]:
    return training.list_models(ws, project)


@router.get("/models", response_model=list[TrainedModel], summary="Every trained model of the caller's projects")
def all_models(ws: WorkspaceDep, access: Annotated[Access, requires("workspace.read")]) -> list[TrainedModel]:
    everything = training.all_models(ws)
    if access.visible_projects is None:
        return everything
    names = {p.name for p in projects.list_projects(ws) if p.id in access.visible_projects}
    return [m for m in everything if m.project in names]


@router.get("/models/{model_id}", response_model=TrainedModel, dependencies=[requires("model.read")])
def get_model(model_id: int, ws: WorkspaceDep) -> TrainedModel:
    return training.get_model(ws, model_id)


@router.get(
    "/architectures",
    response_model=list[str],
    summary="Model architectures training accepts",
    dependencies=[requires("workspace.read")],
)
def architectures() -> list[str]:
    return training.trainable_models()


@router.get(
    "/versions/{version_id}/leaderboard",
    response_model=Leaderboard,
    summary="Every model trained on a version, compared",
    dependencies=[requires("model.train")],
)
def version_leaderboard(version_id: int, ws: WorkspaceDep, split: Split = Split.TEST) -> Leaderboard:
    """Mask and box mAP (seglab's evaluation on ``split``, the same code for every architecture), per-class AP, ONNX
    Runtime p50 latency on this server, sizes, epochs and training time; models not yet evaluated or exported are
    evaluated and exported first (the first call can take a while, later ones read the stored results)."""
    return leaderboard.compare(ws, version_id, split=split)


@router.post(
    "/models/{model_id}/deploy",
    response_model=TrainedModel,
    summary="Make a model the one its version deploys",
    dependencies=[requires("model.train")],
)
def deploy_model(model_id: int, ws: WorkspaceDep, request: Request) -> TrainedModel:
    """Afterwards ``project/version`` (the Roboflow routes, workflows, the agent) names this model instead of the
    newest one trained on the version."""
    deployed = leaderboard.deploy(ws, model_id)
    request.app.state.models.remove(deployed.version)  # a loaded copy of the previous choice must not answer again
    return deployed


@router.get(
    "/architectures/choices",
    response_model=list[ModelChoice],
    summary="The models training accepts, with family, licence, input size and published COCO mask mAP",
    dependencies=[requires("workspace.read")],
)
def architecture_choices(ws: WorkspaceDep) -> list[ModelChoice]:
    """seglab's own models with what their authors publish, and whether their pretrained checkpoint is here; a
    plugin's models by name only."""
    known = {choice.name: choice for choice in model_choices(ws.settings.weights_dir)}
    return [known.get(name) or ModelChoice(name, "plugins", "", 0, None) for name in training.trainable_models()]


class EvaluateRequest(BaseModel):
    split: Split = Split.TEST


@router.post(
    "/models/{model_id}/evaluate",
    response_model=Job,
    status_code=202,
    summary="Queue an evaluation",
)
def evaluate(
    model_id: int, body: EvaluateRequest, ws: WorkspaceDep, access: Annotated[Access, requires("model.train")]
) -> Job:
    """Evaluates on a split of the version the model was trained on, in a background worker (progress per image);
    the result is then at ``/models/{id}/evaluation``."""
    return evaluation.submit_evaluation(ws, model_id, split=body.split, owner=access.principal.name)


@router.get(
    "/models/{model_id}/evaluation",
    response_model=EvaluationSummary,
    summary="The newest evaluation",
    dependencies=[requires("model.read")],
)
def latest_evaluation(model_id: int, ws: WorkspaceDep) -> EvaluationSummary:
    return evaluation.latest_evaluation(ws, model_id)


@router.get(
    "/models/{model_id}/evaluation/plots/{name}.png", response_class=FileResponse, dependencies=[requires("model.read")]
)
def evaluation_plot(model_id: int, name: str, ws: WorkspaceDep) -> FileResponse:
    return FileResponse(evaluation.evaluation_plot(ws, model_id, name), media_type="image/png")


class LabelAssistRequest(BaseModel):
    model: str = Field(description="A model id or project/version.")
    image_ids: list[int] | None = Field(default=None, description="Default: the project's unannotated images.")
    confidence: float = Field(default=0.5, ge=0, le=1)


@router.post(
    "/projects/{project}/label-assist",
    response_model=LabelAssistReport,
    summary="Label assist, now",
)
def label_assist(
    project: str, body: LabelAssistRequest, ws: WorkspaceDep, access: Annotated[Access, requires("annotation.write")]
) -> LabelAssistReport:
    """The model's predictions become annotations (``source`` ``model:<id>``, with confidence) to review; for a few
    images (the editor's current one). Use ``/label-assist/jobs`` for many. The model must be one the caller may
    run (``model.infer`` in its project)."""
    permissions.authorize(ws, access.principal, "model.infer", ("model", body.model))
    return inference.label_assist(ws, project, body.model, image_ids=body.image_ids, confidence=body.confidence)


@router.post(
    "/projects/{project}/label-assist/jobs",
    response_model=Job,
    status_code=202,
)
def label_assist_job(
    project: str, body: LabelAssistRequest, ws: WorkspaceDep, access: Annotated[Access, requires("annotation.write")]
) -> Job:
    """Label assist as a background job (progress per image on ``/api/v1/jobs/{id}``)."""
    permissions.authorize(ws, access.principal, "model.infer", ("model", body.model))
    params = LabelAssistJob(project=project, model=body.model, image_ids=body.image_ids, confidence=body.confidence)
    return inference.submit_label_assist(ws, params, owner=access.principal.name)
