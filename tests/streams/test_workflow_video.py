"""Workflows on video: a model, Roboflow's tracker, line counter and time in zone over the generated scene's frames
(``seglab workflow run --video``), counting the objects that cross the middle line exactly."""

from __future__ import annotations

import itertools
import json

import cv2
from typer.testing import CliRunner

from seglab.cli import app

from ..video_scene import (
    CROSSING_LEFT_TO_RIGHT,
    CROSSING_RIGHT_TO_LEFT,
    FPS,
    FRAMES,
    HEIGHT,
    LINE_X,
    WIDTH,
    write_video,
)


def counting_workflow(model: str) -> dict:
    zone = [[0, 0], [LINE_X, 0], [LINE_X, HEIGHT], [0, HEIGHT]]  # the left half
    return {
        "version": "1.0",
        "inputs": [{"type": "WorkflowImage", "name": "image"}],
        "steps": [
            {
                "type": "roboflow_core/roboflow_instance_segmentation_model@v2",
                "name": "model",
                "images": "$inputs.image",
                "model_id": model,
            },
            {
                "type": "roboflow_core/byte_tracker@v3",
                "name": "tracker",
                "image": "$inputs.image",
                "detections": "$steps.model.predictions",
            },
            {
                "type": "roboflow_core/line_counter@v2",
                "name": "line",
                "image": "$inputs.image",
                "detections": "$steps.tracker.tracked_detections",
                "line_segment": [[LINE_X, 0], [LINE_X, HEIGHT]],
            },
            {
                "type": "roboflow_core/time_in_zone@v2",
                "name": "zone",
                "image": "$inputs.image",
                "detections": "$steps.tracker.tracked_detections",
                "zone": zone,
            },
            {
                "type": "roboflow_core/mask_visualization@v1",
                "name": "drawn",
                "image": "$inputs.image",
                "predictions": "$steps.tracker.tracked_detections",
            },
        ],
        "outputs": [
            {"type": "JsonField", "name": "count_in", "selector": "$steps.line.count_in"},
            {"type": "JsonField", "name": "count_out", "selector": "$steps.line.count_out"},
            {"type": "JsonField", "name": "new", "selector": "$steps.tracker.new_instances"},
            {"type": "JsonField", "name": "in_zone", "selector": "$steps.zone.timed_detections"},
            {"type": "JsonField", "name": "drawn", "selector": "$steps.drawn.image"},
        ],
    }


def test_a_tracker_and_a_line_counter_count_the_crossings_of_the_generated_video_exactly(blob_model, tmp_path):
    video = write_video(tmp_path / "scene.mp4")
    spec = tmp_path / "count.json"
    spec.write_text(json.dumps(counting_workflow(blob_model)))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["workflow", "run", str(spec), "--video", str(video), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (out / "outputs.jsonl").read_text().splitlines()]
    assert [line["frame"] for line in lines] == list(range(FRAMES))
    # the line points down, so supervision's "in" is right to left across it
    assert (lines[-1]["count_in"], lines[-1]["count_out"]) == (CROSSING_RIGHT_TO_LEFT, CROSSING_LEFT_TO_RIGHT)
    assert sum(len(line["new"]["predictions"]) for line in lines) == 3  # three objects, each new once
    # ``c`` stays in the left half all along: its time in the zone grows with the video's clock
    c_times = [item["time_in_zone"] for line in lines for item in line["in_zone"]["predictions"] if item["y"] > 80]
    assert c_times[-1] == round((len(c_times) - 1) / FPS, 4)
    assert all(b > a for a, b in itertools.pairwise(c_times))
    assert lines[5]["drawn"] == {"type": "video_frame", "path": "drawn.mp4", "frame": 5}
    drawn = cv2.VideoCapture(str(out / "drawn.mp4"))
    assert (int(drawn.get(cv2.CAP_PROP_FRAME_COUNT)), int(drawn.get(cv2.CAP_PROP_FRAME_WIDTH))) == (FRAMES, WIDTH)
    drawn.release()


def test_workflow_run_takes_images_or_a_video_and_names_an_unreadable_video(blob_model, tmp_path):
    spec = tmp_path / "count.json"
    spec.write_text(json.dumps(counting_workflow(blob_model)))
    runner = CliRunner()
    result = runner.invoke(app, ["workflow", "run", str(spec)])
    assert result.exit_code == 1
    assert "--image" in result.output
    assert "--video" in result.output
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    result = runner.invoke(app, ["workflow", "run", str(spec), "--video", str(broken)])
    assert result.exit_code == 1
    assert f"video source {broken}: cannot open it as a video file" in result.output
