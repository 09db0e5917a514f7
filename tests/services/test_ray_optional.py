"""Ray is optional (``seglab[ray]``): without it, ``--ray`` fails with a one-line reason saying how to install it,
and nothing else needs it."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from seglab.cli import app

from ..tiny_model import register_tiny_model


def test_predict_with_ray_asked_for_but_not_installed_says_how_to_install_it(
    seglab_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    model = register_tiny_model(seglab_home)
    picture = tmp_path / "one.png"
    cv2.imwrite(str(picture), np.zeros((20, 30, 3), dtype=np.uint8))
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` finds where the extra is not installed

    refused = CliRunner().invoke(app, ["predict", model, str(picture), "--out", str(tmp_path / "out"), "--ray", "auto"])
    assert refused.exit_code == 1
    assert "pip install 'seglab[ray]'" in refused.output

    monkeypatch.setenv("SEGLAB_RAY_ADDRESS", "auto")  # the setting asks for Ray too
    assert CliRunner().invoke(app, ["predict", model, str(picture), "--out", str(tmp_path / "out")]).exit_code == 1

    monkeypatch.delenv("SEGLAB_RAY_ADDRESS")
    embedded = CliRunner().invoke(app, ["predict", model, str(picture), "--out", str(tmp_path / "out"), "--json"])
    assert embedded.exit_code == 0, embedded.output
    assert (tmp_path / "out" / "one.json").is_file()
