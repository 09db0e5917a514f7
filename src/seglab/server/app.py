"""FastAPI application factory."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Match
from starlette.types import Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from seglab._version import __version__
from seglab.server import roboflow, web
from seglab.server import workflows as workflow_routes
from seglab.server.api import PREFIX as API_PREFIX
from seglab.server.api import router as api_router
from seglab.server.api._access import PUBLIC, requires
from seglab.server.auth import Authentication, is_loopback
from seglab.server.body_limit import BodyLimit
from seglab.server.errors import install_error_handlers
from seglab.server.hosts import allowed_hosts, trusted_proxies
from seglab.server.model_manager import ModelManager
from seglab.server.security_headers import SecurityHeaders
from seglab.server.workers import WorkerSupervisor, worker_lifespan
from seglab.services import SystemInfo, Workspace, check_health, image_delivery, system_info
from seglab.services.assist import smart_polygon as open_smart_polygon
from seglab.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: read from the environment)."""
    settings = settings or Settings()
    settings.ensure_home()
    workspace = Workspace(settings)
    models = ModelManager(workspace)
    supervisor = WorkerSupervisor(workspace, settings.workers)
    smart_polygon = open_smart_polygon(workspace)

    def stop() -> None:
        models.clear()
        smart_polygon.close()

    app = FastAPI(
        lifespan=worker_lifespan(workspace, supervisor, on_stop=stop),
        title="seglab",
        version=__version__,
        description="Self-hosted instance segmentation: annotate, version, train, evaluate and deploy.",
    )
    app.state.settings = settings
    app.state.workspace = workspace
    app.state.smart_polygon = smart_polygon
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
    # outermost: on every answer, the body limit's 413 too
    app.add_middleware(SecurityHeaders, image_sources=image_delivery.image_origins(workspace))

    # The system routes come first: a request is matched against the routes in order, and FastAPI prepares an
    # included router's routes when a request is first matched against them, so ``/healthz`` (what a supervisor
    # and the tests wait on) answers without waiting for every API route to be prepared.
    @app.get(
        "/healthz", tags=["system"], summary="Liveness, storage and background workers check", dependencies=[PUBLIC]
    )
    def healthz() -> JSONResponse:
        """200 ``healthy``; 503 ``degraded`` while fewer background workers are alive than expected (jobs would
        wait), 503 ``error`` when the home folder is not writable: load balancers take any non-200 as unhealthy."""
        workers = supervisor.health()
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
    roboflow.install(app, models)
    workflow_routes.install(app)
    roboflow.install_legacy(app)  # its catch-all POST path must come after every other route
    web.install(app)  # and the app's GET pages after every API route
    return app


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
