"""Model blocks: a seglab instance segmentation model (Roboflow's ``roboflow_instance_segmentation_model``),
Segment Anything (boxes from another model become masks, through Smart Polygon's promptable models),
open-vocabulary segmentation (objects named in text: Rapid's detector and segmenter, no trained model), and SAM 3
(Roboflow's ``roboflow_core/sam3``: named objects' masks from one model)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import AliasChoices, Field

from seglab.geometry import mask_to_xyxy
from seglab.models import PredictOptions
from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.values import WorkflowImage, with_lineage

ImagesField = Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
_IMAGES = AliasChoices("images", "image")


class InstanceSegmentationManifest(StepManifest):
    type: Literal[
        "roboflow_core/roboflow_instance_segmentation_model@v1",
        "roboflow_core/roboflow_instance_segmentation_model@v2",
        "RoboflowInstanceSegmentationModel",
        "InstanceSegmentationModel",
    ]
    images: ImagesField = Field(validation_alias=_IMAGES)
    model_id: Annotated[str | Selector, Accepts((Kind.ROBOFLOW_MODEL_ID, Kind.STRING))]
    confidence: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.4
    class_filter: Annotated[list[str] | Selector | None, Accepts((Kind.LIST_OF_VALUES,))] = None
    iou_threshold: Annotated[float | Selector | None, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = None
    """NMS at this IoU, only when set: RF-DETR gives one query per object (as ``/infer/instance_segmentation``)."""
    max_detections: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 300
    class_agnostic_nms: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = False


class InstanceSegmentationModel(Block):
    """Runs a trained seglab model (``project/version`` or an id) on each image; the server batches concurrent
    images through its model manager."""

    manifest = InstanceSegmentationManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "inference_id": (Kind.STRING,),
        "predictions": (Kind.INSTANCE_SEGMENTATION,),
        "model_id": (Kind.ROBOFLOW_MODEL_ID,),
    }
    description = "Instance segmentation with a trained seglab model"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        models = context.environment.models
        if models is None:
            raise context.fail("no model provider in this environment")
        image: WorkflowImage = step.images
        nms = step.iou_threshold if step.iou_threshold is not None or step.class_agnostic_nms else None
        options = PredictOptions(
            confidence=float(step.confidence),
            max_detections=int(step.max_detections),
            class_filter=frozenset(step.class_filter) if step.class_filter else None,
            nms_iou=None if nms is None else float(nms),
            class_agnostic_nms=bool(step.class_agnostic_nms),
        )
        prediction = models.predict(str(step.model_id), [image.pixels], options)[0]
        detections = with_lineage(prediction.to_detections(), image)
        return {"inference_id": str(uuid.uuid4()), "predictions": detections, "model_id": str(step.model_id)}


_SAM_VERSIONS = {
    "hiera_tiny": "sam2.1-hiera-tiny",
    "hiera_small": "sam2.1-hiera-small",
    "hiera_b_plus": "sam2.1-hiera-base-plus",
    "hiera_large": "sam2.1-hiera-large",
}


def _mask_boxes(masks: np.ndarray) -> np.ndarray:
    """Each mask's box in pixel-corner coordinates (``x1`` is one past the last column, as everywhere in seglab)."""
    return np.array([mask_to_xyxy(mask) for mask in masks], dtype=np.float32).reshape(-1, 4)


class SegmentAnythingManifest(StepManifest):
    type: Literal["roboflow_core/segment_anything@v1", "SegmentAnything2Model"]
    images: ImagesField = Field(validation_alias=_IMAGES)
    boxes: Annotated[Selector | None, Accepts(DETECTIONS, batch=True)] = None
    version: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    """Roboflow's SAM 2 names (``hiera_tiny`` ...) or seglab's assist models (``grabcut``); unset: seglab's default
    (``SEGLAB_ASSIST_MODEL``: a SAM with weights here, else the GrabCut fallback)."""
    threshold: Annotated[float | Selector, Accepts((Kind.FLOAT,))] = 0.0
    multimask_output: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True


