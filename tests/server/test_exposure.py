"""A server that is safe to expose (issue 18, items 7-8): server paths only for admins under configured roots,
datasets arriving as uploaded archives, stored bytes served as the image they are, security headers, and no
password in ``/info``. Each test failed on the code before: path imports read anything, ``x.html`` came back as
``text/html``, and no response carried ``nosniff`` or a Content-Security-Policy."""

from __future__ import annotations

import io
import json
import logging
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seglab.cli import app as cli
from seglab.formats import save_dataset
from seglab.redact import RedactingFilter, redact
from seglab.services import accounts

from ..formats.conftest import build_dataset, write_image
from ..signing import signed_in


@pytest.fixture
def dataset(tmp_path) -> Path:
    """A COCO dataset (3 images, 5 annotations) in its own folder."""
    folder = tmp_path / "roots" / "coco"
    save_dataset(build_dataset(tmp_path / "src"), folder, format="coco")
    return folder


def _project(client, name: str = "zoo") -> None:
    assert client.post("/api/v1/projects", json={"name": name}).status_code == 201


def _image_count(client, name: str = "zoo") -> int:
    return int(client.get(f"/api/v1/projects/{name}/images").json()["total"])


def _roots(client, imports: list[Path], exports: list[Path]) -> None:
    settings = client.app.state.workspace.settings
    settings.import_roots, settings.export_roots = imports, exports


def test_path_import_and_export_are_refused_without_roots(client, dataset, tmp_path):
    _project(client)
    refused = client.post("/api/v1/projects/zoo/import", json={"path": str(dataset)})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert "SEGLAB_IMPORT_ROOTS" in refused.json()["error"]["message"]
    assert _image_count(client) == 0
    out = tmp_path / "out"
    exported = client.post("/api/v1/projects/zoo/export", json={"path": str(out), "format": "coco"})
    assert exported.status_code == 403
    assert "SEGLAB_EXPORT_ROOTS" in exported.json()["error"]["message"]
    assert not out.exists()


def test_paths_outside_the_roots_are_refused_and_inside_allowed(client, dataset, tmp_path):
    _project(client)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _roots(client, [elsewhere], [elsewhere])
    outside = client.post("/api/v1/projects/zoo/import", json={"path": str(dataset)})
    assert outside.status_code == 403
    assert str(dataset) in outside.json()["error"]["message"]
    climbing = client.post("/api/v1/projects/zoo/import", json={"path": f"{elsewhere}/../roots/coco"})
    assert climbing.status_code == 403
    (elsewhere / "link").symlink_to(dataset)  # a link inside a root leading out of it
    assert client.post("/api/v1/projects/zoo/import", json={"path": str(elsewhere / "link")}).status_code == 403
    assert _image_count(client) == 0
    written = tmp_path / "written"
    exported = client.post("/api/v1/projects/zoo/export", json={"path": str(written), "format": "coco"})
    assert exported.status_code == 403
    assert not written.exists()

    _roots(client, [dataset.parent], [elsewhere])
    report = client.post("/api/v1/projects/zoo/import", json={"path": str(dataset)}).json()
    assert report["images_added"] == 3
    exported = client.post("/api/v1/projects/zoo/export", json={"path": str(elsewhere / "out"), "format": "yolo"})
    assert exported.status_code == 200
    assert (elsewhere / "out" / "data.yaml").is_file()


def test_server_paths_are_for_admins_only(client, dataset, tmp_path):
    _project(client)
    _roots(client, [tmp_path], [tmp_path])
    # an admin of the project (the roles table lets them import and export) who is no workspace admin
    accounts.create_user(client.app.state.workspace, "ann", None, roles={"zoo": "admin"})
    signed_in(client, "ann")
    for route, body in [
        ("/api/v1/projects/zoo/import", {"path": str(dataset)}),
        ("/api/v1/projects/zoo/export", {"path": str(tmp_path / "out"), "format": "coco"}),
    ]:
        answer = client.post(route, json=body)
        assert answer.status_code == 403, route
        assert "for admins" in answer.json()["error"]["message"]
    assert _image_count(client) == 0
    assert not (tmp_path / "out").exists()


def _zip_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zipped.write(file, f"coco/{file.relative_to(folder)}")
    return buffer.getvalue()


def _tarball_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tarred:
        tarred.add(folder, arcname="coco")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "pack"), [("pets.zip", _zip_of), ("pets.tar.gz", _tarball_of)])
def test_an_uploaded_archive_is_imported_end_to_end(client, dataset, name, pack):
    _project(client)
    answer = client.post("/api/v1/projects/zoo/import/archive", files={"file": (name, pack(dataset))})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["format"], report["images_added"], report["annotations_added"]) == ("coco", 3, 5)
    assert sorted(report["categories_created"]) == ["bird", "cat", "dog"]
    assert _image_count(client) == 3
    again = client.post("/api/v1/projects/zoo/import/archive", files={"file": (name, pack(dataset))}).json()
    assert (again["images_added"], again["duplicates"]) == (0, 3)


