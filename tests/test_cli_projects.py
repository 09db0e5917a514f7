"""The project commands as a user runs them, on a real SQLite file under SEGLAB_HOME."""

import json

import pytest
from typer.testing import CliRunner

from seglab.cli import app

from .formats.conftest import build_dataset, write_image

runner = CliRunner()


def _run(*arguments, input=None):
    result = runner.invoke(app, list(arguments), input=input, env={"COLUMNS": "200"})
    return result


@pytest.mark.new_home
def test_project_lifecycle(seglab_home, tmp_path):
    from seglab.formats import save_dataset

    save_dataset(build_dataset(tmp_path / "src"), tmp_path / "coco", format="coco")
    assert _run("project", "create", "zoo", "--class", "cat").exit_code == 0
    imported = json.loads(_run("import", str(tmp_path / "coco"), "--project", "zoo", "--json").output)
    assert (imported["images_added"], imported["annotations_added"]) == (3, 5)
    assert imported["categories_created"] == ["dog", "bird"]
    listed = json.loads(_run("project", "list", "--json").output)
    assert [(p["name"], p["images"], p["annotations"]) for p in listed] == [("zoo", 3, 5)]
    stats = json.loads(_run("stats", "zoo", "--json").output)
    assert stats["images_per_split"] == {"test": 1, "train": 1, "valid": 1}
    human = _run("stats", "zoo").output
    assert "zoo: 3 images, 5 annotations" in human
    exported = _run("export", "zoo", str(tmp_path / "out"), "--format", "labelme")
    assert exported.exit_code == 0, exported.output
    assert len(list((tmp_path / "out").rglob("*.json"))) == 3
    assert (seglab_home / "seglab.db").is_file()
    refused = _run("project", "delete", "zoo", input="n\n")
    assert refused.exit_code == 1
    assert _run("project", "delete", "zoo", "--yes").exit_code == 0
    assert json.loads(_run("project", "list", "--json").output) == []


def test_upload_command(seglab_home, tmp_path):
    _run("project", "create", "pics")
    write_image(tmp_path / "a.png", seed=3)
    result = _run("upload", "pics", str(tmp_path / "a.png"), str(tmp_path / "a.png"), "--split", "valid", "--json")
    report = json.loads(result.output)
    assert (len(report["added"]), len(report["duplicates"])) == (1, 1)
    assert report["added"][0]["split"] == "valid"


def test_errors_are_one_line(seglab_home, tmp_path):
    for arguments, message in [
        (("stats", "ghost"), "project 'ghost' does not exist"),
        (("project", "create", "x", "--class", "a", "--class", "a"), "already exists"),
        (("import", str(tmp_path), "--project", "ghost"), "cannot tell the dataset format"),
        (("export", "ghost", str(tmp_path / "o")), "project 'ghost' does not exist"),
    ]:
        result = _run(*arguments)
        assert result.exit_code == 1, arguments
        assert message in result.output
        assert "Traceback" not in result.output
