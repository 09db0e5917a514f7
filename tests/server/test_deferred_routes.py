"""``seglab serve`` answers ``/healthz`` before its other routes are installed (``create_app(defer_routes=True)``):
what it loads before answering, that early requests wait and then get the answer they would have got, that the
routes installed late are the same routes in the same order, and what happens when installing them fails.
(The time to ``/healthz`` is measured by ``benchmarks/startup.py``.)"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from seglab.jobs import JOB_KINDS
from seglab.server import app as app_module
from seglab.server import create_app
from seglab.server.deferred import DeferredRoutes, RoutesGate
from seglab.settings import Settings

NOT_BEFORE_HEALTHZ = {
    # deep learning, imaging and geometry libraries: seconds to import, needed by no route before it is called
    "torch",
    "onnxruntime",
    "albumentations",
    "cv2",
    "numpy",
    "PIL",
    "shapely",
    "pycocotools",
    "alembic",  # the database is at the newest migration
    # the route modules, and the layers only they need
    "seglab.server.api.routes",
    "seglab.server.roboflow",
    "seglab.workflows",
    "seglab.formats",
    "seglab.models",
    "seglab.assist",
    "seglab.jobs.kinds",
}


def test_the_app_serve_starts_loads_no_heavy_module(seglab_home):
    """In a new interpreter, as ``seglab serve`` builds its app: none of the modules above is loaded."""
    from seglab.store import Workspace

    Workspace().close()  # the home holds a database at the newest migration
    code = (
        "import json, sys\nfrom seglab.server import create_app\ncreate_app(defer_routes=True)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout))
    assert "seglab.server.app" in modules
    assert not modules & NOT_BEFORE_HEALTHZ, sorted(modules & NOT_BEFORE_HEALTHZ)


def _signature(app: Starlette) -> list[tuple[str, str, list[str]]]:
    """Each route's path, name and methods, in the order requests are matched against them."""
    return [
        (getattr(route, "path", ""), getattr(route, "name", ""), sorted(getattr(route, "methods", None) or []))
        for route in app.routes
    ]


def test_deferred_routes_are_the_same_routes_in_the_same_order(seglab_home):
    eager = create_app(Settings())
    deferred = create_app(Settings(), defer_routes=True)
    assert [path for path, _, _ in _signature(deferred)][-1] == "/healthz"  # nothing else before the start
    with TestClient(deferred) as client:
        assert client.get("/api/v1/projects").json() == []  # waits for the routes
        assert _signature(deferred) == _signature(eager)
        assert client.get("/healthz").json()["status"] == "healthy"
    for app in (eager, deferred):
        app.state.workspace.close()


def _gated(install: DeferredRoutes) -> Starlette:
    async def ok(_: object) -> PlainTextResponse:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def start(_: Starlette) -> AsyncIterator[None]:
        install.start()
        yield

    app = Starlette(routes=[Route("/healthz", ok), Route("/other", ok)], lifespan=start)
    app.add_middleware(RoutesGate, routes=install, exempt=frozenset({"/healthz"}))
    return app


def test_a_request_waits_for_the_routes_while_healthz_answers():
    release, installed = threading.Event(), threading.Event()

    def install() -> None:
        release.wait(timeout=60)
        installed.set()

    answers: list[httpx.Response] = []
    with TestClient(_gated(DeferredRoutes(install))) as client:
        early = threading.Thread(target=lambda: answers.append(client.get("/other")))
        early.start()
        assert client.get("/healthz").text == "ok"  # while installing
        assert not answers
        assert not installed.is_set()
        release.set()
        early.join(timeout=60)
        assert installed.is_set()
        assert [(answer.status_code, answer.text) for answer in answers] == [(200, "ok")]


def test_routes_that_fail_to_install_answer_500_and_healthz_503(seglab_home, monkeypatch, caplog):
    def broken(app: object, workspace: object) -> None:
        raise ImportError("no module named 'imaginary'")

    monkeypatch.setattr(app_module, "_install_routes", broken)  # a route module that cannot be imported
    app = create_app(Settings(), defer_routes=True)
    with TestClient(app) as client:
        answer = client.get("/api/v1/projects")
        assert answer.status_code == 500
        assert "imaginary" in answer.json()["error"]["message"]
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "error"
        assert "imaginary" in health.json()["message"]
    assert "installing the server's routes failed" in caplog.text
    app.state.workspace.close()


def test_every_job_kind_finds_its_handler_when_only_the_queue_was_imported():
    """``seglab worker`` imports :mod:`seglab.services.jobs` alone (the package imports its modules on use): the
    handlers' modules load when a job runs."""
    code = (
        "from seglab.jobs import JOB_KINDS\nfrom seglab.services import jobs\nassert not jobs.HANDLERS\n"
        "print({kind: jobs._handler(kind).__module__ for kind in JOB_KINDS})"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    modules = ast.literal_eval(done.stdout)
    assert set(modules) == set(JOB_KINDS)
    assert all(module.startswith("seglab.services.") for module in modules.values()), modules
