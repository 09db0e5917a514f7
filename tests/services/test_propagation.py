"""Propagation through a stored video with the offline propagator: proposals with track ids, a job with progress,
re-propagation replacing only what nobody reviewed, interpolation between keyframes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seglab.core import ImageStatus
from seglab.errors import InvalidInputError
from seglab.geometry import mask_iou, mask_to_polygon, segmentation_bbox_xyxy, segmentation_to_mask
from seglab.jobs import PropagateJob
from seglab.services import annotations, images, jobs, projects, propagation, videos
from seglab.store import NewAnnotation

from ..videos import shapes_frame, write_video


@pytest.fixture
def clip(ws, tmp_path):
    """A 24-frame video (every frame stored) with the disc drawn on frame 0: ``(frames, the annotation)``."""
    projects.create_project(ws, "clip", ["disc"])
    images.upload_paths(ws, "clip", [write_video(tmp_path / "clip.mp4", frames=24)], fps=10)
    frames = videos.video_frames(ws, videos.list_videos(ws, "clip")[0].id)
    category = projects.get_project(ws, "clip").categories[0].id
    disc = mask_to_polygon(shapes_frame(0)[1], 0.5)
    seed = annotations.create_annotation(ws, frames[0].id, NewAnnotation(category, disc), author="ana")
    return frames, seed.annotation


def _track(ws, frames, track):
    """Frame position -> the track's live annotation there."""
    found = {}
    for position, frame in enumerate(frames):
        for stored in annotations.list_annotations(ws, frame.id):
            if stored.annotation.track_id == track:
                assert position not in found, f"two annotations of track {track} on frame {position}"
                found[position] = stored
    return found


@pytest.mark.slow  # optical flow and GrabCut over the clip three times (5 s of CPU)
def test_propagation_proposes_the_track_on_the_next_frames_and_replaces_only_unreviewed_ones(ws, clip):
    frames, seed = clip
    report = propagation.propagate(ws, PropagateJob(image_id=frames[0].id, annotation_ids=[seed.id], frames=20))
    assert (report.frames, report.proposals, report.tracks) == (20, 20, {seed.id: 20})
    track = _track(ws, frames, seed.id)
    assert sorted(track) == list(range(21))  # the seed, now on its own track, and frames 1..20
    assert track[20].annotation.source == "propagate:flow"
    truth = shapes_frame(20)[1]
    assert mask_iou(segmentation_to_mask(track[20].annotation.segmentation, (160, 120)), truth) > 0.8

    # a person accepts frame 5 and redraws frame 10; propagating again from frame 10 replaces frames 11..20 only
    accepted = annotations.update_annotation(
        ws, track[5].annotation.id, track[5].revision, attributes={"accepted": True}
    )
    fixed = mask_to_polygon(shapes_frame(10)[1], 0.5)
    annotations.update_annotation(ws, track[10].annotation.id, track[10].revision, segmentation=fixed)
    again = propagation.propagate(
        ws, PropagateJob(image_id=frames[10].id, annotation_ids=[track[10].annotation.id], frames=10)
    )
    assert (again.frames, again.proposals, again.replaced) == (10, 10, 10)
    after = _track(ws, frames, seed.id)
    assert sorted(after) == list(range(21))
    assert after[5].revision == accepted.revision  # untouched
    assert all(after[i].annotation.id == track[i].annotation.id for i in range(11))
    assert all(after[i].annotation.id != track[i].annotation.id for i in range(11, 21))

    # from frame 0 "to the next reviewed frame": frames 1..4, stopping before the accepted frame 5
    up_to = propagation.propagate(ws, PropagateJob(image_id=frames[0].id, annotation_ids=[seed.id], frames=None))
    assert (up_to.frames, up_to.replaced) == (4, 4)


