"""Sinks storing the image and the detections on it in a project, as annotations to review.

``ProjectUpload`` is label assist as a workflow step: each detection becomes an ordinary annotation (a polygon,
with the model's confidence and ``source`` ``workflow:<step>``), classes matched to the project's by name.
``DatasetUpload`` is Roboflow's dataset upload block (its fields): active learning from deployed traffic, a sample of
the images within usage quotas, predictions stored as proposals.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import cv2
import numpy as np
import supervision as sv
from pydantic import AliasChoices, Field

from seglab.errors import InvalidInputError, SeglabError
from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.usage_quota import USAGE_QUOTAS
from seglab.workflows.values import WorkflowImage


class ProjectUploadManifest(StepManifest):
    type: Literal["seglab/project_upload@v1", "ProjectUpload"]
    images: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    predictions: Annotated[Selector, Accepts(DETECTIONS, batch=True)]
    project: Annotated[str | Selector, Accepts((Kind.STRING,))]
    split: Annotated[Literal["train", "valid", "test", "unassigned"] | Selector, Accepts((Kind.STRING,))] = "unassigned"
    tags: Annotated[list[str] | Selector, Accepts((Kind.LIST_OF_VALUES,))] = Field(default_factory=list)
    fire_and_forget: bool = False
    """Accepted for Roboflow's sinks' sake; storing is always finished before the step ends."""


class ProjectUpload(Block):
    """Outputs ``image_id``, ``annotations`` (how many were stored), ``error_status`` and ``message``, as Roboflow's
    dataset upload sink reports."""

    manifest = ProjectUploadManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "image_id": (Kind.INTEGER,),
        "annotations": (Kind.INTEGER,),
        "error_status": (Kind.BOOLEAN,),
        "message": (Kind.STRING,),
    }
    description = "Store the image and its detections in a project (label assist)"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        sink = context.environment.projects
        if sink is None:
            raise context.fail("this environment cannot store into projects")
        try:
            stored = sink.store(
                str(step.project),
                step.images,
                step.predictions,
                split=str(step.split),
                tags=[str(t) for t in step.tags],
                source=f"workflow:{context.step}",
            )
        except SeglabError as error:
            raise context.fail(error.message, error) from error
        unmatched = ", ".join(stored.unmatched_classes)
        skipped = f"; classes not in the project: {unmatched}" if unmatched else ""
        return {
            "image_id": stored.image_id,
            "annotations": stored.annotations,
            "error_status": False,
            "message": f"stored {stored.annotations} annotations on image {stored.image_id}{skipped}",
        }


class DatasetUploadManifest(StepManifest):
    """The fields of Roboflow's ``roboflow_core/roboflow_dataset_upload@v2``, storing into a seglab project."""

    type: Literal["roboflow_core/roboflow_dataset_upload@v2"]  # Roboflow gives v2 no short alias
    images: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)] = Field(
        validation_alias=AliasChoices("image", "images")
    )
    target_project: Annotated[str | Selector, Accepts((Kind.STRING,))]
    predictions: Annotated[Selector | None, Accepts(DETECTIONS, batch=True)] = None
    data_percentage: Annotated[Annotated[float, Field(ge=0.0, le=100.0)] | Selector, Accepts((Kind.FLOAT,))] = 100.0
    """Percent of the images stored (a random sample)."""
    minutely_usage_limit: int = Field(default=10, ge=0)
    hourly_usage_limit: int = Field(default=100, ge=0)
    daily_usage_limit: int = Field(default=1000, ge=0)
    usage_quota_name: str
    """The quota these limits count against (steps naming the same quota share it)."""
    max_image_size: tuple[int, int] = (1920, 1080)
    """Larger images are downsized (aspect ratio kept), their predictions with them."""
    compression_level: int = Field(default=95, gt=0, le=100)
    """JPEG quality of the stored image."""
    registration_tags: Annotated[list[str] | Selector, Accepts((Kind.LIST_OF_VALUES,))] = Field(default_factory=list)
    persist_predictions: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True
    """Store the predictions as proposals (annotations to review) on the image."""
    disable_sink: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = False
    fire_and_forget: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True
    """Accepted for Roboflow's sake; storing is always finished before the step ends."""
    labeling_batch_prefix: Annotated[str | Selector, Accepts((Kind.STRING,))] = "workflows_data_collector"
    """Stored images are tagged with it (and the date, see below): the grid's tag filter finds a batch."""
    labeling_batches_recreation_frequency: Literal["never", "daily", "weekly", "monthly"] = "never"
    metadata: Annotated[dict[str, Any], Accepts()] = Field(default_factory=dict)
    """Roboflow's image metadata (values or selectors): each ``key: value`` becomes a tag of the stored image, so the
    grid's tag filter finds the images from, say, one camera."""


