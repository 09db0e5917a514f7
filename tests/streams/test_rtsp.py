"""``seglab stream`` from a local RTSP server the test starts (GStreamer's, from Debian's packages), into every
sink; the server is stopped and started again mid-stream, and the stream reconnects and reports the gap."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import pytest

from seglab.models import PredictOptions
from seglab.models.tracking import TrackerSettings
from seglab.models.video_sources import VideoSource
from seglab.services import inference, streams
from seglab.services.stream_pipeline import StreamPipeline
from seglab.services.stream_sinks import JsonlSink, VideoFileSink, WebhookSink
from seglab.store import Workspace

from ..serve_process import free_port
from ..video_scene import FRAMES, MOVERS, frame

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER = Path(__file__).with_name("rtsp_server.py")
PACKAGES = "gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad python3-gi"


def _rtsp_server_missing() -> str | None:
    probe = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    if shutil.which(SYSTEM_PYTHON) is None:
        return f"no {SYSTEM_PYTHON} to run GStreamer's RTSP server"
    if subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, check=False).returncode != 0:
        return f"GStreamer's RTSP server is not installed (apt-get install {PACKAGES}; .ci/run does)"
    return None


pytestmark = pytest.mark.skipif(bool(_rtsp_server_missing()), reason=_rtsp_server_missing() or "")


@contextmanager
def rtsp_server(port: int, folder: Path) -> Iterator[str]:
    """GStreamer's RTSP server on ``port`` serving ``folder``'s JPEG frames in a loop; yields its URL once ready."""
    process = subprocess.Popen(
        [SYSTEM_PYTHON, str(SERVER), str(port), str(folder), "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready", "the RTSP server did not start"
        yield f"rtsp://127.0.0.1:{port}/scene"
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_stream_from_a_local_rtsp_server_reconnects_after_it_drops_and_reports_the_gap(blob_model, webhook, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for index in range(FRAMES):
        cv2.imwrite(str(folder / f"{index:03d}.jpg"), frame(index)[:, :, ::-1])
    port = free_port()
    ws = Workspace()
    handler = streams.model_handler(inference.load_model(ws, blob_model), PredictOptions(), tracking=TrackerSettings())
    results = threading.Condition()
    seen: list[int] = []

    def count(result) -> None:
        with results:
            seen.append(result.frame.index)
            results.notify_all()

    jsonl, drawn = tmp_path / "frames.jsonl", tmp_path / "drawn.mp4"
    sinks = [JsonlSink(jsonl), VideoFileSink(drawn), WebhookSink(webhook.url)]
    try:
        with rtsp_server(port, folder) as url:
            source = VideoSource(url, open_timeout_s=2, reconnect_timeout_s=30, backoff_s=(0.1, 0.5))
            pipeline = StreamPipeline(source, handler, sinks, on_result=count).start()
            with results:
                assert results.wait_for(lambda: len(seen) >= 10, 30)
        with rtsp_server(port, folder):  # the same server back, as a camera after a reboot
            with results:
                before = len(seen)
                assert results.wait_for(lambda: pipeline.report.gaps and len(seen) >= before + 10, 60)
            pipeline.stop()
            report = pipeline.join()
    finally:
        ws.close()
    assert report.error is None
    assert len(report.gaps) == 1
    assert report.gaps[0]["seconds"] > 0.1  # from the last frame before the restart to the first after it
    assert report.inferred + report.dropped == report.decoded
    assert report.inferred == len(seen)

    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    gaps = [line for line in lines if "gap" in line]
    assert len(gaps) == 1
    assert gaps[0]["gap"]["source"] == url
    frames = [line for line in lines if "frame" in line]
    assert len(frames) == report.inferred
    assert all(len(line["predictions"]) == len(MOVERS) for line in frames)
    assert webhook.wait_for(lambda bodies: len(bodies) == report.inferred + 1)
    assert any("gap" in body for body in webhook.bodies)
    capture = cv2.VideoCapture(str(drawn))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == report.inferred
    capture.release()
