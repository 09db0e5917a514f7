"""A chat-completions endpoint on loopback that answers recorded replies in order and keeps what it was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).with_name("recorded_chat.json")


def recorded(scenario: str) -> list[dict[str, Any]]:
    """A scenario's replies: chat completions as an OpenAI-compatible server sent them."""
    return json.loads(RECORDED.read_text())[scenario]


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "stub",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }


@dataclass
class ChatStub:
    url: str
    replies: list[Any]
    """Bodies to answer in order: a dict is sent as JSON, a string as text/html."""
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    status: int = 200


@contextmanager
def chat_stub(replies: list[Any], status: int = 200) -> Iterator[ChatStub]:
    stub = ChatStub("", list(replies), status=status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert self.path == "/v1/chat/completions", self.path
            length = int(self.headers["Content-Length"])
            stub.received.append(json.loads(self.rfile.read(length)))
            stub.headers.append(dict(self.headers))
            reply = stub.replies.pop(0)
            body = json.dumps(reply).encode() if isinstance(reply, dict) else str(reply).encode()
            self.send_response(stub.status)
            self.send_header("Content-Type", "application/json" if isinstance(reply, dict) else "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
