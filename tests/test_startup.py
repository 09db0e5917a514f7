"""Start-up stays light: importing seglab, its CLI or its server app loads no deep-learning or plotting library.

torch alone takes seconds and hundreds of megabytes to import; every command and every test subprocess would pay
it. Each check runs in a fresh interpreter and reads ``sys.modules`` there. (The timings are in
``benchmarks/startup.py``.)
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "torchvision", "rfdetr", "albumentations", "onnxruntime", "supervision", "matplotlib", "sam2")

_REPORT = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules))))
"""


def _seglab(*arguments: str) -> str:
    """Code running ``seglab ARGUMENTS`` as ``python -m seglab`` does."""
    return f"import runpy; sys.argv = {['seglab', *arguments]!r}; runpy.run_module('seglab', run_name='__main__')"


def _modules_after(code: str) -> tuple[set[str], str]:
    """The modules imported by ``code`` in a new interpreter, and what it printed."""
    done = subprocess.run([sys.executable, "-c", _REPORT + code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    errors, _, modules = done.stderr.rpartition("\nMODULES ")
    return set(json.loads(modules)), done.stdout + errors


def test_importing_loads_no_heavy_library():
    """One interpreter imports each in turn (the lighter first), printing what is loaded after each."""
    order = ["seglab", "seglab.cli", "seglab.services", "seglab.server.app"]
    code = "".join(f"import {m}; print({m!r}, json.dumps(sorted(sys.modules)))\n" for m in order)
    _, output = _modules_after("import json\n" + code)
    after = {name: set(json.loads(loaded)) for name, _, loaded in (line.partition(" ") for line in output.splitlines())}
    assert list(after) == order
    for module, modules in zip(order, after.values(), strict=True):
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


def test_serving_an_up_to_date_database_loads_no_migration_tool(seglab_home):
    """``seglab serve`` builds its app without Alembic (over half a second to import) once the database is at the
    newest migration: the check reads the migration files' revision ids instead. (A new home still migrates, and
    then Alembic loads: see test_database.py.) ``/healthz`` answering within 2 s is measured by
    ``benchmarks/startup.py``."""
    from seglab.store import Workspace

    Workspace().close()  # the home holds a database at the newest migration (see seglab_home in conftest.py)
    modules, _ = _modules_after("from seglab.server import create_app\ncreate_app()")
    assert "seglab.server.app" in modules
    assert not modules & {*HEAVY, "alembic"}, sorted(modules & {*HEAVY, "alembic"})


def test_the_migration_files_head_is_alembics_head(ws):
    """The quick head check (migration files read as text) agrees with Alembic's own reading of the scripts."""
    from seglab.store._database import _file_head_revision

    assert _file_head_revision() == ws.db.head_revision() is not None
