"""The video tests' model: the tiny model's record, predicting with the scene's blob detector (see
``tests/video_scene.py`` for why no network runs here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ..tiny_model import register_tiny_model
from ..video_scene import BlobDetector


@pytest.fixture
def blob_model(seglab_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A model reference whose loading gives :class:`BlobDetector` (everything else about the model is real)."""
    from seglab.models.registry import LoadedModel
    from seglab.services import inference

    reference = register_tiny_model(seglab_home)
    real = inference.load_model

    def load_model(ws: Any, model: int | str, backend: Any = "auto") -> LoadedModel:
        loaded = real(ws, model, backend)
        return LoadedModel(loaded.model, BlobDetector(loaded.model.class_names), "blob")

    monkeypatch.setattr(inference, "load_model", load_model)
    # every module that took its own reference to load_model (whichever test imported it first)
    for module in (
        "seglab.services.predict",
        "seglab.services.workflows",
        "seglab.services.streams",
        "seglab.server.model_manager",
    ):
        monkeypatch.setattr(f"{module}.load_model", load_model, raising=False)
    return reference


class Webhook:
    """A real HTTP server on loopback that keeps the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.changed = threading.Condition()
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with received.changed:
                    received.bodies.append(body)
                    received.changed.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/frames"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, condition: Any, timeout: float = 30.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: condition(self.bodies), timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    yield server
    server.close()
