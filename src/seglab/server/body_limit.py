"""Request bodies bounded before they are read: a 413 from the ``Content-Length`` header alone, or as soon as the
bytes streamed without one pass the limit, so no route decodes (or buffers) a body bigger than the settings allow.

Multipart bodies (uploads of images, archives and videos) have their own, larger limit.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seglab.server.errors import error_response


class BodyTooLargeError(HTTPException):
    """Raised while a route reads a body that outgrows its limit (FastAPI re-raises HTTPExceptions as they are)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)
        self.message = message


class BodyLimit:
    """ASGI middleware: ``max_request_bytes`` for every body but multipart ones, which get ``max_upload_bytes``."""

    def __init__(self, app: ASGIApp, *, max_request_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("content-type", "").startswith("multipart/form-data"):
            limit, setting = self.max_upload_bytes, "SEGLAB_MAX_UPLOAD_BYTES"
        else:
            limit, setting = self.max_request_bytes, "SEGLAB_MAX_REQUEST_BYTES"
        declared = headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            message = f"the request body is {int(declared)} bytes, above {setting}={limit}"
            await _refuse(message, limit, setting, scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(f"the request body is more than {limit} bytes, above {setting}={limit}")
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except BodyTooLargeError as error:  # raised outside the routes' error handlers
            if started:
                raise
            await _refuse(error.message, limit, setting, scope, receive, send)


async def _refuse(message: str, limit: int, setting: str, scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(413, "too_large", message, {"limit": limit, "setting": setting})
    await response(scope, receive, send)
