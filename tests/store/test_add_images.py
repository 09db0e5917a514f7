"""An import's batch of images added in a few statements keeps the rules of adding one: the same bytes twice, in
the project or in the batch, are one image."""

from __future__ import annotations

from seglab.core import Split
from seglab.store import images, projects
from seglab.store.images import NewImage


def _new(digest: str, name: str, *tags: str) -> NewImage:
    return NewImage(sha256=digest * 64, file_name=name, width=8, height=6, split=Split.VALID, tags=tags)


def test_a_batch_is_added_at_once_and_repeated_bytes_are_one_image(ws):
    with ws.db.transaction() as session:
        project = projects.create_project(session, "batch")
        before, _ = images.add_image(session, project.id, sha256="a" * 64, file_name="old.png", width=8, height=6)
        added = images.add_images(
            session,
            project.id,
            [_new("b", "b.png", " x", "y", "x"), _new("a", "again.png"), _new("c", "c.png"), _new("b", "b2.png")],
        )
    assert [created for _, created in added] == [True, False, True, False]
    first, known, third, repeated = (record for record, _ in added)
    assert known == before
    assert repeated == first
    assert (first.file_name, first.split, first.tags, first.width) == ("b.png", Split.VALID, ("x", "y"), 8)
    with ws.db.transaction() as session:
        listed = images.all_images(session, project.id)
        assert {record.file_name for record in listed} == {"old.png", "b.png", "c.png"}
        assert images.get_image(session, first.id) == first
        assert images.get_image(session, third.id).tags == ()
