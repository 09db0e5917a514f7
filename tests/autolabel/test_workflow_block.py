"""``seglab/open_vocabulary_segmentation@v1``: the block alone (a fixed detector, GrabCut) and in a whole workflow
(the tiny OWLv2 the workspace's settings name, then a mask visualisation)."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.assist import GrabCutSegmenter
from seglab.workflows import Environment, StepContext, StepExecutionError, default_registry, run_workflow
from seglab.workflows.values import WorkflowImage

from .conftest import FixedDetector, squares_scene

TYPE = "seglab/open_vocabulary_segmentation@v1"


class _One:
    """A provider that always hands out the same model, whatever name is asked for."""

    def __init__(self, model) -> None:
        self.model = model

    def detector(self, name):
        return self.model

    def segmenter(self, name):
        return self.model


def test_the_block_finds_named_objects_and_outlines_them():
    block = default_registry().get("OpenVocabularySegmentation")
    assert block is not None
    assert block is default_registry().get(TYPE)
    fields = {
        "name": "rapid",
        "type": TYPE,
        "images": "$inputs.image",
        "class_names": ["bottle cap=cap", "disc"],
        "confidence": 0.3,
        "class_thresholds": {"disc": 0.65},
    }
    step = block.manifest.model_validate(fields).model_copy(update={"images": WorkflowImage(squares_scene())})
    detector = FixedDetector([[16, 16, 64, 64], [100, 30, 140, 70], [0, 0, 8, 8]], [[0.9, 0.1], [0.2, 0.7], [0.2, 0]])
    environment = Environment(detectors=_One(detector), segmenters=_One(GrabCutSegmenter()))
    found = block().run(step, StepContext("rapid", TYPE, environment))["predictions"]
    assert detector.queries == [["bottle cap", "disc"]]
    assert found.data["class_name"].tolist() == ["cap", "disc"]
    assert found.data["prompt"].tolist() == ["bottle cap", "disc"]
    assert found.class_id.tolist() == [0, 1]
    assert found.confidence.tolist() == pytest.approx([0.9, 0.7])
    assert found.mask.shape == (2, 96, 160)
    assert found.xyxy[0].tolist() == pytest.approx([20, 20, 60, 60], abs=1)  # the mask's box
    assert len(set(found.data["detection_id"])) == 2

    stricter = step.model_copy(update={"class_thresholds": {"disc": 0.8}})
    assert block().run(stricter, StepContext("rapid", TYPE, environment))["predictions"].data[
        "class_name"
    ].tolist() == ["cap"]
    with pytest.raises(StepExecutionError, match="no open-vocabulary detector"):
        block().run(step, StepContext("rapid", TYPE, Environment()))


def test_a_workflow_runs_the_block_with_the_configured_detector(tiny_detector_home, ws):
    from seglab.services.workflows import local_environment

    definition = {
        "version": "1.0",
        "inputs": [{"type": "WorkflowImage", "name": "image"}],
        "steps": [
            {"type": "OpenVocabularySegmentation", "name": "rapid", "images": "$inputs.image",
             "class_names": ["square"], "confidence": 0.0},
            {"type": "roboflow_core/mask_visualization@v1", "name": "drawn", "image": "$inputs.image",
             "predictions": "$steps.rapid.predictions"},
        ],
        "outputs": [
            {"type": "JsonField", "name": "found", "selector": "$steps.rapid.predictions"},
            {"type": "JsonField", "name": "drawn", "selector": "$steps.drawn.image"},
        ],
    }  # fmt: skip
    (answer,) = run_workflow(definition, {"image": squares_scene()}, local_environment(ws))
    assert len(answer["found"]) > 0
    assert set(answer["found"].data["class_name"]) == {"square"}
    assert answer["drawn"].pixels.shape == (96, 160, 3)
    assert not np.array_equal(answer["drawn"].pixels, squares_scene())


def test_roboflows_sam3_block_runs_in_a_workflow(sam3_folder, monkeypatch, ws):
    """``roboflow_core/sam3@v3`` as Roboflow's builder writes it, on SAM 3 found in ``SEGLAB_HOME/weights/sam3``."""
    import shutil

    from seglab.services.workflows import local_environment

    shutil.copytree(sam3_folder, ws.settings.home / "weights" / "sam3")
    definition = {
        "version": "1.0",
        "inputs": [{"type": "WorkflowImage", "name": "image"}],
        "steps": [
            {"type": "roboflow_core/sam3@v3", "name": "sam", "images": "$inputs.image", "model_id": "sam3/sam3_final",
             "class_names": ["bottle cap", "disc"], "confidence": 0.0, "per_class_confidence": [0.0, 1.0],
             "class_mapping": {"bottle cap": "cap"}},
        ],
        "outputs": [{"type": "JsonField", "name": "found", "selector": "$steps.sam.predictions"}],
    }  # fmt: skip
    (answer,) = run_workflow(definition, {"image": squares_scene()}, local_environment(ws))
    found = answer["found"]
    assert len(found) > 0
    assert set(found.data["class_name"]) == {"cap"}  # renamed; "disc" asked for a score of 1
    assert found.mask.shape[1:] == (96, 160)
    block = default_registry().get("roboflow_core/sam3@v1")
    legacy = block.manifest.model_validate({"name": "s", "type": "roboflow_core/sam3@v1", "images": "$inputs.image",
                                            "class_names": ["cap"], "threshold": 0.2})  # fmt: skip
    assert legacy.confidence == 0.2