class SegmentAnything(Block):
    """Each box becomes a mask (class, class id and detection id carried over; ``parent_id`` is the box's id).
    Without boxes, the image (less a 5% margin) is one prompt (class ``foreground``)."""

    manifest = SegmentAnythingManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"predictions": (Kind.INSTANCE_SEGMENTATION,)}
    description = "Segment Anything: boxes to masks"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import supervision as sv

        from seglab.assist import Prompt

        provider = context.environment.segmenters
        if provider is None:
            raise context.fail("no promptable segmentation models in this environment")
        image: WorkflowImage = step.images
        name = _SAM_VERSIONS.get(str(step.version), step.version) if step.version else None
        segmenter = provider.segmenter(name)
        embedding = segmenter.embed(image.pixels)
        boxes = step.boxes
        if boxes is None:
            inset_x, inset_y = image.width * 0.05, image.height * 0.05  # a box with some background around it
            prompts = [np.array([inset_x, inset_y, image.width - inset_x, image.height - inset_y], np.float32)]
            names, class_ids, parents = ["foreground"], [0], [image.parent_id]
        else:
            prompts = [box.astype(np.float32) for box in boxes.xyxy]
            names = [str(n) for n in boxes.data.get("class_name", [str(c) for c in boxes.class_id])]
            class_ids = [int(c) for c in boxes.class_id]
            parents = [str(p) for p in boxes.data.get("detection_id", [image.parent_id] * len(boxes))]
        kept: list[int] = []
        masks, scores = [], []
        for index, box in enumerate(prompts):
            if box[2] - box[0] < 1 or box[3] - box[1] < 1:
                continue
            answer = segmenter.segment(embedding, Prompt(box=box))
            if not answer.mask.any() or answer.score < float(step.threshold):
                continue
            kept.append(index)
            masks.append(answer.mask)
            scores.append(answer.score)
        mask = np.stack(masks) if masks else np.zeros((0, image.height, image.width), dtype=bool)
        detections = sv.Detections(
            xyxy=_mask_boxes(mask),
            mask=mask,
            confidence=np.array(scores, dtype=np.float32),
            class_id=np.array([class_ids[i] for i in kept], dtype=int),
            data={"class_name": np.array([names[i] for i in kept], dtype=str)},
        )
        detections = with_lineage(detections, image)
        detections.data["parent_id"] = np.array([parents[i] for i in kept], dtype=str)
        return {"predictions": detections}


class OpenVocabularySegmentationManifest(StepManifest):
    type: Literal["seglab/open_vocabulary_segmentation@v1", "OpenVocabularySegmentation"]
    images: ImagesField = Field(validation_alias=_IMAGES)
    class_names: Annotated[list[str] | Selector, Accepts((Kind.LIST_OF_VALUES,))]
    """What to find: ``bottle cap``, or ``hard hat=helmet`` (a text, and the class it is labelled as)."""
    confidence: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.3
    class_thresholds: Annotated[dict[str, float] | Selector, Accepts((Kind.DICTIONARY,))] = Field(default_factory=dict)
    iou_threshold: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.5
    """NMS across prompts: of boxes overlapping more than this, the best one stays."""
    max_detections: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 100
    detector: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    """``owlv2-base``, ``grounding-dino-tiny``, ...; unset: ``SEGLAB_AUTOLABEL_DETECTOR``."""
    segmenter: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    """Smart Polygon's model (``sam2.1-hiera-tiny``, ``grabcut``, ...); unset: ``SEGLAB_ASSIST_MODEL``."""


class OpenVocabularySegmentation(Block):
    """Objects named in text, found by an open-vocabulary detector and outlined by a promptable segmenter; each
    detection's confidence is the detector's, ``class_id`` the class's place among the classes named."""

    manifest = OpenVocabularySegmentationManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"predictions": (Kind.INSTANCE_SEGMENTATION,)}
    description = "Open-vocabulary segmentation: text prompts to masks"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import supervision as sv

        from seglab.assist.autolabel import AutolabelSettings, ClassPrompt, propose

        detectors, segmenters = context.environment.detectors, context.environment.segmenters
        if detectors is None or segmenters is None:
            raise context.fail("no open-vocabulary detector or promptable segmenter in this environment")
        image: WorkflowImage = step.images
        settings = AutolabelSettings(
            tuple(ClassPrompt.parse(str(name)) for name in step.class_names),
            threshold=float(step.confidence),
            class_thresholds={str(k): float(v) for k, v in dict(step.class_thresholds).items()},
            nms_iou=float(step.iou_threshold),
            max_instances=int(step.max_detections),
        )
        detector = detectors.detector(str(step.detector) if step.detector else None)
        segmenter = segmenters.segmenter(str(step.segmenter) if step.segmenter else None)
        found = propose(image.pixels, detector, segmenter, settings)
        mask = np.stack([p.mask for p in found]) if found else np.zeros((0, image.height, image.width), dtype=bool)
        detections = sv.Detections(
            xyxy=_mask_boxes(mask),
            mask=mask,
            confidence=np.array([p.confidence for p in found], dtype=np.float32),
            class_id=np.array([settings.class_names.index(p.class_name) for p in found], dtype=int),
            data={
                "class_name": np.array([p.class_name for p in found], dtype=str),
                "prompt": np.array([p.prompt for p in found], dtype=str),
            },
        )
        return {"predictions": with_lineage(detections, image)}


