"""The README's Python example runs as written, against the model trained for these tests."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import pytest
import supervision as sv

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_python_api_example_runs(deployed, tmp_path, monkeypatch):
    section = README.read_text().split("Predicting and running workflows from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None, "the README lost its Python example"
    assert "squares/1" in code.group(1)
    source = code.group(1).replace("squares/1", deployed.reference)
    cv2.imwrite(str(tmp_path / "street.jpg"), cv2.imread(str(deployed.images[0])))
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile(source, str(README), "exec"), names)  # our own README example
    assert isinstance(names["detections"], sv.Detections)
    assert len(names["shapes"]) == len(names["detections"])
    assert names["run"].to_json()[0]["count"] == names["run"].outputs[0]["count"]
    names["ws"].close()