def test_to_the_next_annotated_frame_stops_before_a_frame_a_person_annotated_or_reviewed(ws, clip):
    """``frames=None``: up to the next frame holding a person's annotation of any object (not only of the tracks
    carried), or one a person marked reviewed or null; proposals nobody reviewed do not stop it."""
    frames, seed = clip
    box = mask_to_polygon(np.pad(np.ones((10, 10), bool), ((5, 105), (140, 10))), 0.5)  # another object, no track
    annotations.create_annotation(ws, frames[6].id, NewAnnotation(seed.category_id, box), author="ana")
    images.update_image(ws, frames[15].id, status=ImageStatus.NULL)
    first = propagation.propagate(ws, PropagateJob(image_id=frames[0].id, annotation_ids=[seed.id], frames=None))
    assert first.frames == 5
    assert sorted(_track(ws, frames, seed.id)) == list(range(6))
    # from frame 6 on: frames 7..14, stopping before the frame reviewed as holding nothing
    on_six = _track(ws, frames, seed.id)[5].annotation
    copied = annotations.create_annotation(
        ws, frames[6].id, NewAnnotation(seed.category_id, on_six.segmentation, track_id=seed.id), author="ana"
    )
    again = propagation.propagate(
        ws, PropagateJob(image_id=frames[6].id, annotation_ids=[copied.annotation.id], frames=None)
    )
    assert again.frames == 8
    assert sorted(_track(ws, frames, seed.id)) == list(range(15))
    # the proposals just made are no stop: from frame 0 again it replaces frames 1..5 and stops before frame 6
    third = propagation.propagate(ws, PropagateJob(image_id=frames[0].id, annotation_ids=[seed.id], frames=None))
    assert (third.frames, third.replaced) == (5, 5)


def test_backward_and_as_a_job_with_progress(ws, clip):
    frames, seed = clip
    category = seed.category_id
    last = annotations.create_annotation(
        ws, frames[23].id, NewAnnotation(category, mask_to_polygon(shapes_frame(23)[1], 0.5))
    )
    job = propagation.submit_propagation(
        ws, PropagateJob(image_id=frames[23].id, annotation_ids=[last.annotation.id], direction="backward", frames=5)
    )
    assert job.project_id == projects.get_project(ws, "clip").id
    done = jobs.run_job(ws, job.id)
    assert done.status == "succeeded", done.error
    assert done.result["proposals"] == 5
    assert done.progress["done"] == done.progress["total"] == 5
    assert sorted(_track(ws, frames, last.annotation.id)) == [18, 19, 20, 21, 22, 23]


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_sam2_proposals_land_through_the_service_on_the_seeds_track(ws, clip):
    """SAM 2.1's video predictor (random weights, a 224 input side: see tests/assist/test_sam2_video.py) in place of
    the checkpoint's: its masks, at the video's size, stored as proposals of the seed's track."""
    import torch

    from seglab.assist import ASSIST_MODELS
    from seglab.assist.propagation.sam2_video import Sam2Propagator

    frames, seed = clip
    torch.manual_seed(0)
    sam2 = Sam2Propagator.build(ASSIST_MODELS["sam2.1-hiera-tiny"], None, device="cpu", image_size=224)
    params = PropagateJob(image_id=frames[0].id, annotation_ids=[seed.id], frames=3, propagator=sam2.name)
    report = propagation.propagate(ws, params, propagator=sam2)
    assert (report.frames, report.proposals, report.tracks) == (3, 3, {seed.id: 3})
    track = _track(ws, frames, seed.id)
    assert sorted(track) == [0, 1, 2, 3]
    assert {track[i].annotation.source for i in (1, 2, 3)} == {"propagate:sam2.1-hiera-tiny"}
    # random weights outline something, not the disc; what is stored is a polygon within the frame
    assert all(segmentation_bbox_xyxy(track[i].annotation.segmentation)[2] <= 160 for i in (1, 2, 3))


