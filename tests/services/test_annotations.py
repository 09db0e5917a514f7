import threading

import pytest

from seglab.core import ImageStatus
from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.geometry import MultiPolygon, Rle
from seglab.services import annotations, images, projects
from seglab.store import ImageFilter, NewAnnotation, segmentation_to_json


def _square(x, y, size):
    return MultiPolygon.from_coco([[x, y, x + size, y, x + size, y + size, x, y + size]])


@pytest.fixture
def empty_image(ws, project):
    """An unannotated image (the test split's image holds only a crowd; we add a fresh project image)."""
    return images.list_images(ws, project, ImageFilter(split="test"))[0][0]


def test_every_change_is_a_revision_with_author_and_source(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    created = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(1, 1, 10)), author="ana")
    assert (created.revision, created.author, created.annotation.area) == (1, "ana", 100)
    updated = annotations.update_annotation(ws, created.annotation.id, 1, segmentation=_square(1, 1, 20), author="bo")
    assert (updated.revision, updated.annotation.area) == (2, 400)
    deleted = annotations.delete_annotation(ws, created.annotation.id, 2, author="cy")
    assert deleted.revision == 3
    history = annotations.annotation_history(ws, created.annotation.id)
    assert [(r.revision, r.action, r.author) for r in history] == [
        (1, "create", "ana"),
        (2, "update", "bo"),
        (3, "delete", "cy"),
    ]
    assert history[1].state["geometry"]["parts"][0]["exterior"] == [1.0, 1.0, 21.0, 1.0, 21.0, 21.0, 1.0, 21.0]
    with pytest.raises(NotFoundError, match="was deleted"):
        annotations.get_annotation(ws, created.annotation.id)
    image_history = annotations.image_history(ws, image.id)
    assert [r.action for r in image_history[:3]] == ["delete", "update", "create"]


def test_stale_revision_is_refused_never_overwritten(ws, project):
    stored = annotations.list_annotations(ws, images.list_images(ws, project)[0][0].id)[0]
    first = annotations.update_annotation(ws, stored.annotation.id, stored.revision, segmentation=_square(2, 2, 5))
    with pytest.raises(ConflictError, match=f"is at revision {first.revision}, not {stored.revision}") as raised:
        annotations.update_annotation(ws, stored.annotation.id, stored.revision, segmentation=_square(3, 3, 9))
    assert raised.value.details["current_revision"] == first.revision
    assert annotations.get_annotation(ws, stored.annotation.id).annotation.area == 25
    with pytest.raises(ConflictError):
        annotations.delete_annotation(ws, stored.annotation.id, stored.revision)


def test_concurrent_writers_exactly_one_wins(ws, project):
    stored = annotations.list_annotations(ws, images.list_images(ws, project)[0][0].id)[0]
    barrier = threading.Barrier(8)
    outcomes = []

    def edit(size):
        barrier.wait()
        try:
            annotations.update_annotation(ws, stored.annotation.id, stored.revision, segmentation=_square(0, 0, size))
            outcomes.append(("won", size))
        except ConflictError:
            outcomes.append(("conflict", size))

    threads = [threading.Thread(target=edit, args=(size,)) for size in range(3, 11)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [size for outcome, size in outcomes if outcome == "won"]
    assert len(winners) == 1
    final = annotations.get_annotation(ws, stored.annotation.id)
    assert (final.revision, final.annotation.area) == (stored.revision + 1, winners[0] ** 2)


def test_undo_steps_back_through_changes(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4))).annotation.id
    annotations.update_annotation(ws, a, 1, segmentation=_square(0, 0, 5))
    annotations.update_annotation(ws, a, 2, segmentation=_square(0, 0, 6))
    assert annotations.undo_annotation(ws, a).annotation.area == 25
    assert annotations.undo_annotation(ws, a).annotation.area == 16
    annotations.undo_annotation(ws, a)  # undoing the creation deletes it
    with pytest.raises(NotFoundError):
        annotations.get_annotation(ws, a)
    with pytest.raises(ConflictError, match="nothing left to undo"):
        annotations.undo_annotation(ws, a)


def test_undo_after_a_new_edit_does_not_resurrect_undone_changes(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4))).annotation.id
    annotations.update_annotation(ws, a, 1, segmentation=_square(0, 0, 5))  # rev 2: 25
    annotations.undo_annotation(ws, a)  # rev 3: back to 16
    annotations.update_annotation(ws, a, 3, segmentation=_square(0, 0, 7))  # rev 4: 49
    assert annotations.undo_annotation(ws, a).annotation.area == 16  # not 25
    annotations.undo_annotation(ws, a)
    with pytest.raises(NotFoundError):
        annotations.get_annotation(ws, a)


