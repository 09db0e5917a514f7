"""Model blocks: a seglab instance segmentation model (Roboflow's ``roboflow_instance_segmentation_model``),
Segment Anything (boxes from another model become masks, through Smart Polygon's promptable models),
open-vocabulary segmentation (objects named in text: Rapid's detector and segmenter, no trained model), and SAM 3
(Roboflow's ``roboflow_core/sam3``: named objects' masks from one model)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import AliasChoices, Field, field_validator

from seglab.geometry import mask_to_xyxy
from seglab.models import PredictOptions
from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.values import WorkflowImage, with_lineage

ImagesField = Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
_IMAGES = AliasChoices("images", "image")


class RoboflowModelFields(StepManifest):
    """The fields every Roboflow model block (v1 to v4) shares."""

    images: ImagesField = Field(validation_alias=_IMAGES)
    model_id: Annotated[str | Selector, Accepts((Kind.ROBOFLOW_MODEL_ID, Kind.STRING))]
    class_filter: Annotated[list[str] | Selector | None, Accepts((Kind.LIST_OF_VALUES,))] = None
    iou_threshold: Annotated[float | Selector | None, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = None
    """NMS at this IoU, only when set: RF-DETR gives one query per object (as ``/infer/instance_segmentation``)."""
    max_detections: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 300
    class_agnostic_nms: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = False
    # Accepted for Roboflow's definitions, meaningless here: RF-DETR has no candidate pool to cap, and seglab's
    # active learning is the project_upload step, not a side effect of inference.
    max_candidates: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 3000
    disable_active_learning: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True
    active_learning_target_dataset: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None


class SegmentationOnlyFields(RoboflowModelFields):
    # Roboflow's YOLO mask decoding choices; seglab always decodes masks at full resolution, so they change nothing.
    mask_decode_mode: Annotated[Literal["accurate", "tradeoff", "fast"] | Selector, Accepts((Kind.STRING,))] = (
        "accurate"
    )
    tradeoff_factor: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.0
    enforce_dense_masks_in_inference_models: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True


class ConfidenceModeFields(StepManifest):
    """v3 and later: how the confidence threshold is chosen."""

    confidence_mode: Annotated[Literal["best", "default", "custom"] | Selector, Accepts((Kind.STRING,))] = "best"
    """``custom``: ``custom_confidence``; ``best`` and ``default``: the model's own threshold (seglab's is 0.4 for
    every model: it keeps no per-model best threshold)."""
    custom_confidence: Annotated[float | Selector | None, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.4

    def chosen_confidence(self) -> float:
        if self.confidence_mode == "custom" and self.custom_confidence is not None:
            return float(self.custom_confidence)
        return PredictOptions().confidence


class InstanceSegmentationManifest(SegmentationOnlyFields):
    type: Literal[
        "roboflow_core/roboflow_instance_segmentation_model@v1",
        "roboflow_core/roboflow_instance_segmentation_model@v2",
        "RoboflowInstanceSegmentationModel",
        "InstanceSegmentationModel",
    ]
    confidence: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.4


def model_predictions(
    step: Any, context: StepContext, confidence: float, *, boxes_only: bool = False
) -> dict[str, Any]:
    """What Roboflow's model blocks output, from a seglab model (an instance segmentation model answering with its
    boxes alone where ``boxes_only``)."""
    models = context.environment.models
    if models is None:
        raise context.fail("no model provider in this environment")
    if not step.model_id:
        raise context.fail("no model_id: set it on the step, or give the workflow parameter it reads")
    image: WorkflowImage = step.images
    nms = step.iou_threshold if step.iou_threshold is not None or step.class_agnostic_nms else None
    options = PredictOptions(
        confidence=confidence,
        max_detections=int(step.max_detections),
        class_filter=frozenset(step.class_filter) if step.class_filter else None,
        nms_iou=None if nms is None else float(nms),
        class_agnostic_nms=bool(step.class_agnostic_nms),
    )
    model_id = public_model_id(str(step.model_id), boxes_only=boxes_only)
    prediction = models.predict(model_id, [image.pixels], options)[0]
    detections = _boxes(prediction) if boxes_only else prediction.to_detections()
    detections = with_lineage(detections, image)
    return {"inference_id": str(uuid.uuid4()), "predictions": detections, "model_id": str(step.model_id)}


def _boxes(prediction: Any) -> Any:
    """A prediction's boxes alone (no full-image masks made: a 4000x3000 image's would cost 12 MB each)."""
    import supervision as sv

    return sv.Detections(
        xyxy=np.asarray(prediction.xyxy, dtype=np.float32).reshape(-1, 4),
        confidence=np.asarray(prediction.confidence, dtype=np.float32),
        class_id=np.asarray(prediction.class_id, dtype=int),
        data={"class_name": np.array(prediction.class_name, dtype=str)},
    )


_DETECTION_TO_SEGMENTATION = {
    **{f"rfdetr-{size}": f"rfdetr-seg-{size}" for size in ("nano", "small", "medium", "large", "xlarge", "2xlarge")},
    "rfdetr-base": "rfdetr-seg-medium",
    **{f"yolov8{size}-640": f"yolov8{size}-seg" for size in "nsmlx"},
    **{f"yolov11{size}-640": f"yolo11{size}-seg" for size in "nsmlx"},
    **{f"yolo26{size}-640": f"yolo26{size}-seg" for size in "nsmlx"},
}
"""Roboflow's public object detection model ids served by the seglab segmentation model of the same family and
size (its boxes are the answer); other public detection ids (``yolov10n-640``, ``yolo-nas-s-640``...) have no seglab
model."""


def public_model_id(model_id: str, *, boxes_only: bool) -> str:
    return _DETECTION_TO_SEGMENTATION.get(model_id, model_id) if boxes_only else model_id


class InstanceSegmentationModel(Block):
    """Runs a trained seglab model (``project/version`` or an id) on each image; the server batches concurrent
    images through its model manager."""

    manifest: ClassVar[type[StepManifest]] = InstanceSegmentationManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "inference_id": (Kind.STRING,),
        "predictions": (Kind.INSTANCE_SEGMENTATION,),
        "model_id": (Kind.ROBOFLOW_MODEL_ID,),
    }
    description = "Instance segmentation with a trained seglab model"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        return model_predictions(step, context, float(step.confidence))


class InstanceSegmentationV3Manifest(SegmentationOnlyFields, ConfidenceModeFields):
    type: Literal[
        "roboflow_core/roboflow_instance_segmentation_model@v3",
        "roboflow_core/roboflow_instance_segmentation_model@v4",
    ]


class InstanceSegmentationModelV3(InstanceSegmentationModel):
    """Versions 3 and 4: the threshold by ``confidence_mode`` (v4's compact RLE masks are masks here too)."""

    manifest = InstanceSegmentationV3Manifest

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        return model_predictions(step, context, step.chosen_confidence())


class ObjectDetectionManifest(RoboflowModelFields):
    type: Literal[
        "roboflow_core/roboflow_object_detection_model@v1",
        "roboflow_core/roboflow_object_detection_model@v2",
        "RoboflowObjectDetectionModel",
        "ObjectDetectionModel",
    ]
    confidence: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.4


class ObjectDetectionModel(Block):
    """Roboflow's object detection block served by a seglab model: its boxes, without masks (public detection ids
    such as ``rfdetr-nano`` run the segmentation model of the same size)."""

    manifest: ClassVar[type[StepManifest]] = ObjectDetectionManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "inference_id": (Kind.STRING,),
        "predictions": (Kind.OBJECT_DETECTION,),
        "model_id": (Kind.ROBOFLOW_MODEL_ID,),
    }
    description = "Object detection (boxes) with a seglab model"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        return model_predictions(step, context, float(step.confidence), boxes_only=True)


