"""Render-pool processes end with the process generating the version, even when it is killed with SIGKILL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from seglab.services import images, projects

from .processes import assert_all_end, kill_hard, wait_for_children, write_images

pytestmark = pytest.mark.slow

_GENERATE = textwrap.dedent(
    """
    from seglab.services import versions
    from seglab.store import Workspace

    ws = Workspace()
    recipe = versions.recipe_from_options(augment="flip,rotate=10,blur=2", multiplier=8, seed=1)
    versions.create_version(ws, "pool", recipe, workers=2)
    """
)


def test_render_processes_die_with_a_killed_parent(ws, tmp_path: Path):
    projects.create_project(ws, "pool")
    images.upload_paths(ws, "pool", [write_images(tmp_path / "images", 24, size=640)])
    log = tmp_path / "generate.log"
    with log.open("wb") as output:
        parent = subprocess.Popen([sys.executable, "-c", _GENERATE], stdout=output, stderr=subprocess.STDOUT)
    try:
        pool = wait_for_children(parent.pid, 2, "the render pool's two processes")
        kill_hard(parent.pid)
        parent.wait()
        assert_all_end(pool, "the render processes of a killed parent", timeout=5)
    finally:
        kill_hard(parent.pid)
