"""In Chromium, under the app's Content-Security-Policy (a violation is a console error, which fails the ``page``
fixture): a dataset imported from an uploaded archive through the project page's dialog, and the audit log page."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

from seglab.formats import save_dataset

from ..formats.conftest import build_dataset

pytestmark = pytest.mark.slow


def _zipped_coco(tmp_path) -> bytes:
    folder = tmp_path / "coco"
    save_dataset(build_dataset(tmp_path / "src"), folder, format="coco")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, f"pets/{file.relative_to(folder)}")
    return buffer.getvalue()


def test_import_an_archive_then_read_the_audit_log(page, working_server, tmp_path):
    from playwright.sync_api import expect

    live_server = working_server  # the import runs as a background job
    httpx.post(f"{live_server}/api/v1/projects", json={"name": "zoo", "categories": []}).raise_for_status()
    answer = page.goto(f"{live_server}/projects/zoo")
    assert answer is not None
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"

    page.get_by_role("button", name="Import dataset").click()
    dialog = page.get_by_role("dialog", name="Import a dataset into zoo")
    dialog.get_by_label("dataset archive").set_input_files(
        files=[{"name": "pets.zip", "mimeType": "application/zip", "buffer": _zipped_coco(tmp_path)}]
    )
    dialog.get_by_role("button", name="Import", exact=True).click()
    expect(dialog.get_by_test_id("import-report")).to_contain_text(
        "coco: added 3 images and 5 annotations", timeout=60_000
    )
    expect(dialog.get_by_test_id("import-report")).to_contain_text("new classes: cat, dog, bird")
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_test_id("image-count")).to_have_text("3 images")

    httpx.get(f"{live_server}/api/v1/projects/zoo/export.zip").raise_for_status()
    page.get_by_role("link", name="Audit").click()
    table = page.get_by_test_id("audit-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("dataset.download")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("dataset.import")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("pets.zip")
    page.get_by_label("action").fill("dataset.import")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_contain_text("local")
