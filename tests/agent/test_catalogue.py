"""The catalogue is read off the registry: every block, its fields with kinds and defaults, its outputs — a block
registered by a third party included, so both engines can use it."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from seglab.agent import DefinitionEditor, catalogue_text, describe_block, describe_blocks
from seglab.workflows import Accepts, Block, Kind, StepContext, StepManifest, compile_workflow, default_registry
from seglab.workflows.blocks.base import Selector
from seglab.workflows.kinds import DETECTIONS


class BlurManifest(StepManifest):
    type: Literal["acme/blur@v1", "Blur"]
    image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    predictions: Annotated[Selector, Accepts(DETECTIONS, batch=True)]
    radius: int = 9
    """How strongly to blur each detection."""


class Blur(Block):
    """Blurs what the detections cover (faces, plates)."""

    manifest = BlurManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"image": (Kind.IMAGE,)}
    description = "Blur the detections"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        return {"image": step.image}


def test_every_registered_block_is_described_from_its_manifest():
    registry = default_registry()
    described = {d.type: d for d in describe_blocks(registry)}
    assert set(described) == {block.type_names()[0] for block in registry}
    model = described["roboflow_core/roboflow_instance_segmentation_model@v1"]
    assert model.aliases[-1] == "InstanceSegmentationModel"
    assert model.outputs["predictions"] == (Kind.INSTANCE_SEGMENTATION,)
    images, model_id, iou = model.field("images"), model.field("model_id"), model.field("iou_threshold")
    assert images
    assert images.required
    assert images.per_image
    assert images.type == "selector"
    assert images.kinds == (Kind.IMAGE,)
    assert images.aliases == ("image",)
    assert model_id
    assert model_id.kinds == (Kind.ROBOFLOW_MODEL_ID, Kind.STRING)
    assert model_id.type == "string | selector"
    assert iou
    assert not iou.required
    assert iou.default is None
    assert "NMS" in (iou.description or "")
    assert described["roboflow_core/dynamic_crop@v1"].per_crop
    label_text = described["roboflow_core/label_visualization@v1"].field("text")
    assert label_text
    assert label_text.type.startswith('"Class" | "Confidence"')


def test_a_third_party_block_is_described_and_wired_like_a_built_in():
    registry = default_registry().copy()
    registry.register(Blur)
    assert describe_block(Blur).details == "Blurs what the detections cover (faces, plates)."
    text = catalogue_text(registry)
    assert "- acme/blur@v1: Blur the detections. Blurs what the detections cover" in text
    assert "    radius (default 9): integer — How strongly to blur each detection." in text

    editor = DefinitionEditor(None, registry)
    model = editor.add(editor.wire("InstanceSegmentationModel", "model", image=editor.image_input(), model_id="a/1"))
    blur = editor.add(editor.wire("acme/blur@v1", "blur", image="$inputs.image", detections=editor.tip()))
    assert blur == {"type": "acme/blur@v1", "name": "blur", "image": "$inputs.image",
                    "predictions": "$steps.model.predictions"}  # fmt: skip
    assert editor.is_visualization(blur)
    assert editor.source() is model
    compile_workflow(editor.definition, registry)
