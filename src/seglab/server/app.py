"""FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from seglab._version import __version__
from seglab.server import roboflow, web
from seglab.server import workflows as workflow_routes
from seglab.server.api import PREFIX as API_PREFIX
from seglab.server.api import router as api_router
from seglab.server.body_limit import BodyLimit
from seglab.server.errors import install_error_handlers
from seglab.server.model_manager import ModelManager
from seglab.server.workers import worker_lifespan
from seglab.services import SystemInfo, Workspace, check_health, system_info
from seglab.services.assist import smart_polygon as open_smart_polygon
from seglab.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: read from the environment)."""
    settings = settings or Settings()
    settings.ensure_home()
    workspace = Workspace(settings)
    models = ModelManager(workspace)
    smart_polygon = open_smart_polygon(workspace)

    def stop() -> None:
        models.clear()
        smart_polygon.close()

    app = FastAPI(
        lifespan=worker_lifespan(workspace, settings.workers, on_stop=stop),
        title="seglab",
        version=__version__,
        description="Self-hosted instance segmentation: annotate, version, train, evaluate and deploy.",
    )
    app.state.settings = settings
    app.state.workspace = workspace
    app.state.smart_polygon = smart_polygon
    install_error_handlers(app)
    app.add_middleware(
        BodyLimit, max_request_bytes=settings.max_request_bytes, max_upload_bytes=settings.max_upload_bytes
    )

    # The system routes come first: a request is matched against the routes in order, and FastAPI prepares an
    # included router's routes when a request is first matched against them, so ``/healthz`` (what a supervisor
    # and the tests wait on) answers without waiting for every API route to be prepared.
    @app.get("/healthz", tags=["system"], summary="Liveness and storage check")
    def healthz() -> JSONResponse:
        try:
            return JSONResponse(check_health(settings))
        except OSError as error:
            return JSONResponse({"status": "error", "message": f"home folder not writable: {error}"}, 503)

    @app.get("/info", tags=["system"], summary="What this server is", response_model=SystemInfo)
    def info(request: Request) -> SystemInfo:
        return system_info(request.app.state.settings)

    app.include_router(api_router, prefix=API_PREFIX)
    roboflow.install(app, models)
    workflow_routes.install(app)
    roboflow.install_legacy(app)  # its catch-all POST path must come after every other route
    web.install(app)  # and the app's GET pages after every API route
    return app
