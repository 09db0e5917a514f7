"""Shared fixtures. Every test gets its own SEGLAB_HOME so nothing touches the user's ~/.seglab."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DATASET_FOLDERS = [
    Path(os.environ.get("SEGLAB_SHARED_DATASETS", "/nonexistent")),
    Path(__file__).resolve().parents[2] / "shared" / "datasets",  # ../shared/datasets beside the checkout
    Path("/work/shared/datasets"),
]
SHARED_DATASETS = next((folder for folder in _DATASET_FOLDERS if folder.is_dir()), _DATASET_FOLDERS[1])


@pytest.fixture(autouse=True)
def seglab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "seglab-home"
    monkeypatch.setenv("SEGLAB_HOME", str(home))
    for variable in ("SEGLAB_DATABASE_URL", "SEGLAB_BLOB_URL", "SEGLAB_HOST", "SEGLAB_PORT"):
        monkeypatch.delenv(variable, raising=False)
    return home
