"""SAM 2.1's video predictor, the real architecture with random weights (no checkpoint can be downloaded here) at
a lowered input side (224 instead of 1024, so 50 frames run on a CPU): the wiring into the library, the chunks,
the track ids, and the memory held staying under the budget however many frames stream through: both the tensors the
propagator counts and the process's own memory (RSS) over what it was once the model was loaded."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seglab.assist import ASSIST_MODELS
from seglab.assist.propagation import propagator_model
from seglab.assist.propagation.sam2_video import Sam2Propagator

from ..videos import shapes_frame

pytestmark = pytest.mark.slow

FRAMES = 50
BUDGET = 96 << 20


def test_fifty_frames_stream_through_in_chunks_keeping_track_ids_within_the_memory_budget():
    import psutil
    import torch

    torch.manual_seed(0)
    propagator = Sam2Propagator.build(
        ASSIST_MODELS["sam2.1-hiera-tiny"], None, memory_budget_bytes=BUDGET, device="cpu", image_size=224
    )
    chunk = propagator.chunk_frames(2)
    assert 2 < chunk < FRAMES  # the budget makes the video stream in several chunks
    disc = shapes_frame(0)[1]
    corner = np.zeros_like(disc)
    corner[80:110, 110:150] = True
    seeds = {11: disc, 42: corner}
    held = []
    added = []  # the process's memory over its memory before the first frame, after each frame
    results = []
    process = psutil.Process()
    loaded = process.memory_info().rss
    for found in propagator.propagate((shapes_frame(i)[0] for i in range(FRAMES)), seeds):
        results.append(found)
        held.append(propagator.held_bytes)
        added.append(process.memory_info().rss - loaded)
    assert len(results) == FRAMES - 1
    assert propagator.chunks == math.ceil((FRAMES - 1) / (chunk - 1))
    assert set().union(*results) <= {11, 42}  # the seeds' track ids, nothing else
    assert set(results[0]) == {11, 42}
    for found in results:
        for track, tracked in found.items():
            assert tracked.track_id == track
            assert tracked.mask.shape == disc.shape
            assert tracked.mask.dtype == bool
            assert 0.0 <= tracked.score <= 1.0
    # what is held stays under the budget, and as much late in the video as early on: it does not grow with it
    assert propagator.peak_held_bytes <= BUDGET
    assert max(held[-chunk:]) <= 1.1 * max(held[:chunk])
    # and so does the process's memory, after every frame of every chunk (RSS moves by several MB from frame to
    # frame as the allocator hands memory back, so it is bounded, not compared frame by frame)
    assert max(added) <= BUDGET, f"{[a >> 20 for a in added]} MB over the loaded model, budget {BUDGET >> 20} MB"


def test_sam2_is_registered_as_a_propagator_built_from_its_assist_models_weights():
    model = propagator_model("sam2.1-hiera-tiny")
    assert model.weights_of == "sam2.1-hiera-tiny"
