"""Shared fixtures. Every test gets its own SEGLAB_HOME so nothing touches the user's ~/.seglab."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from seglab.core import Split
from seglab.store import Workspace

_DATASET_FOLDERS = [
    Path(os.environ.get("SEGLAB_SHARED_DATASETS", "/nonexistent")),
    Path(__file__).resolve().parents[2] / "shared" / "datasets",  # ../shared/datasets beside the checkout
    Path("/work/shared/datasets"),
]
SHARED_DATASETS = next((folder for folder in _DATASET_FOLDERS if folder.is_dir()), _DATASET_FOLDERS[1])

_BROWSER_FIXTURES = {"page"}
"""Fixtures that start Chromium: a test using one is marked ``browser``."""
_TRAINING_FIXTURES = {"trained", "deployed", "served"}
"""Fixtures that train a model for real (or need the session's trained one): a test using one is ``training``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they use, so ``make test-fast`` (``-m "not browser and not training"``) leaves out every
    test that drives Chromium or trains, including tests written later, without anyone remembering a marker."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & _BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if fixtures & _TRAINING_FIXTURES:
            item.add_marker(pytest.mark.training)


@pytest.fixture(autouse=True)
def seglab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "seglab-home"
    monkeypatch.setenv("SEGLAB_HOME", str(home))
    for variable in ("SEGLAB_DATABASE_URL", "SEGLAB_BLOB_URL", "SEGLAB_HOST", "SEGLAB_PORT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("SEGLAB_WORKERS", "0")  # tests that need background workers start them explicitly
    # pytest-xdist runs two tests at once on two cores: one thread per training process avoids
    # oversubscribing them (OpenMP threads spinning against each other slow training several-fold)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    return home


@pytest.fixture
def ws(seglab_home: Path) -> Iterator[Workspace]:
    """A workspace on a real SQLite file and blob folder under the test's SEGLAB_HOME."""
    workspace = Workspace()
    yield workspace
    workspace.close()


@pytest.fixture
def coco_export(tmp_path: Path) -> Path:
    """The small test dataset (polygons, a two-part instance, a hole, a crowd) as a Roboflow COCO export."""
    from seglab.formats import save_dataset

    from .formats.conftest import build_dataset

    save_dataset(
        build_dataset(tmp_path / "src", (Split.TRAIN, Split.VALID, Split.TEST)), tmp_path / "coco", format="coco"
    )
    return tmp_path / "coco"


@pytest.fixture
def project(ws: Workspace, coco_export: Path) -> str:
    """A project named ``pets`` holding the small test dataset."""
    from seglab.services import transfer

    transfer.import_dataset(ws, coco_export, "pets", create_project=True)
    return "pets"


_CORPUS_FIGURES: dict[str, Counter[str]] = {}
"""Cases of the hostile-input corpus (tests/corpus) by entry point and outcome, reported by its tests."""
_CORPUS_NOTES: dict[str, dict[str, object]] = {}
_FIVES = tuple(f": {status}" for status in range(500, 600))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == "corpus" and report.when == "call":
            figures = json.loads(str(value))
            _CORPUS_FIGURES.setdefault(figures["entry"], Counter()).update(figures["outcomes"])
            _CORPUS_NOTES.setdefault(figures["entry"], {}).update(figures.get("notes", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The corpus's figures at the end of the run: cases tried per entry point, refused (4xx or a located CLI
    error), accepted where that is right, and 500s/tracebacks (which fail the tests)."""
    if not _CORPUS_FIGURES:
        return
    terminalreporter.write_sep("-", "hostile-input corpus")
    for entry, outcomes in sorted(_CORPUS_FIGURES.items()):
        shown = ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items()))
        notes = "".join(f"; {name} {value}" for name, value in _CORPUS_NOTES.get(entry, {}).items())
        broken = sum(count for outcome, count in outcomes.items() if outcome.endswith(("traceback", *_FIVES)))
        total = sum(outcomes.values())
        terminalreporter.write_line(f"{entry}: {total} cases: {shown}; 5xx/tracebacks: {broken}{notes}")