def test_undo_a_deletion_restores(ws, project):
    stored = annotations.list_annotations(ws, images.list_images(ws, project)[0][0].id)[0]
    annotations.delete_annotation(ws, stored.annotation.id, stored.revision)
    restored = annotations.undo_annotation(ws, stored.annotation.id)
    assert restored.annotation.segmentation == stored.annotation.segmentation


def _snapshot(ws, image_id):
    """Everything stored about the image's live annotations, by id (what undo and redo must bring back exactly)."""
    return {
        s.annotation.id: (
            s.annotation.category_id,
            segmentation_to_json(s.annotation.segmentation),
            s.annotation.iscrowd,
            s.annotation.source,
            s.annotation.confidence,
            s.annotation.attributes,
        )
        for s in annotations.list_annotations(ws, image_id)
    }


def test_image_undo_follows_the_order_of_changes(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4))).annotation.id
    b = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(30, 30, 4))).annotation.id
    annotations.update_annotation(ws, a, 1, segmentation=_square(0, 0, 6))
    undone = annotations.undo_image(ws, image.id)  # the edit of a
    assert ([s.annotation.id for s in undone.annotations], undone.label) == ([a], "change shape")
    assert annotations.undo_image(ws, image.id).deleted == (b,)  # then the creation of b
    with pytest.raises(NotFoundError):
        annotations.get_annotation(ws, b)
    assert annotations.get_annotation(ws, a).annotation.area == 16


def test_many_steps_undo_and_redo_exactly(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat, dog = projects.get_project(ws, project).categories[:2]
    states = [_snapshot(ws, image.id)]

    def edit(change):
        change()
        states.append(_snapshot(ws, image.id))

    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4))).annotation.id
    states.append(_snapshot(ws, image.id))
    edit(lambda: annotations.update_annotation(ws, a, 1, category_id=dog.id))  # the case that lost a step before
    edit(lambda: annotations.update_annotation(ws, a, 2, segmentation=_square(1, 1, 9)))
    edit(lambda: annotations.create_annotations(ws, image.id, [NewAnnotation(cat.id, _square(40, 40, 5))] * 2))
    edit(lambda: annotations.update_annotation(ws, a, 3, attributes={"occluded": True}))
    edit(lambda: annotations.delete_annotation(ws, a, 4))
    for expected in reversed(states[:-1]):
        annotations.undo_image(ws, image.id)
        assert _snapshot(ws, image.id) == expected
    with pytest.raises(ConflictError, match="nothing to undo"):
        annotations.undo_image(ws, image.id)
    for expected in states[1:]:
        annotations.redo_image(ws, image.id)
        assert _snapshot(ws, image.id) == expected
    with pytest.raises(ConflictError, match="nothing to redo"):
        annotations.redo_image(ws, image.id)
    history = annotations.annotation_history(ws, a)  # undo and redo are revisions too: history is never rewritten
    assert [r.action for r in history][5:] == ["undo"] * 5 + ["redo"] * 5


def test_undoing_a_delete_brings_back_the_same_annotation_with_every_field(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    new = NewAnnotation(cat.id, _square(5, 5, 8), source="assist:sam", confidence=0.75, attributes={"note": "tail"})
    made = annotations.create_annotation(ws, image.id, new, author="ana")
    before = _snapshot(ws, image.id)
    annotations.delete_annotation(ws, made.annotation.id, made.revision, author="ana")
    restored = annotations.undo_image(ws, image.id, author="ana")
    assert [s.annotation.id for s in restored.annotations] == [made.annotation.id]
    assert _snapshot(ws, image.id) == before
    assert restored.annotations[0].annotation.source == "assist:sam"
    assert annotations.redo_image(ws, image.id, author="ana").deleted == (made.annotation.id,)
    annotations.undo_image(ws, image.id, author="ana")
    # the restored annotation is edited like any other, under its id
    annotations.update_annotation(ws, made.annotation.id, 5, category_id=cat.id, author="ana")


def test_two_people_undo_only_their_own_edits(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4)), author="ana")
    b = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(30, 30, 4)), author="bo")
    annotations.update_annotation(ws, a.annotation.id, 1, segmentation=_square(0, 0, 6), author="ana")
    # bo's undo takes back bo's creation, though ana edited last
    assert annotations.undo_image(ws, image.id, author="bo").deleted == (b.annotation.id,)
    assert annotations.get_annotation(ws, a.annotation.id).annotation.area == 36
    with pytest.raises(ConflictError, match="nothing to undo"):
        annotations.undo_image(ws, image.id, author="bo")
    assert annotations.undo_image(ws, image.id, author="ana").annotations[0].annotation.area == 16
    assert annotations.redo_image(ws, image.id, author="bo").annotations[0].annotation.id == b.annotation.id
    with pytest.raises(ConflictError, match="nothing to redo"):  # ana's redo stack is ana's
        annotations.redo_image(ws, image.id, author="bo")
    assert annotations.redo_image(ws, image.id, author="ana").annotations[0].annotation.area == 36


