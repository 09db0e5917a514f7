"""Videos as first-class: the record kept at upload, sampling by timestamp, rotation, refusals with nothing stored."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.services import images, projects, videos
from seglab.store import ImageFilter

from ..videos import shapes_frame, write_video


@pytest.fixture
def empty(ws):
    projects.create_project(ws, "empty", ["thing"])
    return "empty"


def _frame_pixels(ws, image) -> np.ndarray:
    import cv2

    return cv2.imread(str(images.image_file(ws, image.id)))[:, :, ::-1]


def test_an_uploaded_video_keeps_its_record_and_each_frames_index(ws, empty, tmp_path):
    path = write_video(tmp_path / "clip.mp4", frames=30, fps=10)  # 3 seconds
    report = images.upload_paths(ws, empty, [path], fps=2.0)
    assert [i.frame_index for i in report.added] == [0, 5, 10, 15, 20, 25]
    assert report.added[1].file_name == "clip_000005.jpg"
    (video,) = videos.list_videos(ws, empty)
    assert (video.file_name, video.fps, video.frame_count, video.frames) == ("clip.mp4", 10.0, 30, 6)
    assert (video.width, video.height, video.rotation) == (160, 120, 0)
    assert video.duration_seconds == pytest.approx(3.0)
    assert [f.id for f in videos.video_frames(ws, video.id)] == [i.id for i in report.added]
    assert {i.video_id for i in report.added} == {video.id}
    # the same video again: its frames are duplicates and no second record is made
    again = images.upload_paths(ws, empty, [path], fps=2.0)
    assert (len(again.added), len(again.duplicates), len(videos.list_videos(ws, empty))) == (0, 6, 1)
    # deleting frames leaves the video until its last frame goes
    images.delete_images(ws, empty, [i.id for i in report.added[:5]])
    assert videos.list_videos(ws, empty)[0].frames == 1
    images.delete_image(ws, report.added[5].id)
    assert videos.list_videos(ws, empty) == []


def test_a_variable_frame_rate_is_sampled_by_timestamp(ws, empty, tmp_path):
    """Frames bunched in the first second and sparse after: sampling at 2 fps takes the first frame at or after
    each half second, not every n-th frame."""
    stamps = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1700, 2600, 3000]
    path = write_video(tmp_path / "vfr.mp4", frames=len(stamps), timestamps_ms=stamps)
    report = images.upload_paths(ws, empty, [path], fps=2.0)
    seconds = [i.metadata["seconds"] for i in report.added]
    assert seconds == pytest.approx([0.0, 0.5, 1.0, 1.7, 2.6, 3.0])
    assert [i.frame_index for i in report.added] == [0, 5, 10, 11, 12, 13]


@pytest.mark.parametrize("rotation", [90, 270])
def test_a_rotated_phone_video_is_turned_upright(ws, empty, tmp_path, rotation):
    path = write_video(tmp_path / "phone.mp4", frames=3, size=(160, 96), rotation=rotation)
    report = images.upload_paths(ws, empty, [path], fps=None)
    first = report.added[0]
    assert (first.width, first.height) == (160, 96)
    assert videos.list_videos(ws, empty)[0].rotation == rotation
    _, disc = shapes_frame(0, (160, 96))
    bright = _frame_pixels(ws, first)[:, :, 0] > 150  # the disc is the only bright (red channel) thing
    assert (bright & disc).sum() / disc.sum() > 0.9


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"nope", "not a readable video"), (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "not a readable video")],
)
def test_a_file_that_is_not_a_video_is_refused_and_nothing_is_stored(ws, empty, tmp_path, content, reason):
    path = tmp_path / "fake.mp4"
    path.write_bytes(content)
    report = images.upload_paths(ws, empty, [path])
    assert report.added == []
    assert report.failed[0][0] == "fake.mp4"
    assert reason in report.failed[0][1]
    assert "fake.mp4" in report.failed[0][1]
    assert str(tmp_path) not in report.failed[0][1]  # FFmpeg's reason, not the (temporary, on a server) path
    assert images.image_ids(ws, empty, ImageFilter()) == []
    assert videos.list_videos(ws, empty) == []


def test_a_file_with_sound_and_no_picture_is_refused_and_nothing_is_stored(ws, empty, tmp_path):
    import av

    path = tmp_path / "voice.mp4"
    with av.open(str(path), "w") as container:  # an MP4 holding one AAC stream, as a voice memo is
        stream = container.add_stream("aac", rate=8000)
        sound = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        sound.sample_rate, sound.pts = 8000, 0
        for packet in [*stream.encode(sound), *stream.encode()]:
            container.mux(packet)
    report = images.upload_paths(ws, empty, [path])
    assert report.failed == [("voice.mp4", "voice.mp4: not a video (it has no video stream)")]
    assert images.image_ids(ws, empty, ImageFilter()) == []
    assert videos.list_videos(ws, empty) == []


def test_a_video_whose_frames_stop_decoding_is_refused_whole(ws, empty, tmp_path):
    path = write_video(tmp_path / "cut.mp4", frames=20)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # the index (moov) at the end is gone: no frame can be found
    report = images.upload_paths(ws, empty, [path])
    assert report.added == []
    assert "cut.mp4" in report.failed[0][1]
    assert videos.list_videos(ws, empty) == []
