"""Zip downloads of versions and projects: streamed archives that read back as the same dataset."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile

import pytest
from typer.testing import CliRunner

from seglab.cli import app
from seglab.formats import load_dataset
from seglab.services import versions
from seglab.versions import Recipe

from ..formats.conftest import write_image


def _archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def _read_back(archive: zipfile.ZipFile, tmp_path):
    archive.extractall(tmp_path / "unzipped")
    return load_dataset(tmp_path / "unzipped")


@pytest.fixture
def version_id(ws, project) -> int:
    return versions.create_version(ws, project, Recipe(seed=1)).id


def test_version_zip_holds_the_version_in_coco_with_images_stored(client, version_id, tmp_path, monkeypatch):
    staging = tmp_path / "tmp"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    response = client.get(f"/api/v1/versions/{version_id}/export.zip", params={"format": "coco"})
    assert list(staging.iterdir()) == []  # the staging folder (annotation files, image links) is gone
    assert 'filename="pets-v1-coco.zip"' in response.headers["content-disposition"]
    archive = _archive(response)
    names = archive.namelist()
    assert {n for n in names if n.endswith(".json")} == {
        f"{s}/_annotations.coco.json" for s in ("train", "valid", "test")
    }
    for info in archive.infolist():
        stored = info.filename.endswith(".png")
        assert info.compress_type == (zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), info.filename
    assert archive.testzip() is None
    loaded = _read_back(archive, tmp_path)
    assert loaded.problems == []
    assert (len(loaded.dataset), len(loaded.dataset.annotations)) == (3, 5)


@pytest.mark.parametrize("format_name", ["yolo", "cvat", "mask-png"])
def test_project_zip_in_other_formats(client, project, tmp_path, format_name):
    archive = _archive(client.get(f"/api/v1/projects/{project}/export.zip", params={"format": format_name}))
    loaded = _read_back(archive, tmp_path)
    assert loaded.format == format_name
    assert (len(loaded.dataset), len(loaded.dataset.annotations)) == (3, 5)


def test_errors_come_before_the_first_byte(client, project, version_id):
    missing = client.get("/api/v1/versions/9999/export.zip")
    assert missing.status_code == 404
    bad = client.get(f"/api/v1/projects/{project}/export.zip", params={"format": "voc"})
    assert bad.status_code == 400
    assert "cannot write format 'voc'" in bad.json()["error"]["message"]


def test_formats_are_listed_for_the_download_dialog(client):
    listed = {f["name"]: f["writable"] for f in client.get("/api/v1/formats").json()}
    assert {"coco", "yolo", "labelme", "cvat", "mask-png", "mask-png-semantic"} <= {n for n, w in listed.items() if w}


def test_cli_export_and_version_export_write_zip_files(project, version_id, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["export", project, str(tmp_path / "p.zip"), "--format", "labelme", "--zip", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["problems"] == []
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        assert len(_read_back(archive, tmp_path / "p").dataset.annotations) == 5
    result = runner.invoke(app, ["version", "export", "pets/1", str(tmp_path / "v.zip"), "--zip"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "v.zip") as archive:
        assert "train/_annotations.coco.json" in archive.namelist()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no staging file left


def test_server_side_import_takes_the_reader_options(client, tmp_path):
    write_image(tmp_path / "yolo/images/a.png")
    (tmp_path / "yolo/labels").mkdir(parents=True)
    (tmp_path / "yolo/labels/a.txt").write_text("0 0.1 0.1 0.5 0.1 0.5 0.5\n")
    client.post("/api/v1/projects", json={"name": "farm", "categories": []})
    client.app.state.workspace.settings.import_roots = [tmp_path]
    body = {"path": str(tmp_path / "yolo"), "names": ["hen"]}
    report = client.post("/api/v1/projects/farm/import", json=body).json()
    assert (report["format"], report["categories_created"], report["annotations_added"]) == ("yolo", ["hen"], 1)
