"""Routes installed after the server starts listening, so ``seglab serve`` answers ``/healthz`` at once.

Importing the route modules (and with them NumPy, OpenCV, the formats, the workflow blocks) and preparing every
route's models takes most of a start. :class:`DeferredRoutes` does that in a thread started with the app's lifespan,
while :class:`RoutesGate` holds every request but the exempt ones (``/healthz``) until it is done: a request that
comes early waits instead of failing, and gets the same answer it would have got later. Should installing fail, the
error is logged with its traceback and every held request is answered 500.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from seglab.server.errors import error_response

logger = logging.getLogger("seglab.server")


class DeferredRoutes:
    """Runs ``install`` once, in a thread, from :meth:`start`; :meth:`wait` returns once it has run."""

    def __init__(self, install: Callable[[], None]) -> None:
        self._install = install
        self._ready: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.failure: BaseException | None = None
        """What ``install`` raised (then every held request is answered 500, and ``/healthz`` 503)."""

    def start(self) -> None:
        """Starts installing; called in the event loop that serves the app (from its lifespan)."""
        loop, ready = asyncio.get_running_loop(), asyncio.Event()
        self._ready = ready

        def run() -> None:
            try:
                self._install()
            except BaseException as error:  # reported on every request, not lost in a thread
                logger.exception("installing the server's routes failed")
                self.failure = error
            finally:
                loop.call_soon_threadsafe(ready.set)

        self._thread = threading.Thread(target=run, name="install-routes", daemon=True)
        self._thread.start()

    async def wait(self) -> None:
        if self._ready is None:
            raise RuntimeError("the routes are installed from the app's lifespan, which has not started")
        await self._ready.wait()

    def join(self) -> None:
        """Waits for the installing thread (at shutdown: what it creates is then there to be closed)."""
        if self._thread is not None:
            self._thread.join()


class RoutesGate:
    """ASGI middleware: holds each HTTP or WebSocket request whose path is not in ``exempt`` until ``routes`` are
    installed."""

    def __init__(self, app: ASGIApp, routes: DeferredRoutes, exempt: frozenset[str]) -> None:
        self.app, self.routes, self.exempt = app, routes, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"] not in self.exempt:
            await self.routes.wait()
            if self.routes.failure is not None:
                if scope["type"] == "http":
                    message = f"the server failed to start: {self.routes.failure!r} (its log has the traceback)"
                    await error_response(500, "internal_error", message)(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1011})
                return
        await self.app(scope, receive, send)