class DatasetUpload(Block):
    """Roboflow's dataset upload sink: collects images from deployed traffic into a project, sampled
    (``data_percentage``) and within quotas per minute, hour and day; outputs ``error_status`` and ``message``."""

    manifest = DatasetUploadManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"error_status": (Kind.BOOLEAN,), "message": (Kind.STRING,)}
    description = "Collect images (and predictions, as proposals) into a project, sampled and within quotas"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        if step.disable_sink:
            return {"error_status": False, "message": "Sink was disabled by parameter `disable_sink`"}
        if random.random() >= float(step.data_percentage) / 100:
            return {"error_status": False, "message": "Registration skipped due to sampling settings"}
        sink = context.environment.projects
        if sink is None:
            raise context.fail("this environment cannot store into projects")
        limits = {"minute": step.minutely_usage_limit, "hour": step.hourly_usage_limit, "day": step.daily_usage_limit}
        refused = USAGE_QUOTAS.take(step.usage_quota_name, limits)
        if refused is not None:
            return {
                "error_status": False,
                "message": f"Registration skipped due to usage quota: {limits[refused]} per {refused} "
                f"({step.usage_quota_name!r})",
            }
        detections = (
            step.predictions if step.predictions is not None and step.persist_predictions else sv.Detections.empty()
        )
        image, detections = fitted(step.images, detections, step.max_image_size, step.compression_level)
        tags = [str(t) for t in step.registration_tags] + [
            batch_tag(step.labeling_batch_prefix, step.labeling_batches_recreation_frequency)
        ]
        tags += [f"{key}: {value}" for key, value in step.metadata.items() if value is not None]
        try:
            stored = sink.store(
                str(step.target_project),
                image,
                detections,
                split="unassigned",
                tags=tags,
                source=f"workflow:{context.step}",
            )
        except SeglabError as error:
            return {"error_status": True, "message": error.message}
        if stored.duplicate:
            return {"error_status": False, "message": "Duplicated image"}
        return {"error_status": False, "message": f"stored image {stored.image_id} with {stored.annotations} proposals"}


def batch_tag(prefix: str, frequency: str, today: date | None = None) -> str:
    """The labelling batch an image joins: ``prefix``, with the day, week or month when batches are recreated."""
    day = today or datetime.now(UTC).date()
    suffix = {
        "never": "",
        "daily": day.strftime("_%Y_%m_%d"),
        "weekly": "_{}_w{:02d}".format(*day.isocalendar()[:2]),
        "monthly": day.strftime("_%Y_%m"),
    }[frequency]
    return f"{prefix}{suffix}"


def fitted(image: WorkflowImage, detections: Any, max_size: tuple[int, int], quality: int) -> tuple[WorkflowImage, Any]:
    """The image as JPEG bytes at ``quality``, downsized within ``max_size`` (width, height) with its detections."""
    pixels: np.ndarray = image.pixels
    scale = min(1.0, max_size[0] / image.width, max_size[1] / image.height)
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        pixels = np.asarray(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA))
        if len(detections):
            masks = detections.mask
            if masks is not None:
                masks = np.stack(
                    [cv2.resize(m.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0 for m in masks]
                )
            detections = sv.Detections(
                xyxy=detections.xyxy * scale,
                mask=masks,
                confidence=detections.confidence,
                class_id=detections.class_id,
                data=dict(detections.data),
            )
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InvalidInputError("the image could not be encoded as JPEG")
    name = f"{Path(image.name).stem if image.name else image.parent_id}.jpg"
    return WorkflowImage(np.ascontiguousarray(pixels), image.parent_id, data=encoded.tobytes(), name=name), detections
