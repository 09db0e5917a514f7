"""Running the DAG: independent steps at the same time, batches per image, crops nested, continue_if skipping."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pytest

from seglab.workflows import (
    Block,
    BlockRegistry,
    Environment,
    Kind,
    StepContext,
    StepManifest,
    compile_workflow,
    default_registry,
    execute,
)
from seglab.workflows.blocks import Accepts, Selector
from seglab.workflows.values import WorkflowImage

from .conftest import grabcut_step, image_input, png_base64, scene


class _Overlap:
    """Counts how many ``Pause`` steps run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0


OVERLAP = _Overlap()


class PauseManifest(StepManifest):
    type: Literal["test/pause@v1"]
    image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    seconds: float = 0.3
    after: Annotated[Selector | None, Accepts()] = None


class Pause(Block):
    """A third party's block: waits, and records how many of its kind run at the same time."""

    manifest = PauseManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"done": (Kind.BOOLEAN,)}

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        with OVERLAP.lock:
            OVERLAP.now += 1
            OVERLAP.most = max(OVERLAP.most, OVERLAP.now)
        time.sleep(step.seconds)
        with OVERLAP.lock:
            OVERLAP.now -= 1
        return {"done": True}


def test_independent_steps_run_at_the_same_time_and_dependent_ones_after():
    registry = default_registry().copy()
    registry.register(Pause)
    steps = [
        {"type": "test/pause@v1", "name": "a", "image": "$inputs.image"},
        {"type": "test/pause@v1", "name": "b", "image": "$inputs.image"},
        {"type": "test/pause@v1", "name": "c", "image": "$inputs.image", "after": "$steps.a.done"},
    ]
    outputs = [{"type": "JsonField", "name": n, "selector": f"$steps.{n}.done"} for n in "abc"]
    compiled = compile_workflow(
        {"version": "1.0", "inputs": image_input(), "steps": steps, "outputs": outputs}, registry
    )
    OVERLAP.most = 0
    started = time.perf_counter()
    answers = execute(compiled, {"image": png_base64(scene())}, Environment(max_workers=4))
    elapsed = time.perf_counter() - started
    assert answers == [{"a": True, "b": True, "c": True}]
    assert OVERLAP.most == 2, "a and b run together; c waits for a"
    assert 0.55 < elapsed < 0.9 + 0.5


def test_a_third_party_block_cannot_take_a_registered_name():
    class Clash(Pause):
        pass

    registry = BlockRegistry((Pause,))
    with pytest.raises(Exception, match="already registered"):
        registry.register(Clash)


def _segment_count_crop(gate_at_least: int) -> dict[str, Any]:
    condition = {
        "type": "StatementGroup",
        "statements": [
            {
                "type": "BinaryStatement",
                "left_operand": {"type": "DynamicOperand", "operand_name": "count"},
                "comparator": {"type": "(Number) >="},
                "right_operand": {"type": "StaticOperand", "value": gate_at_least},
            }
        ],
    }
    return {
        "version": "1.0",
        "inputs": image_input(),
        "steps": [
            grabcut_step(),
            {
                "type": "roboflow_core/property_definition@v1",
                "name": "count",
                "data": "$steps.sam.predictions",
                "operations": [{"type": "SequenceLength"}],
            },
            {
                "type": "DetectionOffset",
                "name": "grown",
                "predictions": "$steps.sam.predictions",
                "offset_width": 30,
                "offset_height": 30,
            },
            {
                "type": "DynamicCrop",
                "name": "crop",
                "images": "$inputs.image",
                "predictions": "$steps.grown.predictions",
            },
            grabcut_step("inner", "$steps.crop.crops"),
            {
                "type": "roboflow_core/continue_if@v1",
                "name": "gate",
                "condition_statement": condition,
                "evaluation_parameters": {"count": "$steps.count.output"},
                "next_steps": ["$steps.drawn"],
            },
            {
                "type": "MaskVisualization",
                "name": "drawn",
                "image": "$inputs.image",
                "predictions": "$steps.sam.predictions",
            },
            {
                "type": "LabelVisualization",
                "name": "labelled",
                "image": "$steps.drawn.image",
                "predictions": "$steps.sam.predictions",
            },
        ],
        "outputs": [
            {"type": "JsonField", "name": "count", "selector": "$steps.count.output"},
            {"type": "JsonField", "name": "crops", "selector": "$steps.crop.crops"},
            {"type": "JsonField", "name": "inner", "selector": "$steps.inner.predictions"},
            {
                "type": "JsonField",
                "name": "inner_own",
                "selector": "$steps.inner.predictions",
                "coordinates_system": "own",
            },
            {"type": "JsonField", "name": "drawn", "selector": "$steps.drawn.image"},
            {"type": "JsonField", "name": "labelled", "selector": "$steps.labelled.*"},
        ],
    }


