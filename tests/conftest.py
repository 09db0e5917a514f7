"""Shared fixtures. Every test gets its own SEGLAB_HOME so nothing touches the user's ~/.seglab."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture(autouse=True)
def seglab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "seglab-home"
    monkeypatch.setenv("SEGLAB_HOME", str(home))
    for variable in ("SEGLAB_DATABASE_URL", "SEGLAB_BLOB_URL", "SEGLAB_HOST", "SEGLAB_PORT"):
        monkeypatch.delenv(variable, raising=False)
    return home
