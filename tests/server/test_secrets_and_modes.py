"""Secrets stay out of logs and answers, and the data seglab creates is readable by its owner only (issue 19).

Before: uvicorn's access log showed ``api_key`` values, ``/info`` showed a database URL's password, and
``seglab.db`` and the blob store were created world-readable (0644 files, 0755 folders under the usual umask).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import httpx
import pytest

from seglab.redact import redact
from seglab.services import images, projects, system_info
from seglab.settings import Settings
from seglab.store import Workspace

from ..formats.conftest import write_image
from .conftest import running_server


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"GET /infer?api_key=abc123&x=1 HTTP/1.1"', '"GET /infer?api_key=***&x=1 HTTP/1.1"'),
        ("/pets/1?confidence=40&API_KEY=s3cr3t", "/pets/1?confidence=40&API_KEY=***"),
        ("postgresql://seglab:hunter2@db:5432/seglab", "postgresql://seglab:***@db:5432/seglab"),
        ("s3://bucket/prefix?token=t0k", "s3://bucket/prefix?token=***"),
        ("/monkey=3&keyboard=2", "/monkey=3&keyboard=2"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_info_never_shows_a_database_password(seglab_home):
    details = system_info(Settings(database_url="postgresql://seglab:hunter2@db/seglab"))
    assert details.database_url == "postgresql://seglab:***@db/seglab"


@pytest.mark.slow
def test_the_access_log_redacts_api_keys(seglab_home):
    log = seglab_home.parent / "serve.log"
    with running_server(log) as url:
        assert httpx.get(f"{url}/readiness", params={"api_key": "sk-live-0123456789"}).status_code == 200
    text = log.read_text()
    assert "/readiness?api_key=*** HTTP/1.1" in text
    assert "sk-live-0123456789" not in text


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.new_home
@pytest.mark.sqlite_only  # the home's database file (PostgreSQL keeps its own files)
def test_home_database_and_blobs_are_private(seglab_home, tmp_path, usual_umask):
    ws = Workspace()
    try:
        projects.create_project(ws, "private")
        (record,) = images.add_image_bytes(ws, "private", "a.png", write_image(tmp_path / "a.png").read_bytes()).added
        blob = ws.blobs.local_path(record.sha256)
        database = seglab_home / "seglab.db"
        assert _mode(seglab_home) == 0o700
        assert _mode(database) == 0o600
        assert _mode(database.with_name("seglab.db-wal")) == 0o600
        assert _mode(seglab_home / "blobs") == 0o700
        assert _mode(blob.parent) == 0o700
        assert _mode(blob) == 0o600
    finally:
        ws.close()
