"""Start-up stays light: importing seglab, its CLI or its server app loads no deep-learning or plotting library.

torch alone takes seconds and hundreds of megabytes to import; every command and every test subprocess would pay
it. Each check runs in a fresh interpreter and reads ``sys.modules`` there. (The timings are in
``benchmarks/startup.py``.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("torch", "torchvision", "rfdetr", "albumentations", "onnxruntime", "supervision", "matplotlib", "sam2")

_REPORT = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules))))
"""


def _seglab(*arguments: str) -> str:
    """Code running ``seglab ARGUMENTS`` as ``python -m seglab`` does."""
    return f"import runpy; sys.argv = {['seglab', *arguments]!r}; runpy.run_module('seglab', run_name='__main__')"


def _modules_after(code: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules imported by ``code`` in a new interpreter, and what it printed."""
    done = subprocess.run([sys.executable, "-c", _REPORT + code], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    errors, _, modules = done.stderr.rpartition("\nMODULES ")
    return set(json.loads(modules)), done.stdout + errors


IMPORTS = ["seglab", "seglab.cli", "seglab.services", "seglab.server.app"]
"""What :func:`steps` imports in turn, the lighter first; then it builds the server's app."""


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path) -> dict[str, set[str]]:
    """One interpreter imports each of :data:`IMPORTS` in turn and then builds the app as ``seglab serve`` does, on a
    home whose database is at the newest migration; the modules loaded after each step (``"create_app()"`` the
    last), for the tests below: each new interpreter costs seconds of CPU in imports. A step can only add modules
    to those of the steps before it, so a module a test finds absent was loaded by no step up to its own."""
    home = tmp_path_factory.mktemp("startup") / "home"
    home.mkdir(mode=0o700)
    shutil.copyfile(migrated_database, home / "seglab.db")
    code = "".join(f"import {m}; print({m!r}, json.dumps(sorted(sys.modules)))\n" for m in IMPORTS)
    code += (
        "from seglab.server import create_app\ncreate_app()\nprint('create_app()', json.dumps(sorted(sys.modules)))\n"
    )
    env = {name: value for name, value in os.environ.items() if name not in ("SEGLAB_DATABASE_URL", "SEGLAB_BLOB_URL")}
    _, output = _modules_after("import json\n" + code, env={**env, "SEGLAB_HOME": str(home)})
    return {name: set(json.loads(loaded)) for name, _, loaded in (line.partition(" ") for line in output.splitlines())}


def test_importing_loads_no_heavy_library(steps: dict[str, set[str]]) -> None:
    """One interpreter imports each in turn (the lighter first), printing what is loaded after each."""
    assert list(steps) == [*IMPORTS, "create_app()"]
    for module in IMPORTS:
        modules = steps[module]
        assert module in modules
        assert not modules & set(HEAVY), f"import {module} loads {sorted(modules & set(HEAVY))}"


def test_seglab_version_loads_neither_heavy_libraries_nor_the_services():
    modules, output = _modules_after(_seglab("--version"))
    assert output.startswith("seglab ")
    assert not modules & set(HEAVY)
    # the command modules (and the services, the store, NumPy under them) load only for the command that runs
    assert not {"seglab.services", "seglab.store", "seglab.cli.projects", "numpy", "sqlalchemy"} & modules


def test_a_command_loads_only_its_own_module():
    modules, output = _modules_after(_seglab("project", "list", "--json"))
    assert json.loads(output) == []
    assert "seglab.cli.projects" in modules
    assert not {"seglab.cli.training", "seglab.cli.workflows", "seglab.cli.agent"} & modules
    assert not modules & set(HEAVY)


def test_serving_an_up_to_date_database_loads_no_migration_tool(steps: dict[str, set[str]]) -> None:
    """``seglab serve`` builds its app without Alembic (over half a second to import) once the database is at the
    newest migration: the check reads the migration files' revision ids instead. (A new home still migrates, and
    then Alembic loads: see test_database.py.) ``/healthz`` answering within 2 s is measured by
    ``benchmarks/startup.py``. The home's database is a copy of one Alembic brought to the newest migration."""
    modules = steps["create_app()"]
    assert "seglab.server.app" in modules
    assert not modules & {*HEAVY, "alembic"}, sorted(modules & {*HEAVY, "alembic"})


def test_the_migration_files_head_is_alembics_head(ws):
    """The quick head check (migration files read as text) agrees with Alembic's own reading of the scripts."""
    from seglab.store._database import _file_head_revision

    assert _file_head_revision() == ws.db.head_revision() is not None