def test_crops_give_nested_outputs_and_a_batch_gives_one_answer_per_image(ws):
    from seglab.services.workflows import local_environment

    compiled = compile_workflow(_segment_count_crop(gate_at_least=1))
    assert compiled.steps["inner"].dimension == 1
    image = png_base64(scene())
    answers = execute(compiled, {"image": [image, image]}, local_environment(ws))
    assert len(answers) == 2
    first = answers[0]
    assert first["count"] == 1
    assert len(first["crops"]) == 1
    assert isinstance(first["crops"][0], WorkflowImage)
    crop = first["crops"][0]
    assert len(first["inner"]) == 1
    # `own`: in the crop's coordinates; `parent` (Roboflow's default): the same instances in the input image's
    own, parent = first["inner_own"][0], first["inner"][0]
    assert len(own) == len(parent) >= 1
    assert own.mask.shape[1:] == (crop.height, crop.width)
    assert parent.mask.shape[1:] == scene().shape[:2]
    x, y = crop.offset
    assert np.allclose(parent.xyxy, own.xyxy + np.array([x, y, x, y]))
    assert np.array_equal(parent.mask[:, y : y + crop.height, x : x + crop.width], own.mask)
    assert parent.mask.sum() == own.mask.sum()
    assert set(own.data["parent_id"]) == {crop.parent_id}
    assert set(parent.data["parent_id"]) == {"image"}
    assert isinstance(first["drawn"], WorkflowImage)
    assert isinstance(first["labelled"]["image"], WorkflowImage)


def test_continue_if_skips_its_steps_and_what_depends_on_them(ws):
    from seglab.services.workflows import local_environment

    answers = execute(
        compile_workflow(_segment_count_crop(gate_at_least=5)), {"image": png_base64(scene())}, local_environment(ws)
    )
    assert answers[0]["count"] == 1
    assert answers[0]["drawn"] is None
    assert answers[0]["labelled"] is None
    assert answers[0]["crops"], "steps outside the branch still run"


def test_outputs_serialise_in_roboflows_shape(ws):
    from seglab.services.workflows import local_environment, outputs_json

    answers = execute(
        compile_workflow(_segment_count_crop(gate_at_least=1)), {"image": png_base64(scene())}, local_environment(ws)
    )
    body = outputs_json(answers, excluded_fields=["labelled", "inner_own"])[0]
    assert set(body) == {"count", "crops", "inner", "drawn"}
    assert body["drawn"]["type"] == "base64"
    assert body["crops"][0]["type"] == "base64"
    inner = body["inner"][0]
    assert set(inner) == {"image", "predictions"}
    prediction = inner["predictions"][0]
    assert {
        "x",
        "y",
        "width",
        "height",
        "confidence",
        "class",
        "class_id",
        "detection_id",
        "points",
        "parent_id",
    } <= set(prediction)
    assert prediction["class"] == "foreground"


class EchoManifest(StepManifest):
    type: Literal["test/echo@v1"]
    image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    threshold: Annotated[float | Selector, Accepts((Kind.FLOAT,))] = 0.25
    label: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    model_id: Annotated[str | Selector, Accepts((Kind.STRING,))]


class Echo(Block):
    """Answers the values its fields ended up with."""

    manifest = EchoManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"fields": (Kind.DICTIONARY,)}

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        return {"fields": {"threshold": step.threshold, "label": step.label, "model_id": step.model_id}}


def test_a_parameter_without_default_value_is_none_and_fields_keep_their_own_default():
    """Roboflow's semantics: an input declared without ``default_value`` and not given is ``None``; a field fed by
    it keeps the block's default, and a required field gets ``None`` (for the block to complain about by name)."""
    registry = default_registry().copy()
    registry.register(Echo)
    parameters = [{"type": "WorkflowParameter", "name": n} for n in ("threshold", "label", "model_id")]
    step = {"type": "test/echo@v1", "name": "echo", "image": "$inputs.image"}
    step |= {n: f"$inputs.{n}" for n in ("threshold", "label", "model_id")}
    definition = {
        "version": "1.0",
        "inputs": [*image_input(), *parameters],
        "steps": [step],
        "outputs": [
            {"type": "JsonField", "name": "fields", "selector": "$steps.echo.fields"},
            {"type": "JsonField", "name": "label", "selector": "$inputs.label"},
        ],
    }
    compiled = compile_workflow(definition, registry)
    image = png_base64(scene())
    assert execute(compiled, {"image": image}, Environment()) == [
        {"fields": {"threshold": 0.25, "label": None, "model_id": None}, "label": None}
    ]
    given = execute(compiled, {"image": image, "threshold": 0.5, "label": "cat", "model_id": "pets/1"}, Environment())
    assert given[0]["fields"] == {"threshold": 0.5, "label": "cat", "model_id": "pets/1"}