class Sam3Manifest(StepManifest):
    """Roboflow's SAM 3 block (``roboflow_core/sam3@v1``..``v3``): its fields, run on seglab's SAM 3."""

    type: Literal["roboflow_core/sam3@v1", "roboflow_core/sam3@v2", "roboflow_core/sam3@v3", "SegmentAnything3"]
    images: ImagesField = Field(validation_alias=_IMAGES)
    model_id: Annotated[str | Selector | None, Accepts((Kind.ROBOFLOW_MODEL_ID, Kind.STRING))] = "sam3/sam3_final"
    """Roboflow's SAM 3 ids (``sam3/...``) all run seglab's SAM 3 (its weights: ``SEGLAB_HOME/weights/sam3``)."""
    class_names: Annotated[list[str] | str | Selector | None, Accepts((Kind.LIST_OF_VALUES, Kind.STRING))] = None
    """What to find, one prompt each: ``bottle cap``, or ``hard hat=helmet`` (a text, and its class)."""
    confidence: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = Field(
        default=0.5, validation_alias=AliasChoices("confidence", "threshold")
    )
    """The lowest score kept (v1 calls it ``threshold``)."""
    per_class_confidence: Annotated[list[float] | Selector | None, Accepts((Kind.LIST_OF_VALUES,))] = None
    """A threshold per entry of ``class_names``, in their order."""
    class_mapping: Annotated[dict[str, str] | Selector | None, Accepts((Kind.DICTIONARY,))] = None
    """Found classes renamed (``{"cat": "gato"}``)."""


class SegmentAnything3(Block):
    """SAM 3: every instance of each named concept, masks straight from the model (no detector + segmenter
    pair); ``class_id`` is the prompt's place in ``class_names``. Without ``class_names``, one prompt:
    ``foreground``. Prompts do not suppress each other (as Roboflow's block)."""

    manifest = Sam3Manifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"predictions": (Kind.INSTANCE_SEGMENTATION,)}
    description = "SAM 3: text prompts to instance masks"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import supervision as sv

        from seglab.assist.autolabel import AutolabelSettings, ClassPrompt, propose
        from seglab.assist.autolabel.detectors import SAM3_DETECTOR

        if context.environment.detectors is None:
            raise context.fail("no SAM 3 in this environment")
        image: WorkflowImage = step.images
        named = step.class_names if step.class_names else ["foreground"]
        prompts = tuple(ClassPrompt.parse(str(name)) for name in ([named] if isinstance(named, str) else named))
        thresholds: dict[str, float] = {}
        if step.per_class_confidence:
            if len(step.per_class_confidence) != len(prompts):
                raise context.fail(
                    f"per_class_confidence has {len(step.per_class_confidence)} values for {len(prompts)} class names"
                )
            thresholds = {p.class_name: float(v) for p, v in zip(prompts, step.per_class_confidence, strict=True)}
        settings = AutolabelSettings(
            prompts, threshold=float(step.confidence), class_thresholds=thresholds, nms_iou=1.0
        )
        found = propose(image.pixels, context.environment.detectors.detector(SAM3_DETECTOR), None, settings)
        renamed = dict(step.class_mapping or {})
        mask = np.stack([p.mask for p in found]) if found else np.zeros((0, image.height, image.width), dtype=bool)
        detections = sv.Detections(
            xyxy=_mask_boxes(mask),
            mask=mask,
            confidence=np.array([p.confidence for p in found], dtype=np.float32),
            class_id=np.array([settings.class_names.index(p.class_name) for p in found], dtype=int),
            data={"class_name": np.array([renamed.get(p.class_name, p.class_name) for p in found], dtype=str)},
        )
        return {"predictions": with_lineage(detections, image)}
