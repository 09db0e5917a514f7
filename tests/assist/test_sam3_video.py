"""SAM 3's tracker as a propagator: ``transformers``' ``Sam3TrackerVideoModel`` (the real architecture, tiny random
weights, see tests/sam3_tiny.py) streaming frames through one session. Random weights follow nothing in
particular, so this checks the wiring: seeds in by track id, masks out at the frame's size under the same ids on
every frame, what the session holds bounded by the tracker's memory window, and its choice when weights are here."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from seglab.assist.propagation.sam3_video import Sam3Propagator
from seglab.services import propagation

from ..videos import shapes_frame

pytestmark = pytest.mark.slow

FRAMES, WINDOW = 12, 3


@pytest.fixture(scope="module")
def tracker_folder(tmp_path_factory):
    from ..sam3_tiny import tiny_sam3_tracker_video

    return tiny_sam3_tracker_video(tmp_path_factory.mktemp("sam3-tracker-video"), window=WINDOW)


def test_tracks_keep_their_ids_through_the_frames_in_a_bounded_session(tracker_folder):
    propagator = Sam3Propagator.load(tracker_folder)
    disc = shapes_frame(0)[1]
    corner = np.zeros_like(disc)
    corner[80:110, 110:150] = True
    results = list(propagator.propagate((shapes_frame(i)[0] for i in range(FRAMES)), {11: disc, 42: corner}))
    assert len(results) == FRAMES - 1
    for found in results:
        assert set(found) == {11, 42}  # the score head says present: every track on every frame, under its id
        for track, tracked in found.items():
            assert tracked.track_id == track
            assert (tracked.mask.shape, tracked.mask.dtype) == (disc.shape, np.dtype(bool))
            assert 0.0 <= tracked.score <= 1.0
    # the keyframe, the tracker's window and the frame at hand: not the whole clip
    assert propagator.peak_held_frames <= WINDOW + 2 < FRAMES


def test_no_seed_means_nothing_on_every_frame(tracker_folder):
    propagator = Sam3Propagator.load(tracker_folder)
    empty = np.zeros((120, 160), bool)
    assert list(propagator.propagate((shapes_frame(i)[0] for i in range(4)), {3: empty})) == [{}, {}, {}]


def test_sam3_is_a_usable_propagator_once_its_folder_is_in_the_weights(ws, tracker_folder):
    assert "sam3" not in propagation.usable_propagators(ws)
    shutil.copytree(tracker_folder, ws.settings.weights_dir / "sam3")
    assert "sam3" in propagation.usable_propagators(ws)
    assert isinstance(propagation.build_propagator(ws, "sam3"), Sam3Propagator)