def test_an_uploaded_archive_reaching_out_is_refused(client, tmp_path):
    _project(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("../../escaped.json", "{}")
    answer = client.post("/api/v1/projects/zoo/import/archive", files={"file": ("evil.zip", buffer.getvalue())})
    assert answer.status_code == 400
    assert "path escapes the target folder" in answer.json()["error"]["message"]
    not_archive = client.post("/api/v1/projects/zoo/import/archive", files={"file": ("x.json", b"{}")})
    assert not_archive.status_code == 400
    assert "not a .zip" in not_archive.json()["error"]["message"]


POLYGLOT_TAIL = b"<html><body><script>alert(document.cookie)</script></body></html>"


def test_an_upload_named_html_is_never_served_as_html(client, tmp_path):
    _project(client)
    page = client.post("/api/v1/projects/zoo/images", files=[("files", ("x.html", POLYGLOT_TAIL, "text/html"))])
    assert page.json()["added"] == []  # HTML is not an image: refused
    assert _image_count(client) == 0
    # a real PNG with a page after its end, named as a page: stored, but served as the PNG it is
    png = write_image(tmp_path / "a.png").read_bytes() + POLYGLOT_TAIL
    added = client.post("/api/v1/projects/zoo/images", files=[("files", ("x.html", png, "text/html"))]).json()
    (image,) = added["added"]
    served = client.get(f"/api/v1/images/{image['id']}/file")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == 'inline; filename="x.png"'
    assert served.content == png
    thumbnail = client.get(f"/api/v1/images/{image['id']}/thumbnail")
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.headers["x-content-type-options"] == "nosniff"


def test_pages_carry_a_content_security_policy_and_every_answer_the_browser_headers(client):
    page = client.get("/")
    if page.status_code == 200:  # the web app is built into this checkout
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
    answer = client.get("/api/v1/projects")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "content-security-policy" not in client.get("/docs").headers  # FastAPI's page loads a CDN's scripts


def test_the_app_is_cross_origin_isolated_but_not_fastapis_pages(client):
    """COOP + COEP (credentialless): the in-browser decoder's WASM threads need them (tests/web checks Chromium)."""
    for path in ("/", "/api/v1/projects"):
        headers = client.get(path).headers
        assert headers["cross-origin-opener-policy"] == "same-origin", path
        assert headers["cross-origin-embedder-policy"] == "credentialless", path
    assert "cross-origin-embedder-policy" not in client.get("/docs").headers  # its CDN scripts send no CORP


def test_downloads_carry_content_disposition(client):
    _project(client)
    download = client.get("/api/v1/projects/zoo/export.zip")
    assert download.headers["content-disposition"].startswith('attachment; filename="zoo-coco.zip"')
    assert download.headers["x-content-type-options"] == "nosniff"


SECRET_URL = "postgresql://u:secret@h/db"


def test_logged_tracebacks_are_redacted():
    try:
        raise ConnectionError(f"could not connect to {SECRET_URL}")
    except ConnectionError:
        record = logging.LogRecord(
            "seglab.server", logging.ERROR, __file__, 1, "failed: %s", (SECRET_URL,), sys.exc_info()
        )
    RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "secret" not in text
    assert "postgresql://u:***@h/db" in text
    assert "ConnectionError" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),  # an unescaped @ in the password
        ("postgresql://u:a/b@h:5432/db", "postgresql://u:***@h:5432/db"),  # a slash in it
        ("url=mysql://u:s3cret@h, next", "url=mysql://u:***@h, next"),
        ("http://host:8080/a", "http://host:8080/a"),  # a port is no password
    ],
)
def test_passwords_with_at_signs_and_slashes_are_redacted(text, expected):
    assert redact(text) == expected


def test_info_over_http_shows_no_database_password(seglab_home, monkeypatch):
    from fastapi.testclient import TestClient

    from seglab.server import create_app
    from seglab.settings import Settings

    settings = Settings()
    application = create_app(settings)  # on SQLite; /info reports the URL the settings hold
    try:
        settings.database_url = SECRET_URL
        answer = TestClient(application).get("/info")
        assert answer.status_code == 200
        assert "secret" not in answer.text
        assert answer.json()["database_url"] == "postgresql://u:***@h/db"
    finally:
        application.state.workspace.close()


def test_seglab_info_shows_no_database_password(seglab_home, monkeypatch):
    monkeypatch.setenv("SEGLAB_DATABASE_URL", SECRET_URL)
    runner = CliRunner()
    table = runner.invoke(cli, ["info"])
    assert table.exit_code == 0, table.output
    assert "secret" not in table.output
    assert "u:***@h/db" in table.output
    as_json = runner.invoke(cli, ["info", "--json"])
    assert "secret" not in as_json.output
    assert json.loads(as_json.output)["database_url"] == "postgresql://u:***@h/db"


def test_an_archive_whose_coco_reaches_out_reports_the_member(client):
    _project(client)
    document = {
        "images": [{"id": 1, "file_name": "../../etc/passwd", "width": 8, "height": 8}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("coco/_annotations.coco.json", json.dumps(document))
    answer = client.post("/api/v1/projects/zoo/import/archive", files={"file": ("evil.zip", buffer.getvalue())})
    assert answer.status_code == 200, answer.text
    (problem,) = [p for p in answer.json()["problems"] if "outside" in p["message"]]
    assert problem["file"] == "evil.zip/coco/_annotations.coco.json"  # the member, not a temporary folder
    assert problem["location"] == "image 1"
    assert _image_count(client) == 0


def test_a_path_import_never_follows_a_link_out_of_the_dataset(client, tmp_path):
    _project(client)
    secret = write_image(tmp_path / "private" / "secret.png")
    folder = tmp_path / "roots" / "linked"
    folder.mkdir(parents=True)
    document = {"images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48}], "categories": []}
    (folder / "_annotations.coco.json").write_text(json.dumps({**document, "annotations": []}))
    (folder / "a.png").symlink_to(secret)
    _roots(client, [tmp_path / "roots"], [])
    report = client.post("/api/v1/projects/zoo/import", json={"path": str(folder)}).json()
    assert report["images_added"] == 0
    (problem,) = [p for p in report["problems"] if p["severity"] == "error"]
    assert problem["file"] == str(folder / "a.png")
    assert "symbolic link leading outside" in problem["message"]
    assert _image_count(client) == 0
