"""``seglab.InferencePipeline``: Roboflow's ``InferencePipeline.init(...)`` shape, with a model and with a workflow."""

from __future__ import annotations

import pytest

import seglab
from seglab.errors import InvalidInputError

from ..video_scene import CROSSING_LEFT_TO_RIGHT, CROSSING_RIGHT_TO_LEFT, FRAMES, MOVERS, write_video
from .test_workflow_video import counting_workflow


def test_inference_pipeline_calls_on_prediction_per_frame_with_a_model_and_with_a_workflow(blob_model, tmp_path):
    video = write_video(tmp_path / "scene.mp4")
    seen: list[tuple[int, dict]] = []
    pipeline = seglab.InferencePipeline.init(
        blob_model, str(video), on_prediction=lambda predictions, frame: seen.append((frame.index, predictions))
    )
    pipeline.start()
    report = pipeline.join()
    assert report.inferred == FRAMES
    assert [index for index, _ in seen] == list(range(FRAMES))
    assert all(len(predictions["predictions"]) == len(MOVERS) for _, predictions in seen)

    outputs: list[dict] = []
    pipeline = seglab.InferencePipeline.init_with_workflow(
        str(video), counting_workflow(blob_model), on_prediction=lambda result, frame: outputs.append(result)
    )
    pipeline.start()
    pipeline.join()
    last = outputs[-1]["outputs"]
    assert (last["count_in"], last["count_out"]) == (CROSSING_RIGHT_TO_LEFT, CROSSING_LEFT_TO_RIGHT)
    assert last["drawn"] == {"type": "image"}


def test_inference_pipeline_names_a_source_it_cannot_open(blob_model, tmp_path):
    pipeline = seglab.InferencePipeline.init(blob_model, str(tmp_path / "none.mp4"))
    with pytest.raises(InvalidInputError, match=r"none\.mp4: no such file"):
        pipeline.start()
    with pytest.raises(InvalidInputError, match="workflow_specification or workflow_id"):
        seglab.InferencePipeline.init_with_workflow(str(tmp_path / "none.mp4"))


def test_terminate_from_on_prediction_stops_a_long_video_and_join_returns(blob_model, tmp_path):
    video = write_video(tmp_path / "long.mp4", frames=600)
    seen: list[int] = []

    def on_prediction(predictions: dict, frame) -> None:
        seen.append(frame.index)
        if len(seen) == 3:
            pipeline.terminate()

    pipeline = seglab.InferencePipeline.init(blob_model, str(video), on_prediction=on_prediction, realtime=True)
    pipeline.start()
    report = pipeline.join()
    assert 3 <= report.inferred < 600
    assert report.decoded < 600
    assert seen[:3] == sorted(seen[:3])
    assert pipeline.report is report
