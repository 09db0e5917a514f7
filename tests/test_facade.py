"""``seglab.Project`` without training (the README's whole example, training included, runs in
tests/deploy/test_readme_python.py): the same projects the services, the CLI and the server see."""

from __future__ import annotations

import cv2
import pytest

import seglab
from seglab.errors import InvalidInputError, NotFoundError
from seglab.services import images, projects


def test_a_project_through_the_facade_is_the_services_project(ws, coco_export, tmp_path):
    with seglab.Project.create("pets", classes=["cat"]) as project:
        report = project.import_dataset(coco_export)
        assert report.images_added == 3
        assert project.classes == ["cat", "dog", "bird"]  # the dataset's new classes join the project's
        photo = tmp_path / "photo.png"
        cv2.imwrite(str(photo), cv2.imread(str(next((coco_export / "train").glob("*.png"))))[:, ::-1])
        uploaded = project.upload(str(photo), split="valid", tags=["mirrored"])
        assert [(record.split, record.tags) for record in uploaded.added] == [("valid", ("mirrored",))]
        version = project.create_version(split="60,20,20", resize="32x32")
        assert [v.reference for v in project.versions] == ["pets/1"] == [version.reference]
        assert project.models == []
        with pytest.raises(TypeError, match="not both"):
            project.create_version(version.recipe, split="60,20,20")
    # the services (and so the CLI and the server) see what the facade made
    assert [p.name for p in projects.list_projects(ws)] == ["pets"]
    _, total = images.list_images(ws, "pets")
    assert total == 4


def test_opening_a_missing_project_or_training_without_a_version_says_why(ws):
    with pytest.raises(NotFoundError):
        seglab.Project("ghost")
    with seglab.Project.create("empty") as project, pytest.raises(InvalidInputError, match="no version yet"):
        project.train(epochs=1)
