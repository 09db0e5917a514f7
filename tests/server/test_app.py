"""The app in-process (no sockets), plus one test against a real ``seglab serve`` on loopback."""

from __future__ import annotations

import os
import shutil

import httpx
import pytest
from fastapi.testclient import TestClient

from seglab import __version__
from seglab.server import create_app
from seglab.settings import Settings


@pytest.mark.new_home
def test_healthz_reports_ok_and_creates_home(client, seglab_home):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "home": str(seglab_home.resolve()),
        "workers": {"expected": 0, "alive": 0, "restarts": 0, "processes": [], "elsewhere": []},
    }
    assert seglab_home.is_dir()


def test_healthz_fails_when_home_is_unusable(client, seglab_home):
    shutil.rmtree(seglab_home)
    seglab_home.write_text("a file where the home folder should be")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert "not writable" in response.json()["message"]


def test_info_has_roboflow_fields_and_a_stable_uuid(client, seglab_home):
    first = client.get("/info").json()
    assert first["name"] == "seglab"
    assert first["version"] == __version__
    # the home's SQLite file, or the test's PostgreSQL database (a URL without a password: shown as it is)
    assert first["database_url"] == os.environ.get(
        "SEGLAB_DATABASE_URL", f"sqlite:///{seglab_home.resolve() / 'seglab.db'}"
    )
    assert first["packages"]["pycocotools"]
    again = TestClient(create_app(Settings())).get("/info").json()
    assert again["uuid"] == first["uuid"]


def test_settings_come_from_environment(monkeypatch, seglab_home):
    url = f"sqlite:///{seglab_home.parent / 'elsewhere.db'}"
    monkeypatch.setenv("SEGLAB_DATABASE_URL", url)
    info = TestClient(create_app(Settings())).get("/info").json()
    assert info["database_url"] == url
    assert (seglab_home.parent / "elsewhere.db").exists()


def test_openapi_documents_the_routes(client):
    schema = client.get("/openapi.json").json()
    assert {"/healthz", "/info"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 200


@pytest.mark.slow
def test_seglab_serve_answers_on_loopback(shared_server):
    response = httpx.get(f"{shared_server}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"
    assert httpx.get(f"{shared_server}/info").json()["version"] == __version__
