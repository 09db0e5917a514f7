"""The app in-process (no sockets), plus one test against a real ``seglab serve`` on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from seglab import __version__
from seglab.server import create_app
from seglab.settings import Settings


@pytest.fixture
def client(seglab_home: Path) -> TestClient:
    return TestClient(create_app(Settings()))


def test_healthz_reports_ok_and_creates_home(client, seglab_home):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "home": str(seglab_home.resolve())}
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
    assert first["database_url"] == f"sqlite:///{seglab_home.resolve() / 'seglab.db'}"
    assert first["packages"]["pycocotools"]
    again = TestClient(create_app(Settings())).get("/info").json()
    assert again["uuid"] == first["uuid"]


def test_settings_come_from_environment(monkeypatch, seglab_home):
    monkeypatch.setenv("SEGLAB_DATABASE_URL", "postgresql://db.example/seglab")
    info = TestClient(create_app(Settings())).get("/info").json()
    assert info["database_url"] == "postgresql://db.example/seglab"


def test_openapi_documents_the_routes(client):
    schema = client.get("/openapi.json").json()
    assert {"/healthz", "/info"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_seglab_serve_answers_on_loopback(seglab_home):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "seglab", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"seglab serve did not come up:\n{output}")
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert (seglab_home / "instance-id").exists() is False  # /healthz does not need an identity
        assert httpx.get(f"http://127.0.0.1:{port}/info").json()["version"] == __version__
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