def test_refusals_name_what_is_wrong(ws, clip, tmp_path):
    frames, seed = clip
    with pytest.raises(InvalidInputError, match="not on image"):
        propagation.submit_propagation(ws, PropagateJob(image_id=frames[1].id, annotation_ids=[seed.id]))
    with pytest.raises(InvalidInputError, match="unknown propagator 'nope'"):
        propagation.submit_propagation(
            ws, PropagateJob(image_id=frames[0].id, annotation_ids=[seed.id], propagator="nope")
        )
    with pytest.raises(InvalidInputError, match=r"needs the weights of sam2\.1-hiera-tiny"):
        propagation.build_propagator(ws, "sam2.1-hiera-tiny")


def test_interpolation_fills_the_frames_between_two_keyframes_of_a_track(ws, clip):
    frames, seed = clip
    propagation.propagate(ws, PropagateJob(image_id=frames[0].id, annotation_ids=[seed.id], frames=1))  # seed's track
    end = annotations.create_annotation(
        ws,
        frames[8].id,
        NewAnnotation(seed.category_id, mask_to_polygon(shapes_frame(8)[1], 0.5), track_id=seed.id),
    )
    report = propagation.interpolate(ws, seed.id, end.annotation.id)
    assert report.frames == 7
    track = _track(ws, frames, seed.id)
    assert sorted(track) == list(range(9))
    assert track[4].annotation.source == "propagate:interpolate"
    assert mask_iou(segmentation_to_mask(track[4].annotation.segmentation, (160, 120)), shapes_frame(4)[1]) > 0.85

    # without the other end: the track's next keyframe, else its previous one (here frame 0), from the CLI
    from typer.testing import CliRunner

    from seglab.cli import app

    result = CliRunner().invoke(app, ["assist", "interpolate", str(end.annotation.id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"frames": 7, "proposals": 7, "replaced": 7, "tracks": {str(seed.id): 7}}
    assert propagation.interpolate(ws, seed.id).replaced == 7  # from frame 0: frame 8 is the next keyframe
    assert sorted(_track(ws, frames, seed.id)) == list(range(9))
    loose = annotations.create_annotation(
        ws, frames[12].id, NewAnnotation(seed.category_id, end.annotation.segmentation)
    )
    refused = CliRunner().invoke(app, ["assist", "interpolate", str(loose.annotation.id)])
    assert refused.exit_code != 0
    assert f"annotation {loose.annotation.id} is on no track" in refused.output


def test_a_coco_export_keeps_track_ids_and_frames_in_order(ws, clip, tmp_path):
    import json

    from seglab.services import transfer

    frames, seed = clip
    propagation.propagate(ws, PropagateJob(image_id=frames[0].id, annotation_ids=[seed.id], frames=3))
    transfer.export_project(ws, "clip", tmp_path / "out", format="coco")
    document = json.loads((tmp_path / "out" / "_annotations.coco.json").read_text())
    assert [i["frame_index"] for i in document["images"]] == list(range(24))
    assert {i["video_id"] for i in document["images"]} == {frames[0].video_id}
    tracked = [a for a in document["annotations"] if a.get("attributes", {}).get("track_id") == seed.id]
    assert len(tracked) == 4
    # LabelMe has no track ids: the track is each frame's shape's group_id
    transfer.export_project(ws, "clip", tmp_path / "labelme", format="labelme")
    groups = [
        [shape["group_id"] for shape in json.loads((tmp_path / "labelme" / f"clip_{i:06d}.json").read_text())["shapes"]]
        for i in range(5)
    ]
    assert groups == [[seed.id]] * 4 + [[]]


def test_the_cli_propagates_and_says_what_it_did(ws, clip):
    import json

    from typer.testing import CliRunner

    from seglab.cli import app

    frames, seed = clip
    command = ["assist", "propagate", str(frames[0].id), "--annotations", str(seed.id), "--frames", "3", "--json"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["proposals"] == 3
    refused = CliRunner().invoke(app, [*command[:3], "--annotations", "x"])
    assert "--annotations takes comma-separated numbers" in refused.output
    assert refused.exit_code != 0