def test_undo_never_overwrites_someone_elses_later_change(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4)), author="ana")
    annotations.update_annotation(ws, a.annotation.id, 1, segmentation=_square(0, 0, 5), author="ana")
    theirs = annotations.update_annotation(ws, a.annotation.id, 2, segmentation=_square(0, 0, 9), author="bo")
    with pytest.raises(ConflictError, match="changed by someone else") as raised:
        annotations.undo_image(ws, image.id, author="ana")
    assert raised.value.details["current_revision"] == theirs.revision
    assert annotations.get_annotation(ws, a.annotation.id).annotation.area == 81  # bo's change stands
    # once bo undoes theirs, ana's undo goes through
    annotations.undo_image(ws, image.id, author="bo")
    assert annotations.undo_image(ws, image.id, author="ana").annotations[0].annotation.area == 16


def test_a_new_edit_after_undo_drops_the_redo_stack(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4))).annotation.id
    annotations.update_annotation(ws, a, 1, segmentation=_square(0, 0, 5))
    undone = annotations.undo_image(ws, image.id).annotations[0]
    annotations.update_annotation(ws, a, undone.revision, segmentation=_square(0, 0, 7))
    with pytest.raises(ConflictError, match="nothing to redo"):
        annotations.redo_image(ws, image.id)
    assert annotations.undo_image(ws, image.id).annotations[0].annotation.area == 16  # not 25
    assert annotations.undo_image(ws, image.id).deleted == (a,)


def test_several_annotations_made_together_undo_as_one_step(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    before = _snapshot(ws, image.id)
    made = annotations.create_annotations(
        ws, image.id, [NewAnnotation(cat.id, _square(x, x, 4)) for x in (0, 10, 20)], author="ana"
    )
    after = _snapshot(ws, image.id)
    undone = annotations.undo_image(ws, image.id, author="ana")
    assert (undone.label, sorted(undone.deleted)) == ("create 3 annotations", [m.annotation.id for m in made])
    assert _snapshot(ws, image.id) == before
    annotations.redo_image(ws, image.id, author="ana")
    assert _snapshot(ws, image.id) == after


def test_several_annotations_are_made_all_or_none(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    before = _snapshot(ws, image.id)
    with pytest.raises(InvalidInputError):
        annotations.create_annotations(
            ws, image.id, [NewAnnotation(cat.id, _square(0, 0, 4)), NewAnnotation(-1, _square(0, 0, 4))]
        )
    assert _snapshot(ws, image.id) == before


def test_image_status_follows_annotations(ws, project):
    image = images.list_images(ws, project, ImageFilter(split="test"))[0][0]
    crowd = annotations.list_annotations(ws, image.id)[0]
    assert images.get_image(ws, image.id).status is ImageStatus.ANNOTATED
    annotations.delete_annotation(ws, crowd.annotation.id, crowd.revision)
    assert images.get_image(ws, image.id).status is ImageStatus.UNANNOTATED
    images.update_image(ws, image.id, status=ImageStatus.NULL)
    assert images.get_image(ws, image.id).status is ImageStatus.NULL
    annotations.undo_annotation(ws, crowd.annotation.id)
    # an annotation back on a null image makes it annotated: a null image holds no objects, versions never see both
    assert images.get_image(ws, image.id).status is ImageStatus.ANNOTATED


def test_shapes_are_validated_against_the_image(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    clipped = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(-10, -10, 20)))
    assert clipped.annotation.bbox_xyxy.tolist() == [0, 0, 10, 10]
    with pytest.raises(InvalidInputError, match="no area left inside the image"):
        annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(500, 500, 5)))
    import numpy as np

    with pytest.raises(InvalidInputError, match="RLE is 3x3"):
        annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, Rle.from_mask(np.ones((3, 3), dtype=bool))))


def test_undo_skips_edits_whose_annotations_are_gone_for_good(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat, dog = projects.get_project(ws, project).categories[:2]
    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4))).annotation.id
    b = annotations.create_annotation(ws, image.id, NewAnnotation(dog.id, _square(9, 9, 4)))
    annotations.delete_annotation(ws, b.annotation.id, b.revision)
    projects.delete_category(ws, dog.id, delete_annotations=True)  # b, deleted, goes with its class for good
    assert annotations.undo_image(ws, image.id).deleted == (a,)  # b's creation and deletion are skipped
    with pytest.raises(ConflictError, match="nothing to undo"):
        annotations.undo_image(ws, image.id)
