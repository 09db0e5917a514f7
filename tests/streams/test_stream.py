"""``seglab stream``: a file through a model into every sink, a source that cannot be opened, and a live source that
inference cannot keep up with (newest frame wins, drops counted)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import cv2
from typer.testing import CliRunner

from seglab.cli import app
from seglab.models import PredictOptions
from seglab.models.video_sources import VideoSource
from seglab.services.stream_pipeline import FrameResult, StreamPipeline

from ..video_scene import FRAMES, MOVERS, BlobDetector, write_video


def test_stream_a_file_through_a_tracked_model_into_jsonl_video_and_webhook(blob_model, webhook, tmp_path):
    video = write_video(tmp_path / "scene.mp4")
    jsonl, drawn = tmp_path / "frames.jsonl", tmp_path / "drawn.mp4"
    args = ["stream", str(video), "--model", blob_model, "--track", "--jsonl", str(jsonl), "--video-out", str(drawn)]
    result = CliRunner().invoke(app, [*args, "--webhook", webhook.url, "--webhook-batch", "4", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["decoded"], report["inferred"], report["dropped"]) == (FRAMES, FRAMES, 0)  # a file waits
    assert report["fps"] > 0
    assert 0.0 <= report["overlap"] <= 1.0
    assert set(report["latency_ms"]) == {"mean", "p50", "p95", "max"}
    assert (report["gaps"], report["sink_errors"], report["error"]) == ([], {}, None)

    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [line["frame"] for line in lines] == list(range(FRAMES))
    assert all(len(line["predictions"]) == len(MOVERS) for line in lines)
    assert {p["tracker_id"] for p in lines[-1]["predictions"]} == {p["tracker_id"] for p in lines[1]["predictions"]}
    assert lines[3]["latency_ms"] >= 0

    capture = cv2.VideoCapture(str(drawn))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == FRAMES
    capture.release()

    assert webhook.wait_for(lambda bodies: sum(len(b["frames"]) for b in bodies) == FRAMES)
    assert [len(body["frames"]) for body in webhook.bodies] == [4] * 7 + [2]  # the rest when the stream ends
    assert webhook.bodies[0]["frames"][0]["predictions"] == lines[0]["predictions"]


def test_a_source_that_cannot_be_opened_is_refused_at_once_with_its_name(blob_model, tmp_path):
    runner = CliRunner()
    missing = tmp_path / "missing.mp4"
    result = runner.invoke(app, ["stream", str(missing), "--model", blob_model])
    assert result.exit_code == 1
    assert f"video source {missing}: no such file" in result.output
    started = time.monotonic()
    result = runner.invoke(app, ["stream", "rtsp://127.0.0.1:9/nothing", "--model", blob_model])
    assert result.exit_code == 1
    assert "video source rtsp://127.0.0.1:9/nothing: cannot open it as a stream" in result.output
    assert time.monotonic() - started < 10
    camera = next(f"/dev/video{n}" for n in range(64) if not Path(f"/dev/video{n}").exists())  # a webcam not there
    for reference in (camera, camera.removeprefix("/dev/video")):
        result = runner.invoke(app, ["stream", reference, "--model", blob_model])
        assert result.exit_code == 1
        assert f"video source {reference}: no such camera ({camera} does not exist)" in result.output
    result = runner.invoke(app, ["stream", str(missing)])
    assert result.exit_code == 1
    assert "give one of them" in result.output


def test_when_inference_is_slower_than_the_source_the_newest_frame_wins_and_drops_are_counted(tmp_path):
    """A file played in real time (as a camera delivers it) to a model that is held on the first frame until ten
    more frames were decoded: those in between are replaced by newer ones, never queued."""
    video = write_video(tmp_path / "fast.mp4", frames=60, fps=200.0)
    detector = BlobDetector()
    source = VideoSource(video)
    held = threading.Event()
    inferred: list[int] = []

    def slow_first(frame):
        if frame.index == 0:
            held.wait(30)
        return FrameResult(frame, {"instances": len(detector.predict([frame.pixels], PredictOptions())[0])})

    pipeline = StreamPipeline(source, slow_first, realtime=True, on_result=lambda r: inferred.append(r.frame.index))

    def release_after_ten() -> None:
        while pipeline.report.decoded < 11 and pipeline.running():
            time.sleep(0.005)
        held.set()

    pipeline.start()
    threading.Thread(target=release_after_ten, daemon=True).start()
    report = pipeline.join()
    assert report.decoded == 60
    assert report.dropped >= 9
    assert report.inferred + report.dropped == report.decoded
    assert inferred[0] == 0
    assert inferred[1] >= 10  # the newest frame, not the one after the first
    assert inferred == sorted(inferred)
    live = pipeline.live()  # what the Deploy page shows while a stream runs
    assert (live["decoded"], live["inferred"], live["dropped"]) == (report.decoded, report.inferred, report.dropped)
    assert live["fps"] > 0
    assert live["latency_ms"]["max"] >= live["latency_ms"]["p50"] >= 0


def test_a_long_stream_keeps_what_it_measures_in_bounded_memory(tmp_path, monkeypatch):
    """A camera streams for weeks: the pipeline keeps a window of latencies and running sums, not every frame's
    timings, and still reports the mean and max over all frames and the decode/inference overlap."""
    from seglab.services import stream_pipeline

    monkeypatch.setattr(stream_pipeline, "LATENCY_WINDOW", 40)
    video = write_video(tmp_path / "long.mp4", frames=200)
    pipeline = StreamPipeline(VideoSource(video), lambda frame: FrameResult(frame, {"index": frame.index}))
    report = pipeline.start().join()
    assert report.inferred == 200
    timing = pipeline._timing  # the only state that grows with the frames
    assert len(timing.latencies) == 40
    assert len(timing._recent) <= stream_pipeline.FILE_BUFFER + 1
    assert timing.latency_count == 200
    assert report.latency_ms["max"] >= report.latency_ms["mean"] > 0
    assert 0.0 <= report.overlap <= 1.0
    assert report.decode_busy_s > 0


def test_a_video_file_at_an_http_url_is_streamed_once_as_a_file(blob_model, tmp_path):
    """``http://host/clip.mp4`` is a file served over the network, not a camera: it is read to its end once (no
    frame dropped, no "reconnection" replaying it from the start), while an RTSP/HTTP live stream is reconnected."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    write_video(tmp_path / "scene.mp4")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/scene.mp4"
        arguments = ["stream", url, "--model", blob_model, "--reconnect-timeout", "2", "--max-frames", "200", "--json"]
        result = CliRunner().invoke(app, arguments)  # bounded: a replaying stream would decode 200
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["live"], report["decoded"], report["inferred"], report["dropped"]) == (False, FRAMES, FRAMES, 0)
    assert report["gaps"] == []
