"""Rapid on a project: classes created or matched, proposals stored as reviewable annotations, the review queue,
video frames."""

from __future__ import annotations

import pytest

from seglab.assist import GrabCutSegmenter
from seglab.assist.autolabel import AutolabelSettings, ClassPrompt
from seglab.errors import InvalidInputError
from seglab.services import annotations, autolabel, images, projects

from .conftest import FixedDetector, write_scene, write_video

PROMPTS = AutolabelSettings((ClassPrompt("bottle cap", "Cap"), ClassPrompt.parse("hard hat=helmet")), threshold=0.3)


@pytest.fixture
def scenes(ws, tmp_path) -> list[int]:
    projects.create_project(ws, "site", ["cap"])
    paths = [write_scene(tmp_path / f"{i}.png", 160 + i, 96) for i in range(3)]  # different bytes, three images
    return [image.id for image in images.upload_paths(ws, "site", paths).added]


def _square_and_disc() -> FixedDetector:
    return FixedDetector([[16, 16, 64, 64], [100, 30, 140, 70]], [[0.9, 0.1], [0.2, 0.6]])


def test_proposals_are_stored_for_review_with_classes_matched_or_created(ws, scenes):
    report = autolabel.autolabel(
        ws, "site", PROMPTS, detector=_square_and_disc(), segmenter=GrabCutSegmenter(), image_ids=scenes[:2]
    )
    assert (report.images, report.annotations) == (2, 4)
    assert report.per_class == {"Cap": 2, "helmet": 2}
    assert report.created_classes == ["helmet"]  # "Cap" is the project's "cap" (names match ignoring case)
    assert (report.detector, report.segmenter) == ("owlv2-base", "grabcut")
    categories = {c.name: c.id for c in projects.get_project(ws, "site").categories}
    assert set(categories) == {"cap", "helmet"}

    stored = annotations.list_annotations(ws, scenes[0])
    assert [(s.annotation.category_id, s.annotation.confidence) for s in stored] == [
        (categories["cap"], 0.9),
        (categories["helmet"], 0.6),
    ]
    first = stored[0]
    assert first.annotation.source == "model:owlv2-base"  # the editor offers accept/reject for model: sources
    assert first.author == "autolabel"
    assert first.annotation.attributes["prompt"] == "bottle cap"
    assert first.annotation.bbox_xyxy == pytest.approx((20, 20, 60, 60), abs=1)
    assert images.get_image(ws, scenes[0]).status.value == "annotated"


def test_by_default_only_unannotated_images_are_labelled(ws, scenes):
    autolabel.autolabel(
        ws, "site", PROMPTS, detector=_square_and_disc(), segmenter=GrabCutSegmenter(), image_ids=scenes[:1]
    )
    report = autolabel.autolabel(ws, "site", PROMPTS, detector=_square_and_disc(), segmenter=GrabCutSegmenter())
    assert report.images == 2
    projects.create_project(ws, "other")
    with pytest.raises(InvalidInputError, match="not in project"):
        autolabel.autolabel(
            ws, "other", PROMPTS, detector=_square_and_disc(), segmenter=GrabCutSegmenter(), image_ids=scenes
        )


def test_the_review_queue_empties_as_proposals_are_accepted_or_rejected(ws, scenes):
    autolabel.autolabel(
        ws, "site", PROMPTS, detector=_square_and_disc(), segmenter=GrabCutSegmenter(), image_ids=scenes[:2]
    )
    total, queue = autolabel.pending_proposals(ws, "site")
    assert total == 4
    assert [q.annotation.confidence for q in queue] == [0.9, 0.6, 0.9, 0.6]  # by image, best first
    accepted, rejected = queue[0], queue[1]
    annotations.update_annotation(  # what the editor's ✓ does
        ws, accepted.annotation.id, accepted.revision, attributes={**accepted.annotation.attributes, "accepted": True}
    )
    annotations.delete_annotation(ws, rejected.annotation.id, rejected.revision)  # ✗
    total, queue = autolabel.pending_proposals(ws, "site", limit=1)
    assert total == 2
    assert len(queue) == 1
    kept = annotations.get_annotation(ws, accepted.annotation.id)
    assert kept.annotation.attributes["accepted"] is True


def test_a_video_becomes_frames_that_are_labelled(tiny_detector_home, ws, tmp_path):
    projects.create_project(ws, "clip")
    frames = autolabel.upload_video(ws, "clip", write_video(tmp_path / "clip.avi"), fps=5)
    assert len(frames) == 5
    report = autolabel.autolabel(ws, "clip", PROMPTS, image_ids=frames)  # the tiny OWLv2, GrabCut
    assert report.images == 5
    assert report.created_classes == ["Cap", "helmet"]


def test_a_preview_stores_nothing(tiny_detector_home, ws, scenes):
    settings = AutolabelSettings((ClassPrompt.parse("square"),), threshold=0.0)
    previews = autolabel.preview(ws, "site", settings)
    assert [p.image_id for p in previews] == scenes  # the first images of the project (at most 4)
    assert all(p.instances for p in previews)
    instance = previews[0].instances[0]
    assert instance["class_name"] == "square"
    assert instance["segmentation"]["type"] == "polygon"
    assert len(instance["box"]) == 4
    assert all(not annotations.list_annotations(ws, image_id) for image_id in scenes)
    assert [c.name for c in projects.get_project(ws, "site").categories] == ["cap"]  # no class created either
    with pytest.raises(InvalidInputError, match="at most 4 images"):
        autolabel.preview(ws, "site", settings, image_ids=[1, 2, 3, 4, 5])
