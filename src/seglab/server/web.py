"""The web app (built from ``web/`` into the package's ``static`` folder) at ``/``, with client-side routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from seglab.server.api._access import PUBLIC

STATIC = Path(__file__).with_name("static")
_NOT_PAGES = ("api/", "model/", "infer/", "docs", "openapi.json", "redoc")
PAGE_ROUTES = frozenset({"index", "client_route", "assets"})
"""The routes below: open without signing in (the app then shows its sign-in page)."""


def install(app: FastAPI, folder: Path = STATIC) -> None:
    """Serve the built app; every other GET path that is not an API gives ``index.html`` (the app routes itself).

    Registered after every API route, so an API path is never answered with a page.
    """
    if (folder / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=folder / "assets"), name="assets")

    @app.get("/", include_in_schema=False, dependencies=[PUBLIC])
    def index() -> FileResponse:
        return _page(folder)

    @app.get("/{path:path}", include_in_schema=False, dependencies=[PUBLIC])
    def client_route(path: str) -> FileResponse:
        if path.startswith(_NOT_PAGES):
            raise HTTPException(404, f"no route GET /{path}")
        return _page(folder)


def _page(folder: Path) -> FileResponse:
    page = folder / "index.html"
    if not page.is_file():
        raise HTTPException(404, "the web app is not built: `make run` builds it (npm in web/)")
    return FileResponse(page, headers={"Cache-Control": "no-cache"})
