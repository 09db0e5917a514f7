"""``seglab --version`` is answered before Typer and Click load (``seglab.cli.main``), with what the option prints."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from seglab import __version__
from seglab.cli import app

_PROBE = "import atexit, json, sys\natexit.register(lambda: sys.stderr.write(json.dumps(sorted(sys.modules))))\n"


def test_version_alone_loads_no_command_line_framework():
    code = _PROBE + "import runpy; sys.argv = ['seglab', '--version']; runpy.run_module('seglab', run_name='__main__')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stderr))
    assert not {"typer", "click", "seglab.cli.main"} & modules
    # the same line as the --version option of the Typer app (used with any other argument)
    assert done.stdout == CliRunner().invoke(app, ["--version"]).output == f"seglab {__version__}\n"
