"""One typed parameter model per job kind: what ``submit`` stores, what the handler reads, what the CLI and the API
build. A job's parameters are stored as this model's JSON and validated back into it before the handler runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

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
    alias: ClassVar[str]
    """A short name for ``seglab worker --kinds`` (``train``)."""
    max_attempts: ClassVar[int] = 1
    """How many times a failed job of this kind is run before it stays failed: kinds whose work is safe to repeat
    retry a failure that may pass (a bug in a dependency, a lost connection); a refusal of bad input never retries."""

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class CreateVersionJob(JobParams):
    """Generate a version of ``project`` following ``recipe``."""

    kind: ClassVar[str] = "version.create"
    alias: ClassVar[str] = "version"
    max_attempts: ClassVar[int] = 3
    project: str
    recipe: Recipe = Field(default_factory=Recipe)


class TrainJob(JobParams):
    """Train ``model`` on ``version``; ``run_dir`` keeps the run's files, ``resume`` continues from a checkpoint."""

    kind: ClassVar[str] = "model.train"
    alias: ClassVar[str] = "train"
    max_attempts: ClassVar[int] = 1  # hours of GPU time: an interrupted run is resumed from its checkpoint instead
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
    alias: ClassVar[str] = "evaluate"
    max_attempts: ClassVar[int] = 2
    model_id: int
    split: Split = Split.TEST


class LabelAssistJob(JobParams):
    """Propose annotations on ``image_ids`` of ``project`` (default: the unannotated ones) with a trained model."""

    kind: ClassVar[str] = "model.label_assist"
    alias: ClassVar[str] = "predict"
    max_attempts: ClassVar[int] = 2
    project: str
    model: str
    """A model id, or ``project/version``."""
    image_ids: list[int] | None = None
    confidence: float = Field(default=0.5, ge=0, le=1)


class AutolabelJob(JobParams):
    """Rapid: find the prompts' objects on ``image_ids`` of ``project`` (default: the unannotated ones)."""

    kind: ClassVar[str] = "assist.autolabel"
    alias: ClassVar[str] = "autolabel"
    max_attempts: ClassVar[int] = 2
    project: str
    settings: AutolabelSettings
    detector: str | None = None
    detector_weights: Path | None = None
    segmenter: str | None = None
    image_ids: list[int] | None = None


class NextToLabelJob(JobParams):
    """Active learning: rank ``project``'s unannotated images by ``model_id``'s uncertainty and diversity and choose
    ``count`` (tagged ``tag`` when given); the grid's filter of the result makes an annotation job."""

    kind: ClassVar[str] = "active_learning.rank"
    alias: ClassVar[str] = "rank"
    max_attempts: ClassVar[int] = 2
    project: str
    model_id: int
    count: int = Field(default=50, ge=1, le=10_000)
    second_model_id: int | None = None
    diversity: bool = True
    backend: str = "auto"
    tag: str | None = None


class ImportJob(JobParams):
    """Import the dataset uploaded as blob ``upload`` (an archive named ``archive``: as dropped, or the dropped
    folder and files packed into one) into ``project``: annotations in any readable format, or plain images."""

    kind: ClassVar[str] = "dataset.import"
    alias: ClassVar[str] = "import"
    max_attempts: ClassVar[int] = 1  # images already stored are skipped as duplicates, but a failure is shown at once
    project: str
    upload: str = Field(pattern="^[0-9a-f]{64}$")
    """The sha256 of the archive in the blob store (removed once imported)."""
    archive: str = Field(min_length=1, max_length=255)
    """The archive's file name, which problems are reported under (``brain-tumor.zip/test/x.json``)."""
    format: str = "auto"
    split: Split | None = None
    strict: bool = False


class StreamJob(JobParams):
    """Run ``model`` (or the saved ``workflow``) on the live ``source`` until it ends or the job is cancelled."""

    kind: ClassVar[str] = "stream.run"
    alias: ClassVar[str] = "stream"
    max_attempts: ClassVar[int] = 1
    source: str
    """A video file on the worker's host, a webcam (``/dev/video0``) or an rtsp/http URL."""
    model: str | None = None
    workflow: str | None = None
    """A saved workflow's name or id."""
    parameters: dict[str, Any] = Field(default_factory=dict)
    """The workflow's parameters (its inputs other than the image the frames go to)."""
    track: bool = False
    confidence: float = Field(default=0.4, ge=0.0, le=1.0)
    webhook: str | None = None
    webhook_batch: int = Field(default=1, ge=1)
    save_video: bool = False
    realtime: bool = False
    """Play a file at its frame rate (dropping frames inference cannot keep up with), as a camera would."""
    max_frames: int | None = Field(default=None, ge=1)
    name: str | None = None
    """Its folder under ``SEGLAB_HOME/streams`` (set when it is submitted)."""


class PropagateJob(JobParams):
    """Carry ``annotation_ids`` of keyframe ``image_id`` through ``frames`` frames of its video (``None``: up to
    the next frame a person has annotated or reviewed) with ``propagator``; a track also stops before a frame
    where a person has annotated it."""

    kind: ClassVar[str] = "assist.propagate"
    alias: ClassVar[str] = "propagate"
    max_attempts: ClassVar[int] = 2
    image_id: int
    annotation_ids: list[int] = Field(min_length=1)
    direction: Literal["forward", "backward"] = "forward"
    frames: int | None = Field(default=20, ge=1)
    propagator: str = "flow"


JOB_KINDS: dict[str, type[JobParams]] = {
    kind.kind: kind
    for kind in (
        CreateVersionJob,
        TrainJob,
        EvaluateJob,
        LabelAssistJob,
        AutolabelJob,
        NextToLabelJob,
        ImportJob,
        StreamJob,
        PropagateJob,
    )
}


def job_params(kind: str, params: dict[str, Any]) -> JobParams:
    """A stored job's parameters as its kind's model."""
    model = JOB_KINDS.get(kind)
    if model is None:
        raise InvalidInputError(f"unknown job kind {kind!r} (known: {', '.join(sorted(JOB_KINDS))})")
    return model.model_validate(params)


def parse_kinds(text: str) -> list[str]:
    """``train,predict`` (short names or kind names, comma-separated) as the kinds they name; an unknown name is
    refused with the names known."""
    aliases = {model.alias: kind for kind, model in JOB_KINDS.items()}
    kinds = []
    for name in (part.strip() for part in text.split(",")):
        kind = aliases.get(name, name)
        if kind not in JOB_KINDS:
            known = ", ".join(f"{alias} ({kind})" for alias, kind in sorted(aliases.items()))
            raise InvalidInputError(f"unknown job kind {name!r} in --kinds {text!r}; known: {known}")
        kinds.append(kind)
    return kinds