class ObjectDetectionV3Manifest(RoboflowModelFields, ConfidenceModeFields):
    type: Literal["roboflow_core/roboflow_object_detection_model@v3"]


class ObjectDetectionModelV3(ObjectDetectionModel):
    manifest = ObjectDetectionV3Manifest

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        return model_predictions(step, context, step.chosen_confidence(), boxes_only=True)


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
    type: Literal["roboflow_core/segment_anything@v1"]  # Roboflow gives this block no short alias
    images: ImagesField = Field(validation_alias=_IMAGES)
    boxes: Annotated[Selector | None, Accepts(DETECTIONS, batch=True)] = None
    version: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    """Roboflow's SAM 2 names (``hiera_tiny`` ...) or seglab's assist models (``grabcut``); unset: seglab's default
    (``SEGLAB_ASSIST_MODEL``: a SAM with weights here, else the GrabCut fallback)."""
    threshold: Annotated[float | Selector, Accepts((Kind.FLOAT,))] = 0.0
    multimask_output: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True

    @field_validator("version")
    @classmethod
    def _known_version(cls, version: str | None) -> str | None:
        """An unknown model is refused when the definition compiles, as Roboflow refuses it, not when it runs."""
        if version is None or version.startswith("$"):
            return version
        from seglab.assist.catalog import assist_models

        known = [*_SAM_VERSIONS, *assist_models()]
        if version not in known:
            raise ValueError(f"unknown version {version!r}: one of {', '.join(known)}")
        return version


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

    type: Literal[
        "roboflow_core/sam3@v1", "roboflow_core/sam3@v2", "roboflow_core/sam3@v3"
    ]  # no short alias in Roboflow
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
