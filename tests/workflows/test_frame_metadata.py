"""Where a frame lies in its video: Roboflow's ``ExtractFrameMetadata`` operation (``frame_number``,
``frame_timestamp``, ``seconds_since_start``) on still images, on frames of a video file, and on images sent with a
``WorkflowVideoMetadata`` input (one per image, as Roboflow's clients send a stream's frames)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from seglab.models.video_sources import VideoSource
from seglab.services.workflows import VideoRun, outputs_json
from seglab.workflows import Environment, RuntimeInputError, compile_workflow, run_workflow

from ..video_scene import FPS, FRAMES, write_video
from .corpus_report import CORPUS
from .test_roboflow_blocks import workflow

PROPERTIES = ("frame_number", "frame_timestamp", "seconds_since_start")


def _frame_metadata(data: str = "$inputs.image", inputs: list[dict] | None = None) -> dict:
    steps = [
        {
            "type": "PropertyDefinition",
            "name": name,
            "data": data,
            "operations": [{"type": "ExtractFrameMetadata", "property_name": name}],
        }
        for name in PROPERTIES
    ]
    return workflow(*steps, outputs={name: f"$steps.{name}.output" for name in PROPERTIES}, inputs=inputs)


def test_a_still_image_is_frame_0_of_its_own_video_taken_now():
    pixels = np.zeros((20, 30, 3), np.uint8)
    definition = json.loads(
        (CORPUS / "with_property_extraction__workflow_with_frame_number_extraction.json").read_text()
    )
    assert run_workflow(definition, {"image": pixels}) == [{"frame_number": 0}]
    before = datetime.now(UTC)
    answer = run_workflow(_frame_metadata(), {"image": pixels})[0]
    assert (answer["frame_number"], answer["seconds_since_start"]) == (0, 0.0)
    assert before <= answer["frame_timestamp"] <= datetime.now(UTC)
    assert datetime.fromisoformat(outputs_json([answer])[0]["frame_timestamp"]) == answer["frame_timestamp"]


def test_each_frame_of_a_video_file_knows_its_number_and_time(tmp_path):
    video = VideoSource(write_video(tmp_path / "scene.mp4")).open()
    run = VideoRun(compile_workflow(_frame_metadata()), Environment())
    answers = [run(frame) for frame in video.frames()]
    assert [a["frame_number"] for a in answers] == list(range(FRAMES))
    assert [a["seconds_since_start"] for a in answers] == [index / FPS for index in range(FRAMES)]
    first = answers[0]["frame_timestamp"]
    assert answers[-1]["frame_timestamp"] - first == timedelta(seconds=(FRAMES - 1) / FPS)


def test_a_workflow_video_metadata_input_places_each_image_in_its_video():
    inputs = [{"type": "WorkflowImage", "name": "image"}, {"type": "WorkflowVideoMetadata", "name": "video"}]
    sent = {
        "video_identifier": "gate-camera",
        "frame_number": 7,
        "frame_timestamp": "2026-01-01T10:00:00+00:00",
        "fps": 10,
        "comes_from_video_file": True,
    }
    pixels = np.zeros((20, 30, 3), np.uint8)
    for data in ("$inputs.image", "$inputs.video"):  # read from the image it came with, or from the input itself
        answer = run_workflow(_frame_metadata(data, inputs), {"image": pixels, "video": [sent]})[0]
        assert answer == {
            "frame_number": 7,
            "frame_timestamp": datetime(2026, 1, 1, 10, tzinfo=UTC),
            "seconds_since_start": 0.7,
        }
    with pytest.raises(RuntimeInputError, match=r"input video\[0\]: video metadata needs 'frame_number'"):
        run_workflow(_frame_metadata(inputs=inputs), {"image": pixels, "video": [{"video_identifier": "x"}]})
