import threading

import pytest

from seglab.core import ImageStatus
from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.geometry import MultiPolygon, Rle
from seglab.services import annotations, images, projects
from seglab.store import ImageFilter, NewAnnotation


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


def test_image_undo_follows_the_order_of_changes(ws, project):
    image = images.list_images(ws, project)[0][0]
    cat = projects.get_project(ws, project).categories[0]
    a = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(0, 0, 4))).annotation.id
    b = annotations.create_annotation(ws, image.id, NewAnnotation(cat.id, _square(30, 30, 4))).annotation.id
    annotations.update_annotation(ws, a, 1, segmentation=_square(0, 0, 6))
    assert annotations.undo_image(ws, image.id).annotation.id == a  # the edit of a
    assert annotations.undo_image(ws, image.id).annotation.id == b  # then the creation of b
    with pytest.raises(NotFoundError):
        annotations.get_annotation(ws, b)
    assert annotations.get_annotation(ws, a).annotation.area == 16


def test_image_status_follows_annotations(ws, project):
    image = images.list_images(ws, project, ImageFilter(split="test"))[0][0]
    crowd = annotations.list_annotations(ws, image.id)[0]
    assert images.get_image(ws, image.id).status is ImageStatus.ANNOTATED
    annotations.delete_annotation(ws, crowd.annotation.id, crowd.revision)
    assert images.get_image(ws, image.id).status is ImageStatus.UNANNOTATED
    images.update_image(ws, image.id, status=ImageStatus.NULL)
    annotations.undo_annotation(ws, crowd.annotation.id)
    assert images.get_image(ws, image.id).status is ImageStatus.NULL  # the user's call is kept


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
