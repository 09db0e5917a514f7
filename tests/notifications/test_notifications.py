"""A finished job is announced: a real HTTP server on loopback receives the webhook of a finished training job (the
FAKE training backend, tests/plugins/fake_training.py: the plumbing is the subject, not the training) and a real
SMTP server (aiosmtpd, on loopback) the email, with the metrics and a link to the model."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from seglab.jobs import TrainJob
from seglab.server import create_app
from seglab.services import training, transfer, versions
from seglab.services.jobs import run_job
from seglab.store import Workspace
from seglab.versions import Recipe

from ..serve_process import free_port

SECRET = "shared-with-the-receiver"


class _Receiver(BaseHTTPRequestHandler):
    received: queue.Queue[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        signed = self.headers.get("X-Seglab-Signature-256")
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.received.put({**json.loads(body), "signature_valid": signed == expected})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, queue.Queue[dict[str, Any]]]]:
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/seglab", received
    server.shutdown()
    server.server_close()


class _Inbox:
    def __init__(self) -> None:
        self.messages: queue.Queue[bytes] = queue.Queue()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802 (aiosmtpd calls it so)
        self.messages.put(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SEGLAB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SEGLAB_SMTP_PORT", str(port))
    monkeypatch.setenv("SEGLAB_PUBLIC_URL", "https://seglab.example.org")
    yield inbox
    controller.stop()


def test_a_finished_training_job_is_posted_to_the_webhook_and_emailed(
    seglab_home: Path, coco_export: Path, fake_training: str, webhook: Any, smtp: _Inbox
) -> None:
    url, received = webhook
    with TestClient(create_app()) as client:  # its settings read after the SMTP ones are in the environment
        ws = client.app.state.workspace
        transfer.import_dataset(ws, coco_export, "pets", create_project=True)
        body = {"webhook_url": url, "emails": ["team@example.org"], "signing_secret": SECRET}
        answer = client.put("/api/v1/projects/pets/notifications", json=body)
        assert answer.status_code == 200, answer.text
        shown = client.get("/api/v1/projects/pets/notifications").json()
        assert shown == {"webhook_url": url, "emails": ["team@example.org"], "signed": True}  # the secret stays hidden
        refused = client.put("/api/v1/projects/pets/notifications", json={"webhook_url": "file:///etc/passwd"})
        assert refused.status_code == 400  # invalid_input, naming the field

        version = run_job(ws, versions.submit_version(ws, "pets", Recipe()).id)
        assert version.status.value == "succeeded"
        assert received.get(timeout=10)["kind"] == "version.create"  # sent before run_job returned
        smtp.messages.get(timeout=10)

        job = training.submit_training(ws, TrainJob(version="pets/1", model=fake_training, settings={"epochs": 2}))
        finished = run_job(ws, job.id)
    assert finished.status.value == "succeeded", finished.error
    notice = received.get(timeout=10)
    model_id = finished.result["model_id"]
    assert notice["event"] == "job.finished"
    assert notice["signature_valid"]  # an HMAC-SHA256 of the body with the project's secret
    assert (notice["kind"], notice["status"], notice["project"]) == ("model.train", "succeeded", "pets")
    assert notice["metrics"]["model_id"] == model_id
    assert "epoch" in notice["metrics"]  # the final epoch's metrics
    assert notice["link"] == f"https://seglab.example.org/projects/pets/train?model={model_id}"

    email = message_from_bytes(smtp.messages.get(timeout=10))
    assert email["To"] == "team@example.org"
    assert email["Subject"] == f"seglab: training job {job.id} in pets succeeded"
    text = email.get_payload(decode=True).decode()
    assert f"/projects/pets/train?model={model_id}" in text


def test_an_unreachable_webhook_never_fails_the_job(ws: Workspace, project: str) -> None:
    from seglab.services import notifications

    notifications.set_notification_targets(ws, project, webhook_url=f"http://127.0.0.1:{free_port()}/gone", emails=[])
    job = run_job(ws, versions.submit_version(ws, project, Recipe()).id)
    assert job.status.value == "succeeded"
