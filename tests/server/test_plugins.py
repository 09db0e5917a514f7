"""A third-party plugin, installed the way pip installs one (a module plus a ``*.dist-info`` folder whose
``entry_points.txt`` declares group ``seglab``), reaches ``seglab serve`` and ``seglab inspect`` in real processes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from .conftest import running_server

PLUGIN = textwrap.dedent(
    '''
    """A tiny seglab plugin: a workflow block (an image's width) and a dataset format (``*.demo`` lists)."""

    from pathlib import Path
    from typing import Annotated, Any, ClassVar, Literal

    import cv2

    from seglab.core import Category, Dataset, ImageRecord
    from seglab.formats import DatasetFormat, LoadResult
    from seglab.plugins import hookimpl
    from seglab.workflows import Accepts, Block, Kind, StepContext, StepManifest
    from seglab.workflows.blocks import Selector


    class WidthManifest(StepManifest):
        type: Literal["demo/width@v1", "DemoWidth"]
        image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]


    class Width(Block):
        manifest = WidthManifest
        outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"width": (Kind.INTEGER,)}
        description = "The image's width in pixels (a plugin's block)"

        def run(self, step: Any, context: StepContext) -> dict[str, Any]:
            return {"width": step.image.width}


    def detect(path: Path) -> Path | None:
        candidates = sorted(path.glob("*.demo")) if path.is_dir() else [path]
        return next((c for c in candidates if c.suffix == ".demo" and c.is_file()), None)


    def load(path: Path, *, strict: bool = False, image_check: Any = None) -> LoadResult:
        records = []
        for number, name in enumerate(path.read_text().split(), start=1):
            height, width = cv2.imread(str(path.parent / name)).shape[:2]
            records.append(ImageRecord(number, name, width, height, path=path.parent / name))
        return LoadResult(Dataset([Category(1, "thing")], records, []), [], "demo")


    @hookimpl
    def seglab_workflow_blocks() -> list[type[Block]]:
        return [Width]


    @hookimpl
    def seglab_formats() -> list[DatasetFormat]:
        return [DatasetFormat("demo", "A list of image files (a plugin's format)", detect, load, None)]
    '''
)


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """A folder holding the installed plugin (what ``pip install seglab-demo`` would leave in site-packages)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "seglab_demo.py").write_text(PLUGIN)
    info = site / "seglab_demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: seglab-demo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[seglab]\ndemo = seglab_demo\n")
    return site


def _with_plugin(plugin_path: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(plugin_path), os.environ.get("PYTHONPATH", "")])}


def _png(path: Path, width: int, height: int) -> Path:
    cv2.imwrite(str(path), np.full((height, width, 3), 90, np.uint8))
    return path


@pytest.mark.slow  # a live seglab serve
def test_a_plugins_block_is_listed_and_runs_in_seglab_serve(seglab_home, plugin_path, tmp_path):
    with running_server(seglab_home.parent / "serve.log", **_with_plugin(plugin_path)) as url:
        blocks = httpx.get(f"{url}/api/v1/workflows/blocks", timeout=30).json()
        listed = {block["type"]: block for block in blocks}
        assert listed["demo/width@v1"]["aliases"] == ["DemoWidth"]
        assert "roboflow_core/segment_anything@v1" in listed  # the built-ins are there too

        definition = {
            "version": "1.0",
            "inputs": [{"type": "InferenceImage", "name": "image"}],
            "steps": [{"type": "DemoWidth", "name": "measure", "image": "$inputs.image"}],
            "outputs": [{"type": "JsonField", "name": "width", "selector": "$steps.measure.width"}],
        }
        image = base64.b64encode(_png(tmp_path / "wide.png", 120, 40).read_bytes()).decode()
        answer = httpx.post(
            f"{url}/api/v1/workflows/run",
            json={"specification": definition, "inputs": {"image": {"type": "base64", "value": image}}},
            timeout=60,
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["outputs"] == [{"width": 120}]


def test_a_plugins_format_is_detected_by_seglab_inspect(seglab_home, plugin_path, tmp_path):
    dataset = tmp_path / "listed"
    dataset.mkdir()
    _png(dataset / "a.png", 64, 48)
    _png(dataset / "b.png", 32, 32)
    (dataset / "images.demo").write_text("a.png\nb.png\n")
    command = [sys.executable, "-m", "seglab", "inspect", str(dataset), "--json"]
    inspected = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **_with_plugin(plugin_path)}, timeout=120
    )
    assert inspected.returncode == 0, inspected.stderr[-3000:]
    report = json.loads(inspected.stdout)
    assert report["format"] == "demo"
    assert report["images"] == 2

    without = subprocess.run(command, capture_output=True, text=True, timeout=120)  # not installed: not known
    assert without.returncode == 1
    assert "cannot tell the dataset format" in without.stdout + without.stderr
