"""Roboflow's sinks against real servers on loopback: an SMTP server (aiosmtpd) and an HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import numpy as np
import pytest
from aiosmtpd.controller import Controller

from seglab.workflows import Environment, StepExecutionError, run_workflow

from ..serve_process import free_port
from .bright_objects import BrightObjects, small_objects
from .test_roboflow_blocks import detector, workflow


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def email_step(port: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": "roboflow_core/email_notification@v2",
        "name": "email",
        "email_provider": "Custom SMTP",
        "subject": "Objects seen",
        "message": "Found {{ $parameters.count }} objects",
        "message_parameters": {"count": "$steps.det.predictions"},
        "message_parameters_operations": {"count": [{"type": "SequenceLength"}]},
        "receiver_email": ["ops@example.com"],
        "bcc_receiver_email": "audit@example.com",
        "sender_email": "seglab@example.com",
        "smtp_server": "127.0.0.1",
        "smtp_port": port,
        "attachments": {"report": "$steps.csv.csv_content", "picture": "$inputs.image"},
        "fire_and_forget": False,
        **fields,
    }


def _image() -> tuple[np.ndarray, int]:
    pixels, boxes = small_objects(200, 150, 12, 50)
    return pixels, len(boxes)


CSV = {
    "type": "roboflow_core/csv_formatter@v1",
    "name": "csv",
    "columns_data": {"n": "$steps.det.predictions"},
    "columns_operations": {"n": [{"type": "SequenceLength"}]},
}


def test_email_notification_sends_the_rendered_message_and_attachments_over_smtp(smtp):
    inbox, port = smtp
    pixels, count = _image()
    definition = workflow(detector(), CSV, email_step(port), outputs={"status": "$steps.email.*"})
    answer = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]["status"]
    assert answer == {"error_status": False, "throttling_status": False, "message": "Notification sent successfully"}
    recipients, email = inbox.messages[0]
    assert sorted(recipients) == ["audit@example.com", "ops@example.com"]
    assert email["Subject"] == "Objects seen"
    assert "Bcc" not in email
    parts = {part.get_filename(): part for part in email.iter_attachments()}
    assert set(parts) == {"report.csv", "picture.jpg"}
    assert parts["report.csv"].get_content().splitlines()[1].startswith(f"{count},")
    body = next(part for part in email.walk() if part.get_content_type() == "text/plain" and not part.get_filename())
    assert body.get_content().strip() == f"Found {count} objects"


def test_email_cooldown_throttles_and_fire_and_forget_answers_at_once(smtp):
    inbox, port = smtp
    pixels, _ = _image()
    step = email_step(port, fire_and_forget=True, cooldown_seconds=60, attachments={})
    definition = workflow(detector(), step, outputs={"status": "$steps.email.*"})
    first, second = run_workflow(
        definition, {"image": [pixels, pixels]}, Environment(models=BrightObjects(), max_workers=1)
    )
    statuses = sorted((first["status"]["message"], second["status"]["message"]))  # the images run in either order
    assert statuses == ["Sent in the background", "Sink cooldown applies"]
    assert inbox.arrived.wait(10)


def test_email_without_a_server_names_the_setting():
    pixels, _ = _image()
    step = email_step(25, smtp_server=None, attachments={})
    with pytest.raises(StepExecutionError, match="smtp_server is not set"):
        run_workflow(
            workflow(detector(), step, outputs={"s": "$steps.email.*"}),
            {"image": pixels},
            Environment(models=BrightObjects()),
        )
    managed = email_step(25, email_provider="Roboflow Managed API Key", attachments={})
    with pytest.raises(StepExecutionError, match="SEGLAB_SMTP_SERVER"):
        run_workflow(
            workflow(detector(), managed, outputs={"s": "$steps.email.*"}),
            {"image": pixels},
            Environment(models=BrightObjects()),
        )


def test_roboflows_managed_email_provider_is_the_configured_smtp_server(smtp, monkeypatch):
    inbox, port = smtp
    monkeypatch.setenv("SEGLAB_SMTP_SERVER", "127.0.0.1")
    monkeypatch.setenv("SEGLAB_SMTP_PORT", str(port))
    monkeypatch.setenv("SEGLAB_SMTP_SENDER", "alerts@example.com")
    step = email_step(0, attachments={})
    for key in ("email_provider", "smtp_server", "smtp_port", "sender_email"):
        del step[key]  # as Roboflow's definitions write it: the managed provider is v2's default
    pixels, _ = _image()
    definition = workflow(detector(), step, outputs={"s": "$steps.email.*"})
    run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))
    assert inbox.messages[0][1]["From"] == "alerts@example.com"


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((self.path, self.headers.get("X-Token", ""), json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


def test_webhook_posts_the_payload_through_its_operations():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pixels, count = _image()
        step = {
            "type": "roboflow_core/webhook_sink@v1",
            "name": "hook",
            "url": f"http://127.0.0.1:{server.server_port}/events",
            "headers": {"X-Token": "$inputs.token"},
            "json_payload": {"count": "$steps.det.predictions", "site": "north"},
            "json_payload_operations": {"count": [{"type": "SequenceLength"}]},
            "fire_and_forget": False,
        }
        definition = workflow(
            detector(),
            step,
            outputs={"status": "$steps.hook.*"},
            inputs=[{"type": "WorkflowImage", "name": "image"}, {"type": "WorkflowParameter", "name": "token"}],
        )
        answer = run_workflow(definition, {"image": pixels, "token": "t0k"}, Environment(models=BrightObjects()))[0]
    finally:
        server.shutdown()
        server.server_close()
    assert answer["status"]["error_status"] is False
    assert _Hook.received == [("/events", "t0k", {"count": count, "site": "north"})]
