"""The README's Python examples run as written: the model ones against the model trained for these tests, the
project one on the small test dataset (training for one epoch at a tiny size instead of twenty, from scratch since
no pretrained weights can be downloaded here)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import cv2
import pytest
import supervision as sv

import seglab
from seglab.geometry import MultiPolygon

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_examples() -> list[str]:
    section = README.read_text().split("## Python API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 4, "the README's Python API section changed: update this test with it"
    return blocks


def _run(source: str) -> dict:
    names: dict = {}
    exec(compile(source, str(README), "exec"), names)  # our own README example
    return names


@pytest.mark.xdist_group("deploy")
@pytest.mark.slow
def test_the_model_example_runs(deployed, tmp_path, monkeypatch):
    source = _python_examples()[0]
    assert "squares/1" in source
    cv2.imwrite(str(tmp_path / "street.jpg"), cv2.imread(str(deployed.images[0])))
    monkeypatch.chdir(tmp_path)
    names = _run(source.replace("squares/1", deployed.reference))
    assert isinstance(names["model"], seglab.Model)
    assert names["model"].id == deployed.model_id
    assert isinstance(names["detections"], sv.Detections)
    assert len(names["detections"]) == len(names["shapes"]) == len(names["result"])
    assert all(shape is None or isinstance(shape, MultiPolygon) for shape in names["shapes"])


@pytest.mark.xdist_group("deploy")
@pytest.mark.slow
def test_the_workflow_example_runs(deployed, tmp_path, monkeypatch):
    source = _python_examples()[3]
    cv2.imwrite(str(tmp_path / "street.jpg"), cv2.imread(str(deployed.images[0])))
    monkeypatch.chdir(tmp_path)
    names = _run(source.replace("squares/1", deployed.reference))
    assert names["run"].to_json()[0]["count"] == names["run"].outputs[0]["count"]


def test_the_geometry_example_runs():
    names = _run(_python_examples()[2])
    assert names["dataset"].masks(1).shape == (1, 480, 640)


@pytest.mark.slow
@pytest.mark.training
def test_the_project_example_runs(coco_export, tmp_path, monkeypatch):
    source = _python_examples()[1]
    assert "epochs=20" in source
    shutil.copytree(coco_export, tmp_path / "pets-coco")
    (tmp_path / "more-photos").mkdir()
    first_image = next(path for path in sorted((coco_export / "train").iterdir()) if path.suffix == ".png")
    cv2.imwrite(str(tmp_path / "more-photos" / "cat.jpg"), cv2.imread(str(first_image)))
    monkeypatch.chdir(tmp_path)
    names = _run(source.replace("epochs=20", "epochs=1, batch_size=2, resolution=96, from_scratch=True, seed=0"))
    project = names["project"]
    assert names["report"].images_added > 0
    assert isinstance(names["model"], seglab.Model)
    with seglab.Project("pets") as reopened:
        assert [v.number for v in reopened.versions] == [names["version"].number]
        assert [m.id for m in reopened.models] == [names["model"].id]
        assert {"cat", "dog"} <= set(reopened.classes)
    assert len(names["found"]) == len(names["found"].polygons())
    assert repr(project) == "<seglab.Project 'pets'>"
