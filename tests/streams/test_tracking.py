"""``seglab predict VIDEO --track``: the generated scene's objects keep their ids from frame to frame."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict

import cv2
import numpy as np
from typer.testing import CliRunner

from seglab.cli import app

from ..video_scene import FRAMES, MOVERS, frame, nearest_mover, write_video


def test_predict_track_gives_each_object_one_id_in_the_json_lines_and_colours_masks_by_track(blob_model, tmp_path):
    video = write_video(tmp_path / "scene.mp4")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["predict", blob_model, str(video), "--track", "--visualize", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (out / "scene.jsonl").read_text().splitlines()]
    assert [line["frame"] for line in lines] == list(range(FRAMES))
    ids: dict[str, list[int]] = defaultdict(list)
    for line in lines:
        assert len(line["predictions"]) == len(MOVERS)
        for item in line["predictions"]:
            if item["tracker_id"] is not None:  # ByteTrack names a track from its second frame on
                ids[nearest_mover(item["x"], item["y"], line["frame"])].append(item["tracker_id"])
    switches = {name: sum(a != b for a, b in itertools.pairwise(seen)) for name, seen in ids.items()}
    assert switches == {mover.name: 0 for mover in MOVERS}, switches  # the issue allows one per object
    assert all(len(seen) >= FRAMES - 1 for seen in ids.values())
    assert len({seen[0] for seen in ids.values()}) == len(MOVERS)  # three objects, three tracks

    # the drawn video: each object's mask in its track's colour, the same colour on every frame
    drawn = cv2.VideoCapture(str(out / "scene.mp4"))
    colours: dict[str, list[np.ndarray]] = defaultdict(list)
    index = 0
    while True:
        ok, picture = drawn.read()
        if not ok:
            break
        if index > 0:
            for mover in MOVERS:
                x, y = mover.centre(index)
                colours[mover.name].append(picture[y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 3).mean(axis=0))
            assert not np.array_equal(picture[:, :, ::-1], frame(index))
        index += 1
    assert index == FRAMES
    usual = {name: np.median(seen, axis=0) for name, seen in colours.items()}
    for name, seen in colours.items():  # a label drawn over the centre now and then is fine
        steady = sum(np.abs(colour - usual[name]).max() < 40 for colour in seen)
        assert steady >= 0.8 * len(seen), (name, usual[name], seen)
    distances = [np.abs(usual[a.name] - usual[b.name]).max() for a in MOVERS for b in MOVERS if a.name < b.name]
    assert min(distances) > 40, usual  # three tracks, three colours
