"""One typed parameter model per job kind: what ``submit`` stores, what the handler reads, what the CLI and the API
build. A job's parameters are stored as this model's JSON and validated back into it before the handler runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from seglab.assist.autolabel import AutolabelSettings
from seglab.core import Split
from seglab.errors import InvalidInputError
from seglab.models import TrainSettings
from seglab.versions import Recipe


class JobParams(BaseModel):
    """Base of every kind's parameters; ``kind`` is the name jobs are stored and listed under."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class CreateVersionJob(JobParams):
    """Generate a version of ``project`` following ``recipe``."""

    kind: ClassVar[str] = "version.create"
    project: str
    recipe: Recipe = Field(default_factory=Recipe)


class TrainJob(JobParams):
    """Train ``model`` on ``version``; ``run_dir`` keeps the run's files, ``resume`` continues from a checkpoint."""

    kind: ClassVar[str] = "model.train"
    version: str
    """``project/number`` or a version id."""
    model: str = "rfdetr-seg-nano"
    settings: TrainSettings = Field(default_factory=TrainSettings)
    weights: Path | None = None
    from_scratch: bool = False
    run_dir: Path | None = None
    resume: Path | None = None
    resumes_job: int | None = None
    """The interrupted job this one continues."""


class EvaluateJob(JobParams):
    """Evaluate model ``model_id`` on ``split`` of the version it was trained on."""

    kind: ClassVar[str] = "model.evaluate"
    model_id: int
    split: Split = Split.TEST


class LabelAssistJob(JobParams):
    """Propose annotations on ``image_ids`` of ``project`` (default: the unannotated ones) with a trained model."""

    kind: ClassVar[str] = "model.label_assist"
    project: str
    model: str
    """A model id, or ``project/version``."""
    image_ids: list[int] | None = None
    confidence: float = Field(default=0.5, ge=0, le=1)


class AutolabelJob(JobParams):
    """Rapid: find the prompts' objects on ``image_ids`` of ``project`` (default: the unannotated ones)."""

    kind: ClassVar[str] = "assist.autolabel"
    project: str
    settings: AutolabelSettings
    detector: str | None = None
    detector_weights: Path | None = None
    segmenter: str | None = None
    image_ids: list[int] | None = None


JOB_KINDS: dict[str, type[JobParams]] = {
    kind.kind: kind for kind in (CreateVersionJob, TrainJob, EvaluateJob, LabelAssistJob, AutolabelJob)
}


def job_params(kind: str, params: dict[str, Any]) -> JobParams:
    """A stored job's parameters as its kind's model."""
    model = JOB_KINDS.get(kind)
    if model is None:
        raise InvalidInputError(f"unknown job kind {kind!r} (known: {', '.join(sorted(JOB_KINDS))})")
    return model.model_validate(params)
