"""One tiny model, trained for real (3 epochs from scratch on the CPU, seeded) once per test session, served and
used by every deployment test and the browser tests that need a trained model (the workflow builder's). The fixtures
are offered to every folder by tests/conftest.py (one definition, so one training per session); the tests using
them share one xdist group, so one worker trains it once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

SDK_PYTHON = Path(__file__).resolve().parents[1] / ".venv-sdk" / "bin" / "python"


@dataclass(frozen=True)
class Deployed:
    home: Path
    model_id: int
    reference: str
    """``project/version``, the Roboflow-style model id."""
    images: list[Path]
    """Images like the training ones (not in the project)."""


def _scene(rng: np.random.Generator, path: Path) -> Path:
    pixels = rng.integers(0, 60, (96, 128, 3), dtype=np.uint8)
    x, y, size = (int(v) for v in rng.integers(10, 40, 3))
    pixels[y : y + size, x : x + size] = 230
    cv2.circle(pixels, (100, 70), 14, (40, 200, 40), -1)
    cv2.imwrite(str(path), pixels)
    return path


def _build(home: Path, folder: Path) -> Deployed:
    from seglab.geometry import MultiPolygon
    from seglab.models import TrainSettings
    from seglab.services import annotations, images, projects, training, versions
    from seglab.store import NewAnnotation, Workspace

    (folder / "train").mkdir()
    (folder / "new").mkdir()
    ws = Workspace()
    try:
        project = projects.create_project(ws, "squares", ["box", "disc"])
        box, disc = (c.id for c in project.categories)
        rng = np.random.default_rng(0)
        for index in range(8):
            path = _scene(rng, folder / "train" / f"{index}.png")
            image = images.upload_paths(ws, "squares", [path]).added[0]
            mask = cv2.imread(str(path))[:, :, 0] == 230
            ys, xs = np.nonzero(mask)
            x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
            square = MultiPolygon.from_coco([[x0, y0, x1, y0, x1, y1, x0, y1]])
            annotations.create_annotation(ws, image.id, NewAnnotation(box, square))
            circle = [[100 + 14 * np.cos(a), 70 + 14 * np.sin(a)] for a in np.linspace(0, 2 * np.pi, 24)[:-1]]
            disc_shape = MultiPolygon.from_coco([[float(v) for point in circle for v in point]])
            annotations.create_annotation(ws, image.id, NewAnnotation(disc, disc_shape))
        version = versions.create_version(ws, "squares", versions.recipe_from_options(split="75,12.5,12.5"))
        settings = TrainSettings(epochs=3, batch_size=2, resolution=96, seed=7)
        model = training.train(ws, version.reference, settings=settings, from_scratch=True)
        extra = _images_it_segments(ws, model.id, rng, folder / "new")
    finally:
        ws.close()
    return Deployed(home, model.id, version.reference, extra)


def _images_it_segments(ws, model_id: int, rng: np.random.Generator, folder: Path, wanted: int = 3) -> list[Path]:
    """New scenes on which the tiny model finds instances with some pixels at confidence 0. Three epochs teach it
    little: on some scenes every mask it gives is empty (no instance at all), and which ones changes from run to
    run, so the tests' images are chosen after training rather than fixed."""
    from seglab.models import PredictOptions
    from seglab.services.inference import load_model

    predictor = load_model(ws, model_id).predictor  # ONNX Runtime, as the server and the CLI
    chosen: list[Path] = []
    for index in range(40):
        path = _scene(rng, folder / f"new{index}.png")
        found = predictor.predict_file(path, PredictOptions(confidence=0.0))
        if sum(int(crop.sum()) for crop in found.crops) >= 30:
            chosen.append(path)
        if len(chosen) == wanted:
            return chosen
    pytest.fail(f"the test model segments nothing on 40 new scenes (found on {len(chosen)}): its training failed")


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    root = tmp_path_factory.mktemp("deployed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEGLAB_HOME", str(root / "home"))
        patch.setenv("SEGLAB_WORKERS", "0")
        patch.setenv("OMP_NUM_THREADS", "1")
        return _build(root / "home", root)


@pytest.fixture
def deployed(trained: Deployed, monkeypatch: pytest.MonkeyPatch) -> Deployed:
    """The trained model's home as this test's SEGLAB_HOME."""
    monkeypatch.setenv("SEGLAB_HOME", str(trained.home))
    return trained


@pytest.fixture(scope="session")
def served(trained: Deployed) -> Iterator[str]:
    """``seglab serve`` on the trained model's home, on a loopback port, accepting images up to 1 megapixel."""
    from .server.conftest import running_server  # the server's modules only for the tests that serve the model

    settings = {"SEGLAB_HOME": str(trained.home), "SEGLAB_WORKERS": "0", "SEGLAB_MAX_IMAGE_PIXELS": "1000000"}
    with running_server(trained.home.parent / "serve.log", **settings) as url:
        yield url
