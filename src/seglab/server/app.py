"""FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Match
from starlette.types import Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from seglab._version import __version__
from seglab.server import web
from seglab.server.api._access import PUBLIC
from seglab.server.auth import Authentication, is_loopback
from seglab.server.body_limit import BodyLimit
from seglab.server.deferred import DeferredRoutes, RoutesGate
from seglab.server.errors import install_error_handlers
from seglab.server.hosts import allowed_hosts, trusted_proxies
from seglab.server.security_headers import SecurityHeaders
from seglab.server.workers import WorkerSupervisor, worker_lifespan
from seglab.services import image_delivery
from seglab.services.system import check_health
from seglab.settings import Settings
from seglab.store import Workspace

HEALTH_PATH = "/healthz"


def create_app(settings: Settings | None = None, *, defer_routes: bool = False) -> FastAPI:
    """Build the app for ``settings`` (default: read from the environment).

    With ``defer_routes`` (``seglab serve``), the app starts with ``/healthz`` only, and the other routes (and the
    modules behind them) are installed in a thread once it starts: see :mod:`seglab.server.deferred`. Without, they
    are all there when this returns (tests, the OpenAPI dump)."""
    settings = settings or Settings()
    settings.ensure_home()
    workspace = Workspace(settings)
    supervisor = WorkerSupervisor(workspace, settings.workers)
    deferred = DeferredRoutes(lambda: _install_routes(app, workspace)) if defer_routes else None

    def stop() -> None:
        if deferred is not None:
            deferred.join()  # what it created is there to be closed
        if (models := getattr(app.state, "models", None)) is not None:
            models.clear()
        if (smart_polygon := getattr(app.state, "smart_polygon", None)) is not None:
            smart_polygon.close()

    workers = worker_lifespan(workspace, supervisor, on_stop=stop)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with workers(app):
            if deferred is not None:
                deferred.start()
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="seglab",
        version=__version__,
        description="Self-hosted instance segmentation: annotate, version, train, evaluate and deploy.",
    )
    app.state.settings = settings
    app.state.workspace = workspace
    app.state.workers = supervisor
    install_error_handlers(app)
    open_without_accounts = is_loopback(settings.host) or settings.insecure_no_auth
    app.state.open_without_accounts = open_without_accounts
    app.add_middleware(
        Authentication, workspace=workspace, open_without_accounts=open_without_accounts, is_page=_page_matcher(app)
    )
    app.add_middleware(
        BodyLimit, max_request_bytes=settings.max_request_bytes, max_upload_bytes=settings.max_upload_bytes
    )
    if proxies := trusted_proxies(settings):
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings), www_redirect=False)
    if deferred is not None:  # outside the authentication, which reads the routes to tell pages from API calls
        app.add_middleware(RoutesGate, routes=deferred, exempt=frozenset({HEALTH_PATH}))
    # outermost: on every answer, the body limit's 413 too
    app.add_middleware(SecurityHeaders, image_sources=image_delivery.image_origins(workspace))

    # The system routes come first: a request is matched against the routes in order, and FastAPI prepares an
    # included router's routes when a request is first matched against them, so ``/healthz`` (what a supervisor
    # and the tests wait on) answers without waiting for every API route to be prepared.
    @app.get(
        HEALTH_PATH, tags=["system"], summary="Liveness, storage and background workers check", dependencies=[PUBLIC]
    )
    def healthz() -> JSONResponse:
        """200 ``healthy``; 503 ``degraded`` while fewer background workers are alive than expected (jobs would
        wait), 503 ``error`` when the home folder is not writable or the routes failed to install: load balancers
        take any non-200 as unhealthy. (While the routes are being installed, the server is healthy: requests
        wait for them.)"""
        workers = supervisor.health()
        if deferred is not None and deferred.failure is not None:
            message = f"the server failed to start: {deferred.failure!r}"
            return JSONResponse({"status": "error", "message": message, "workers": workers}, 503)
        try:
            health: dict[str, object] = {**check_health(settings), "workers": workers}
        except OSError as error:
            return JSONResponse(
                {"status": "error", "message": f"home folder not writable: {error}", "workers": workers}, 503
            )
        if workers["alive"] < workers["expected"]:
            missing = workers["expected"] - workers["alive"]
            return JSONResponse(
                {**health, "status": "degraded", "message": f"{missing} background worker(s) down, restarting"}, 503
            )
        return JSONResponse(health)

    if deferred is None:
        _install_routes(app, workspace)
    return app


def _install_routes(app: FastAPI, workspace: Workspace) -> None:
    """Every route after ``/healthz``, in the order they are matched; imports the modules behind them (most of
    seglab, NumPy, OpenCV), which is why :func:`create_app` may defer it."""
    from seglab.server import roboflow
    from seglab.server import workflows as workflow_routes
    from seglab.server.api import PREFIX as API_PREFIX
    from seglab.server.api._access import requires
    from seglab.server.api.routes import router as api_router
    from seglab.server.model_manager import ModelManager
    from seglab.services.assist import export_encoders_in_background
    from seglab.services.assist import smart_polygon as open_smart_polygon
    from seglab.services.system import SystemInfo, system_info

    export_encoders_in_background()  # a server lives long enough to finish one, at low priority
    app.state.smart_polygon = open_smart_polygon(workspace)

    @app.get(
        "/info",
        tags=["system"],
        summary="What this server is",
        response_model=SystemInfo,
        dependencies=[requires("workspace.read")],
    )
    def info(request: Request) -> SystemInfo:
        return system_info(request.app.state.settings)

    app.include_router(api_router, prefix=API_PREFIX)
    roboflow.install(app, ModelManager(workspace))
    workflow_routes.install(app)
    roboflow.install_legacy(app)  # its catch-all POST path must come after every other route
    web.install(app)  # and the app's GET pages after every API route


def _page_matcher(app: FastAPI) -> Callable[[Scope], bool]:
    """Whether a request is for the web app's shell or assets (which hold no data, and show the sign-in page): the
    first route that takes it is one of :data:`web.PAGE_ROUTES`."""

    def is_page(scope: Scope) -> bool:
        for route in app.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return getattr(route, "name", None) in web.PAGE_ROUTES
        return False

    return is_page
