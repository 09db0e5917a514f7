"""Headers on every response that keep a browser from turning seglab's answers against its users.

``nosniff`` stops a browser from guessing that bytes served as an image are a page; ``frame-ancestors`` and
``X-Frame-Options`` stop other sites from framing the app (clickjacking); ``Referrer-Policy`` keeps URLs (project
names, image ids) from leaking to other origins. The app's HTML pages also get a Content-Security-Policy that
allows only seglab's own scripts, so a script that reached the page some other way would not run. FastAPI's
``/docs`` and ``/redoc`` load their scripts from a CDN and inline, so they get no policy of their own.

The app is also cross-origin isolated (:data:`ISOLATION`): only such a page may share memory with workers, which
onnxruntime-web needs to run Smart Polygon's in-browser decoder on every core (WASM threads). ``credentialless``
rather than ``require-corp``: images from another origin (a bucket's presigned URLs) still load, fetched without
cookies, which they never needed, instead of being refused for lacking a ``Cross-Origin-Resource-Policy`` header.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(image_sources: tuple[str, ...] = ()) -> str:
    """The pages' policy; ``image_sources``: other origins images may come from (the bucket that presigned image
    URLs point at, ``SEGLAB_BLOB_DELIVERY=presigned``)."""
    return "; ".join(
        (
            "default-src 'self'",
            # 'wasm-unsafe-eval' lets seglab's own WebAssembly compile (Smart Polygon's in-browser decoder runs
            # onnxruntime-web); it allows no JavaScript eval
            "script-src 'self' 'wasm-unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",  # React's style={{...}} attributes
            # predictions drawn by the server come back as data: URLs
            " ".join(("img-src 'self' data: blob:", *image_sources)),
            "connect-src 'self'",
            "font-src 'self' data:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
ISOLATION = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "credentialless",
}
"""On every answer but FastAPI's pages: the app's pages, and its scripts (workers take their policy from them)."""
_OWN_POLICY = ("/docs", "/redoc")


class SecurityHeaders:
    """ASGI middleware adding :data:`ALWAYS` to every response, :data:`ISOLATION` to all but FastAPI's pages, and the
    content security policy to HTML ones."""

    def __init__(self, app: ASGIApp, image_sources: tuple[str, ...] = ()) -> None:
        self.app = app
        self.policy = content_security_policy(image_sources)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        documentation = str(scope.get("path", "")).startswith(_OWN_POLICY)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if not documentation:
                    for name, value in ISOLATION.items():
                        headers.setdefault(name, value)
                    if headers.get("content-type", "").startswith("text/html"):
                        headers.setdefault("Content-Security-Policy", self.policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
