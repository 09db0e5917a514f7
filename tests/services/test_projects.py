import pytest

from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.geometry import MultiPolygon
from seglab.services import annotations, images, projects, stats
from seglab.store import NewAnnotation


def test_create_list_get_delete(ws):
    created = projects.create_project(ws, "cars", ["sedan", "truck"])
    assert [c.name for c in created.categories] == ["sedan", "truck"]
    assert created.categories[0].color != created.categories[1].color
    assert projects.get_project(ws, "cars") == projects.get_project(ws, created.id)
    assert [p.name for p in projects.list_projects(ws)] == ["cars"]
    with pytest.raises(ConflictError, match="already exists"):
        projects.create_project(ws, "cars")
    with pytest.raises(InvalidInputError, match="must not be empty"):
        projects.create_project(ws, "  ")
    projects.delete_project(ws, "cars")
    with pytest.raises(NotFoundError, match="project 'cars' does not exist"):
        projects.get_project(ws, "cars")


def test_delete_project_removes_everything_it_owns(ws, project):
    projects.delete_project(ws, project)
    assert projects.list_projects(ws) == []
    with ws.db.engine.connect() as connection:
        from sqlalchemy import text

        for table in ("images", "annotations", "annotation_revisions", "categories", "image_tags"):
            assert connection.execute(text(f"select count(*) from {table}")).scalar() == 0, table


def test_rename_and_recolour(ws):
    project = projects.create_project(ws, "p", ["cat", "dog"])
    cat, _dog = project.categories
    renamed = projects.update_category(ws, cat.id, name="kitten", color="#123456")
    assert (renamed.name, renamed.color) == ("kitten", "#123456")
    with pytest.raises(ConflictError, match="'dog' already exists"):
        projects.update_category(ws, cat.id, name="dog")
    with pytest.raises(ValueError, match="colour"):
        projects.update_category(ws, cat.id, color="blue")
    with pytest.raises(ConflictError):
        projects.add_category(ws, "p", "dog")


def _category(ws, project, name):
    return next(c for c in projects.get_project(ws, project).categories if c.name == name)


def test_merge_moves_annotations_with_history(ws, project):
    cat, dog = _category(ws, project, "cat"), _category(ws, project, "dog")
    before = stats.project_stats(ws, project)
    merged = projects.merge_categories(ws, dog.id, cat.id, author="ana")
    assert merged.id == cat.id
    after = stats.project_stats(ws, project)
    assert [c.name for c in after.classes] == ["cat", "bird"]
    counts = {c.name: c.annotations for c in before.classes}
    assert after.classes[0].annotations == counts["cat"] + counts["dog"]
    moved = [a for a in annotations.list_annotations(ws, 0 + 1) if a.annotation.source == "merge"]
    assert all(a.revision == 2 and a.author == "ana" for a in moved)


def test_delete_category_rule(ws, project):
    dog, cat = _category(ws, project, "dog"), _category(ws, project, "cat")
    with pytest.raises(ConflictError, match="has 2 annotations: move them"):
        projects.delete_category(ws, dog.id)
    assert projects.delete_category(ws, dog.id, reassign_to=cat.id) == 2
    assert {c.name for c in projects.get_project(ws, project).categories} == {"cat", "bird"}
    bird = _category(ws, project, "bird")
    assert projects.delete_category(ws, bird.id, delete_annotations=True) == 1
    assert stats.project_stats(ws, project).annotations == 4
    empty = projects.add_category(ws, project, "unused")
    assert projects.delete_category(ws, empty.id) == 0


def test_category_of_another_project_is_refused(ws, project):
    other = projects.create_project(ws, "other", ["zebra"])
    image = images.list_images(ws, project)[0][0]
    shape = MultiPolygon.from_coco([[1, 1, 9, 1, 9, 9]])
    with pytest.raises(InvalidInputError, match="does not belong to the project"):
        annotations.create_annotation(ws, image.id, NewAnnotation(other.categories[0].id, shape))


def test_jobs_waiting_on_a_renamed_project_follow_its_new_name(ws):
    """A job queued before a rename names the project (or one of its versions) in its parameters; after the rename
    it names the new one, and finished jobs and other projects' references are left as they were."""
    from seglab.store import jobs as job_store

    projects.create_project(ws, "cars")
    with ws.db.transaction() as session:
        version = job_store.submit(session, "version.create", {"project": "cars", "recipe": {}})
        train = job_store.submit(session, "model.train", {"version": "cars/2", "model": "rfdetr-seg-nano"})
        other = job_store.submit(session, "model.label_assist", {"project": "carsharing", "model": "cars2/1"})
        done = job_store.submit(session, "version.create", {"project": "cars", "recipe": {}})
        job_store.finish(session, done.id, job_store.JobStatus.SUCCEEDED, result={})

    projects.rename_project(ws, "cars", "vehicles")

    with ws.db.transaction() as session:
        assert job_store.get_job(session, version.id).params == {"project": "vehicles", "recipe": {}}
        assert job_store.get_job(session, train.id).params == {"version": "vehicles/2", "model": "rfdetr-seg-nano"}
        assert job_store.get_job(session, other.id).params == {"project": "carsharing", "model": "cars2/1"}
        assert job_store.get_job(session, done.id).params == {"project": "cars", "recipe": {}}
