"""The Download dialog in Chromium: pick a format, see what the archive holds, download the version's zip."""

from __future__ import annotations

import zipfile

import pytest

from seglab.formats import load_dataset
from seglab.services import versions
from seglab.versions import Recipe

pytestmark = pytest.mark.slow


def test_download_a_version_zip_from_the_versions_page(page, live_server, ws, project, tmp_path):
    from playwright.sync_api import expect

    versions.create_version(ws, project, Recipe(seed=1))
    page.goto(f"{live_server}/projects/{project}/versions")
    page.get_by_test_id("versions").get_by_role("button", name="Download").click()
    dialog = page.get_by_role("dialog", name="Download version 1")
    expect(dialog.get_by_test_id("download-contents")).to_contain_text("3 images")
    expect(dialog.get_by_test_id("download-contents")).to_contain_text("5 annotations")
    expect(dialog.get_by_test_id("download-contents")).to_contain_text("3 classes: cat, dog, bird")
    dialog.get_by_label("download format").select_option("yolo")
    expect(dialog).to_contain_text("data.yaml")

    with page.expect_download() as started:
        dialog.get_by_role("link", name="Download zip").click()
    download = started.value
    assert download.suggested_filename == "pets-v1-yolo.zip"
    with zipfile.ZipFile(download.path()) as archive:
        names = archive.namelist()
        assert "data.yaml" in names
        assert sum(n.endswith(".png") for n in names) == 3
        archive.extractall(tmp_path / "unzipped")
    loaded = load_dataset(tmp_path / "unzipped")
    assert (loaded.format, len(loaded.dataset), len(loaded.dataset.annotations)) == ("yolo", 3, 5)
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_the_project_page_offers_the_project_as_a_zip(page, live_server, project):
    from playwright.sync_api import expect

    page.goto(f"{live_server}/projects/{project}")
    page.get_by_role("button", name="Download").click()
    dialog = page.get_by_role("dialog", name=f"Download {project}")
    expect(dialog.get_by_test_id("download-contents")).to_contain_text("5 annotations")
    dialog.get_by_label("download format").select_option("cvat")
    with page.expect_download() as started:
        dialog.get_by_role("link", name="Download zip").click()
    with zipfile.ZipFile(started.value.path()) as archive:
        assert "annotations.xml" in archive.namelist()
